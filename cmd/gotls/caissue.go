package main

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"
)

// oidTLSFeature is the TLS feature extension of RFC 7633.
var oidTLSFeature = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 24}

// mustStapleValue is the TLS feature extension's value for Must-Staple: a
// SEQUENCE holding the INTEGER 5, status_request (RFC 7633, Section 4).
var mustStapleValue = []byte{0x30, 0x03, 0x02, 0x01, 0x05}

// Paths on a "gotls cert serve" responder.
const (
	ocspPath = "/ocsp"
	crlPath  = "/ca.crl"
	caPath   = "/ca.pem"
)

// responderBase turns a -responder value, HOST:PORT or an http URL, into
// the base URL that issued certificates name; "none" and "" give "".
func responderBase(s string) (string, error) {
	if s == "" || s == "none" {
		return "", nil
	}
	raw := s
	if !strings.Contains(s, "://") {
		raw = "http://" + s
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.Port() == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", fmt.Errorf("bad -responder %q: want HOST:PORT or http://HOST:PORT", s)
	}
	return "http://" + u.Host, nil
}

// responderHostPort returns the HOST:PORT of a responder base URL.
func responderHostPort(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Host
}

// issueOptions configure one issued certificate.
type issueOptions struct {
	names      []string
	client     bool
	mustStaple bool
	keyKind    string
	days       int
	// responder is the base URL the certificate names for OCSP and the
	// CRL, or empty.
	responder string
	// out is the prefix of the files written: PREFIX.pem, PREFIX-key.pem.
	out string
}

// issuedFiles names the files issue wrote.
type issuedFiles struct {
	cert, key string
	leaf      *x509.Certificate
}

// splitNames parses host names and IP addresses.
func splitNames(names []string) (dns []string, ips []net.IP, err error) {
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			ips = append(ips, ip)
			continue
		}
		host := strings.TrimPrefix(strings.ToLower(n), "*.")
		if !isHostName(host) || strings.Contains(host, "*") || strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") {
			return nil, nil, fmt.Errorf("%q is neither a host name nor an IP address", n)
		}
		dns = append(dns, strings.ToLower(n))
	}
	return dns, ips, nil
}

// issue makes a leaf certificate, writes it with the CA certificate as a
// chain to PREFIX.pem and its key to PREFIX-key.pem, and records it.
func (ca *caDir) issue(o issueOptions, now time.Time) (*issuedFiles, error) {
	key, err := generateKey(o.keyKind)
	if err != nil {
		return nil, err
	}
	tmpl, err := ca.leafTemplate(o, key, now)
	if err != nil {
		return nil, err
	}
	der, err := createCert(tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	files := &issuedFiles{cert: o.out + ".pem", key: o.out + "-key.pem", leaf: leaf}
	if err := writeKey(files.key, key); err != nil {
		return nil, err
	}
	chain := append(pemBlock("CERTIFICATE", der), pemBlock("CERTIFICATE", ca.cert.Raw)...)
	if err := writeFileAtomic(files.cert, chain, 0o644); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(files.cert)
	if err != nil {
		abs = files.cert
	}
	ca.state.Issued = append(ca.state.Issued, issuedCert{
		Serial: serialHex(leaf.SerialNumber), Subject: leaf.Subject.String(), Names: o.names,
		NotAfter: leaf.NotAfter.UTC(), Client: o.client, MustStaple: o.mustStaple, File: abs,
	})
	return files, ca.saveState()
}

// leafTemplate describes the leaf issue makes for key: its names, usages,
// validity within the CA's, Must-Staple, and the responder it names.
func (ca *caDir) leafTemplate(o issueOptions, key crypto.Signer, now time.Time) (*x509.Certificate, error) {
	dns, ips, err := splitNames(o.names)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: o.names[0], Organization: []string{"gotls local CA"}},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(time.Duration(o.days) * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    dns,
		IPAddresses: ips,
	}
	if tmpl.NotAfter.After(ca.cert.NotAfter) {
		tmpl.NotAfter = ca.cert.NotAfter
	}
	if _, ok := key.(*rsa.PrivateKey); ok {
		// RSA key transport encrypts the pre-master secret to this key.
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	if o.client {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	if o.mustStaple {
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidTLSFeature, Value: mustStapleValue})
	}
	if o.responder != "" {
		tmpl.OCSPServer = []string{o.responder + ocspPath}
		tmpl.CRLDistributionPoints = []string{o.responder + crlPath}
	}
	return tmpl, nil
}

