package main

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"
)

// Defaults of the cert subcommands.
const (
	defaultCAName        = "gotls local CA"
	defaultCADays        = 3650
	defaultLeafDays      = 90
	defaultLeafNames     = "localhost,127.0.0.1,::1"
	defaultResponderPort = "8888"
	defaultOCSPValidity  = time.Hour
	defaultStapleFileAge = 24 * time.Hour
	maxValidity          = 366 * 24 * time.Hour
)

// runCertInit makes a CA.
func runCertInit(_ context.Context, e *env, caDir string, args []string) int {
	var o caInitOptions
	var keyKind, responder string
	fs := newCertFlagSet("init", "[-key KIND] [-name CN] [-responder HOST:PORT] [-days N]",
		"  gotls cert -ca-dir ./ca init\n  gotls cert -ca-dir ./ca init -key rsa2048 -responder 127.0.0.1:8888\n", e, &caDir)
	fs.StringVar(&keyKind, "key", "ecdsa", "CA key `KIND`: "+keyKindsHelp+"; OCSP responses of an Ed25519 CA are signed by a delegated ECDSA responder")
	fs.StringVar(&o.name, "name", defaultCAName, "the CA's common `NAME`")
	fs.StringVar(&responder, "responder", "", "`HOST:PORT` where \"gotls cert serve\" will run; issued certificates then name http://HOST:PORT/ocsp and http://HOST:PORT/ca.crl")
	fs.IntVar(&o.days, "days", defaultCADays, "validity in `DAYS`")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	var err error
	if o.keyKind, err = canonicalKeyKind(keyKind); err != nil {
		return usageError(e.stderr, "cert init", err)
	}
	if o.responder, err = responderBase(responder); err != nil {
		return usageError(e.stderr, "cert init", err)
	}
	if o.days < 1 || o.days > 100*366 {
		return usageError(e.stderr, "cert init", errors.New("-days must be from 1 to 36600"))
	}
	ca, err := initCA(caDir, o, time.Now())
	if err != nil {
		return failure(e.stderr, "cert init", err)
	}
	fmt.Fprintf(e.stdout, "created CA %q (%s) in %s\n", ca.cert.Subject.CommonName, keyDescription(ca.cert.PublicKey), caDir)
	fmt.Fprintf(e.stdout, "  %-28s the CA certificate: give it to clients (gotls connect -CAfile %s)\n", ca.path(caCertFile), ca.path(caCertFile))
	fmt.Fprintf(e.stdout, "  %-28s the CA key (mode 0600): keep it private\n", ca.path(caKeyFile))
	fmt.Fprintf(e.stdout, "  %-28s certificates issued and revoked\n", ca.path(caStateFile))
	if ca.ocspCert != ca.cert {
		fmt.Fprintf(e.stdout, "  %-28s delegated OCSP responder (ECDSA), since OCSP responses cannot be signed with Ed25519 here\n", ca.path(caResponderFile))
	}
	if o.responder != "" {
		fmt.Fprintf(e.stdout, "responder: %s (start it with: gotls cert -ca-dir %s serve)\n", o.responder, caDir)
	} else {
		fmt.Fprintf(e.stdout, "no -responder: issued certificates name no OCSP responder or CRL unless \"issue -responder\" gives one\n")
	}
	return exitOK
}

// runCertIssue issues a leaf certificate.
func runCertIssue(_ context.Context, e *env, caDir string, args []string) int {
	var o issueOptions
	var names, keyKind, responder string
	fs := newCertFlagSet("issue", "[-name LIST] [-client] [-must-staple] [-key KIND] [-days N] [-out PREFIX] [-responder HOST:PORT|none]",
		"  gotls cert issue -name localhost,127.0.0.1 -out server\n  gotls cert issue -name alice.example.test -client -out alice\n"+
			"  gotls cert issue -name localhost -must-staple -responder 127.0.0.1:9999\n", e, &caDir)
	fs.StringVar(&names, "name", defaultLeafNames, "comma-separated `LIST` of host names (*.example.test allowed) and IP addresses; the first is also the common name")
	fs.BoolVar(&o.client, "client", false, "make a client certificate as well (client authentication extended key usage)")
	fs.BoolVar(&o.mustStaple, "must-staple", false, "add the TLS feature extension with status_request (RFC 7633, Must-Staple)")
	fs.StringVar(&keyKind, "key", "ecdsa", "key `KIND`: "+keyKindsHelp)
	fs.IntVar(&o.days, "days", defaultLeafDays, "validity in `DAYS` (at most the CA's)")
	fs.StringVar(&o.out, "out", "", "write `PREFIX`.pem (the certificate followed by the CA certificate) and PREFIX-key.pem; default: from the first name")
	fs.StringVar(&responder, "responder", "", "`HOST:PORT` of the OCSP responder and CRL server to name, or none; default: the CA's -responder")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	o.names = splitNameList(names)
	var err error
	if err = checkIssueNames(o.names); err == nil {
		_, _, err = splitNames(o.names)
	}
	if err == nil {
		o.keyKind, err = canonicalKeyKind(keyKind)
	}
	if err == nil && (o.days < 1 || o.days > 100*366) {
		err = errors.New("-days must be from 1 to 36600")
	}
	if err != nil {
		return usageError(e.stderr, "cert issue", err)
	}
	ca, err := openCA(caDir)
	if err != nil {
		return failure(e.stderr, "cert issue", err)
	}
	o.responder = ca.state.Responder
	if responder != "" {
		if o.responder, err = responderBase(responder); err != nil {
			return usageError(e.stderr, "cert issue", err)
		}
	}
	if o.out == "" {
		o.out = defaultOutPrefix(o.names)
	}
	files, err := ca.issue(o, time.Now())
	if err != nil {
		return failure(e.stderr, "cert issue", err)
	}
	printIssued(e, files, o)
	return exitOK
}

// printIssued describes a new certificate.
func printIssued(e *env, f *issuedFiles, o issueOptions) {
	kind := "server"
	if o.client {
		kind = "server and client"
	}
	fmt.Fprintf(e.stdout, "issued %s certificate %s, serial %s, valid until %s\n", kind, f.leaf.Subject.CommonName,
		serialHex(f.leaf.SerialNumber), f.leaf.NotAfter.UTC().Format(time.RFC3339))
	fmt.Fprintf(e.stdout, "  names: %s\n", strings.Join(o.names, ", "))
	fmt.Fprintf(e.stdout, "  %-24s certificate and CA certificate (%s)\n", f.cert, keyDescription(f.leaf.PublicKey))
	fmt.Fprintf(e.stdout, "  %-24s private key (mode 0600)\n", f.key)
	if o.responder != "" {
		fmt.Fprintf(e.stdout, "  OCSP responder %s, CRL %s\n", f.leaf.OCSPServer[0], f.leaf.CRLDistributionPoints[0])
	} else {
		fmt.Fprintf(e.stdout, "  names no OCSP responder and no CRL\n")
	}
	if o.mustStaple {
		fmt.Fprintf(e.stdout, "  Must-Staple: serve it with -status or -status_file\n")
	}
}

// runCertRevoke revokes a certificate.
func runCertRevoke(_ context.Context, e *env, caDir string, args []string) int {
	var reason string
	fs := newCertFlagSet("revoke", "[-reason NAME] SERIAL|FILE",
		"  gotls cert revoke server.pem\n  gotls cert revoke -reason keyCompromise 7A3F09C1...\n", e, &caDir)
	fs.StringVar(&reason, "reason", "unspecified", "RFC 5280 `REASON`: "+reasonNamesHelp())
	pos, code, ok := parseWithArgs(fs, args, 1, "SERIAL or certificate FILE to revoke")
	if !ok {
		return code
	}
	reason, _, err := canonicalReason(reason)
	if err != nil {
		return usageError(e.stderr, "cert revoke", err)
	}
	ca, err := openCA(caDir)
	if err != nil {
		return failure(e.stderr, "cert revoke", err)
	}
	serial, err := ca.serialOf(pos[0])
	if err != nil {
		return failure(e.stderr, "cert revoke", err)
	}
	ic, err := ca.revoke(serial, reason, time.Now())
	if err != nil {
		return failure(e.stderr, "cert revoke", err)
	}
	fmt.Fprintf(e.stdout, "revoked %s, serial %s, at %s, reason %s\n", ic.Subject, ic.Serial, ic.Revoked.At.Format(time.RFC3339), ic.Revoked.Reason)
	fmt.Fprintf(e.stdout, "a running \"gotls cert serve\" answers revoked from now on; staples and CRLs already fetched stay valid until their next update\n")
	return exitOK
}

// runCertOCSP writes a DER OCSP response to a file.
func runCertOCSP(_ context.Context, e *env, caDir string, args []string) int {
	var certFile, out string
	var valid time.Duration
	fs := newCertFlagSet("ocsp", "-cert FILE -out FILE [-valid DURATION]",
		"  gotls cert ocsp -cert server.pem -out server.ocsp.der\n  gotls serve -cert server.pem -key server-key.pem -status_file server.ocsp.der\n"+
			"  openssl ocsp -respin server.ocsp.der -resp_text -noverify\n", e, &caDir)
	fs.StringVar(&certFile, "cert", "", "the certificate `FILE` (PEM) the response is about (required)")
	fs.StringVar(&out, "out", "", "write the DER response to `FILE` (required)")
	fs.DurationVar(&valid, "valid", defaultStapleFileAge, "`DURATION` from now to the response's next update, such as 24h")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	switch {
	case certFile == "" || out == "":
		return usageError(e.stderr, "cert ocsp", errors.New("-cert and -out are required"))
	case valid <= 0 || valid > maxValidity:
		return usageError(e.stderr, "cert ocsp", errors.New("-valid must be positive and at most 366 days"))
	}
	ca, err := openCA(caDir)
	if err != nil {
		return failure(e.stderr, "cert ocsp", err)
	}
	cert, err := readCertFile(certFile)
	if err == nil {
		err = cert.CheckSignatureFrom(ca.cert)
		if err != nil {
			err = fmt.Errorf("%s was not issued by this CA (%s): %w", certFile, ca.cert.Subject, err)
		}
	}
	if err != nil {
		return failure(e.stderr, "cert ocsp", err)
	}
	der, status, err := ca.ocspResponse(&ca.state, cert.SerialNumber, crypto.SHA1, time.Now(), valid)
	if err == nil {
		err = writeFileAtomic(out, der, 0o644)
	}
	if err != nil {
		return failure(e.stderr, "cert ocsp", err)
	}
	fmt.Fprintf(e.stdout, "wrote %s: OCSP response for %s, serial %s: %s, next update in %s\n",
		out, cert.Subject, serialHex(cert.SerialNumber), status, valid)
	return exitOK
}