// revocationReasons are the RFC 5280 CRLReason names "gotls cert revoke
// -reason" accepts, with their codes.
var revocationReasons = []struct {
	name string
	code int
}{
	{"unspecified", ocsp.Unspecified},
	{"keyCompromise", ocsp.KeyCompromise},
	{"cACompromise", ocsp.CACompromise},
	{"affiliationChanged", ocsp.AffiliationChanged},
	{"superseded", ocsp.Superseded},
	{"cessationOfOperation", ocsp.CessationOfOperation},
	{"certificateHold", ocsp.CertificateHold},
	{"privilegeWithdrawn", ocsp.PrivilegeWithdrawn},
	{"aACompromise", ocsp.AACompromise},
}

// reasonNamesHelp lists the reason names for -help.
func reasonNamesHelp() string {
	names := make([]string, len(revocationReasons))
	for i, r := range revocationReasons {
		names[i] = r.name
	}
	return strings.Join(names, ", ")
}

// canonicalReason returns a reason's canonical name and code, matching
// names case-insensitively.
func canonicalReason(s string) (string, int, error) {
	for _, r := range revocationReasons {
		if strings.EqualFold(r.name, s) {
			return r.name, r.code, nil
		}
	}
	return "", 0, fmt.Errorf("unknown revocation reason %q (known: %s)", s, reasonNamesHelp())
}

// reasonName names a CRLReason code.
func reasonName(code int) string {
	for _, r := range revocationReasons {
		if r.code == code {
			return r.name
		}
	}
	return fmt.Sprintf("reason %d", code)
}

// reasonCode returns the code of a canonical reason name, or unspecified.
func reasonCode(name string) int {
	_, code, err := canonicalReason(name)
	if err != nil {
		return ocsp.Unspecified
	}
	return code
}

// parseSerial reads a serial number in hexadecimal, as openssl prints it:
// "7A3F", "0x7a3f", "7A:3F" or "serial=7A3F".
func parseSerial(s string) (*big.Int, error) {
	h := strings.TrimPrefix(strings.TrimSpace(s), "serial=")
	h = strings.TrimPrefix(strings.TrimPrefix(h, "0x"), "0X")
	h = strings.ReplaceAll(h, ":", "")
	n, ok := new(big.Int).SetString(h, 16)
	if h == "" || !ok || n.Sign() < 0 {
		return nil, fmt.Errorf("%q is neither a certificate file nor a hexadecimal serial number", s)
	}
	return n, nil
}

// serialOf returns the serial number named by arg: the serial of the
// certificate in the PEM file arg, which this CA must have signed, or a
// serial number in hexadecimal.
func (ca *caDir) serialOf(arg string) (*big.Int, error) {
	if fi, err := os.Stat(arg); err == nil && !fi.IsDir() {
		cert, err := readCertFile(arg)
		if err != nil {
			return nil, err
		}
		if err := cert.CheckSignatureFrom(ca.cert); err != nil {
			return nil, fmt.Errorf("%s was not issued by this CA (%s): %w", arg, ca.cert.Subject, err)
		}
		return cert.SerialNumber, nil
	}
	return parseSerial(arg)
}

// revoke marks the certificate with serial as revoked at now for reason.
func (ca *caDir) revoke(serial *big.Int, reason string, now time.Time) (*issuedCert, error) {
	ic := ca.state.find(serial)
	if ic == nil {
		return nil, fmt.Errorf("this CA issued no certificate with serial %s", serialHex(serial))
	}
	if ic.Revoked != nil {
		return nil, fmt.Errorf("certificate %s (%s) was already revoked at %s (%s)", ic.Serial, ic.Subject,
			ic.Revoked.At.Format(time.RFC3339), ic.Revoked.Reason)
	}
	ic.Revoked = &revokedInfo{At: now.UTC().Truncate(time.Second), Reason: reason}
	return ic, ca.saveState()
}

// defaultOutPrefix is the file prefix for a certificate's first name:
// "localhost" gives localhost.pem; "*.example.test" gives
// _wildcard.example.test.pem, as mkcert does.
func defaultOutPrefix(names []string) string {
	p := strings.ReplaceAll(names[0], "*", "_wildcard")
	p = strings.ReplaceAll(p, ":", "_")
	if len(names) > 1 {
		p += fmt.Sprintf("+%d", len(names)-1)
	}
	return p
}

// checkIssueNames rejects an empty or duplicated name list.
func checkIssueNames(names []string) error {
	if len(names) == 0 {
		return errors.New("-name needs at least one host name or IP address")
	}
	for i, n := range names {
		if slices.Contains(names[:i], n) {
			return fmt.Errorf("name %q is listed twice", n)
		}
	}
	return nil
}