// runCertServe runs the OCSP responder and CRL server.
func runCertServe(ctx context.Context, e *env, caDir string, args []string) int {
	var accept string
	var valid time.Duration
	var quiet bool
	fs := newCertFlagSet("serve", "[-accept [HOST:]PORT] [-valid DURATION] [-quiet]",
		"  gotls cert -ca-dir ./ca serve\n  gotls cert -ca-dir ./ca serve -accept 0   (a free port, printed as \"ACCEPT host:port\")\n"+
			"  openssl ocsp -issuer ca/ca.pem -cert server.pem -url http://127.0.0.1:8888/ocsp -CAfile ca/ca.pem\n", e, &caDir)
	fs.StringVar(&accept, "accept", "", "listen on `[HOST:]PORT`; a bare port listens on "+defaultAcceptHost+" only; default: the CA's -responder, else "+defaultResponderPort)
	fs.DurationVar(&valid, "valid", defaultOCSPValidity, "`DURATION` from now to the next update of each OCSP response and CRL, such as 1h or 30m")
	fs.BoolVar(&quiet, "quiet", false, "do not log each request")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if valid <= 0 || valid > maxValidity {
		return usageError(e.stderr, "cert serve", errors.New("-valid must be positive and at most 366 days"))
	}
	ca, err := openCA(caDir)
	if err != nil {
		return failure(e.stderr, "cert serve", err)
	}
	if accept == "" {
		accept = defaultResponderPort
		if hp := responderHostPort(ca.state.Responder); hp != "" {
			accept = hp
		}
	}
	addr, err := parseAccept(accept)
	if err != nil {
		return usageError(e.stderr, "cert serve", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return failure(e.stderr, "cert serve", err)
	}
	log := &lockedWriter{w: e.stderr}
	r := &responder{ca: ca, validity: valid, now: time.Now, logf: func(format string, args ...any) {
		if !quiet {
			log.line(fmt.Sprintf(format, args...))
		}
	}}
	announceResponder(log, ca, ln.Addr().String())
	if err := serveResponder(ctx, ln, r); err != nil {
		return failure(e.stderr, "cert serve", err)
	}
	return exitOK
}

// announceResponder prints where the responder listens and whether that
// is where issued certificates point.
func announceResponder(log *lockedWriter, ca *caDir, addr string) {
	log.line("ACCEPT " + addr)
	base := "http://" + addr
	log.line(fmt.Sprintf("OCSP responder %s%s, CRL %s%s, CA certificate %s%s (%s)", base, ocspPath, base, crlPath, base, caPath, ca.cert.Subject.CommonName))
	switch {
	case ca.state.Responder == "":
		log.line(fmt.Sprintf("the CA names no responder: issue certificates with -responder %s to point them here", addr))
	case ca.state.Responder != base:
		log.line(fmt.Sprintf("note: certificates issued by default name %s, not this address", ca.state.Responder))
	}
}

// runCertList shows the CA and what it issued.
func runCertList(_ context.Context, e *env, caDir string, args []string) int {
	fs := newCertFlagSet("list", "", "  gotls cert -ca-dir ./ca list\n", e, &caDir)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	ca, err := openCA(caDir)
	if err != nil {
		return failure(e.stderr, "cert list", err)
	}
	abs, _ := filepath.Abs(caDir)
	fmt.Fprintf(e.stdout, "CA %s (%s) in %s, valid until %s\n", ca.cert.Subject, keyDescription(ca.cert.PublicKey), abs,
		ca.cert.NotAfter.UTC().Format(time.RFC3339))
	fmt.Fprintf(e.stdout, "responder: %s\n", orNone(ca.state.Responder))
	fmt.Fprintf(e.stdout, "%d certificates issued\n", len(ca.state.Issued))
	now := time.Now()
	for _, ic := range ca.state.Issued {
		status := "good"
		switch {
		case ic.Revoked != nil:
			status = fmt.Sprintf("REVOKED at %s (%s)", ic.Revoked.At.Format(time.RFC3339), ic.Revoked.Reason)
		case now.After(ic.NotAfter):
			status = "expired"
		}
		extra := ""
		if ic.MustStaple {
			extra = ", must-staple"
		}
		if ic.Client {
			extra += ", client"
		}
		fmt.Fprintf(e.stdout, "  %s  %s [%s]%s, until %s: %s\n", ic.Serial, ic.Subject, strings.Join(ic.Names, ","), extra,
			ic.NotAfter.Format(time.RFC3339), status)
	}
	return exitOK
}
