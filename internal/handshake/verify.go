package handshake

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"gotls/internal/wire"
)

// maxRSAKeyBits bounds the RSA keys we accept in peer certificates, so that
// a peer cannot make us spend seconds on one signature check.
const maxRSAKeyBits = 8192

// CertificateVerificationError reports which check of a peer's
// certificate chain failed. It is the Err of the *wire.Error a handshake
// returns for that failure.
type CertificateVerificationError struct {
	// Check names the failed check: "parse", "public key", "chain",
	// "hostname", "validity" or "key usage".
	Check string
	// Name is the host name checked for "hostname", and otherwise the
	// subject of the leaf certificate when it could be parsed.
	Name string
	// Err is the underlying error, usually from crypto/x509.
	Err error
	// Certs are the peer's certificates as parsed, leaf first; nil when
	// parsing failed.
	Certs []*x509.Certificate
}

// Error describes the failed check, such as "tls: certificate
// verification failed: hostname: certificate is valid for example.com, not
// foo.test".
func (e *CertificateVerificationError) Error() string {
	s := "tls: certificate verification failed: " + e.Check
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "x509: ")
	}
	return s
}

// Unwrap returns the underlying error.
func (e *CertificateVerificationError) Unwrap() error { return e.Err }

// verifyOptions says how to verify a peer's certificate chain.
type verifyOptions struct {
	// roots are the trusted roots; nil means the system's.
	roots *x509.CertPool
	// dnsName is the name the leaf must be valid for; empty skips the
	// check (client certificates).
	dnsName string
	// keyUsage is the extended key usage the leaf must allow.
	keyUsage x509.ExtKeyUsage
	// insecureSkipVerify only parses the chain; VerifyPeerCertificate
	// still runs.
	insecureSkipVerify bool
	// leafUse is the keyUsage bit the leaf's key is used for: it must be
	// set when the leaf has a keyUsage extension, even when verification
	// is skipped. Zero means digitalSignature: the peer signs.
	leafUse x509.KeyUsage
}

// serverVerifyOptions returns the options a client verifies the server's
// chain with: the configured roots and server name, for server
// authentication.
func serverVerifyOptions(c *Conn) verifyOptions {
	return verifyOptions{
		roots:              c.cfg.RootCAs,
		dnsName:            c.cfg.ServerName,
		keyUsage:           x509.ExtKeyUsageServerAuth,
		insecureSkipVerify: c.cfg.InsecureSkipVerify,
	}
}

// verifyChain parses and verifies a peer's chain (leaf first) at the
// configured time, runs VerifyPeerCertificate, traces each check and
// records the peer certificates and verified chains in c.result.
func verifyChain(c *Conn, rawChain [][]byte, opts verifyOptions) error {
	if len(rawChain) == 0 {
		return wire.Fatalf(wire.AlertDecodeError, "empty certificate chain")
	}
	certs, err := parseChain(rawChain)
	if err != nil {
		return err
	}
	leaf := certs[0]
	if c.tracing() {
		c.trace("receive Certificate", "%s certificate: %s", peerRole(c), peerCertSummary(leaf))
	}
	if err := checkPublicKey(leaf, certs); err != nil {
		return err
	}
	if err := checkLeafKeyUsage(leaf, certs, opts.leafUse); err != nil {
		return err
	}
	var chains [][]*x509.Certificate
	if opts.insecureSkipVerify {
		c.trace("verify certificate", "verification skipped (InsecureSkipVerify or client auth policy)")
	} else {
		chains, err = verifyX509(c, certs, opts)
		if err != nil {
			return err
		}
	}
	c.result.PeerCertificates = certs
	c.result.VerifiedChains = chains
	if f := c.cfg.VerifyPeerCertificate; f != nil {
		if err := f(rawChain, chains); err != nil {
			return fatalOr(err, wire.AlertBadCertificate, "certificate rejected by VerifyPeerCertificate")
		}
		c.trace("verify certificate", "VerifyPeerCertificate callback: ok")
	}
	if c.client && c.result.Version == wire.VersionTLS13 {
		// The TLS 1.3 staple came in the Certificate message; TLS 1.2
		// checks once CertificateStatus is known (see revocation.go).
		return checkServerRevocation(c)
	}
	return nil
}

// parseChain parses DER certificates; any that fails is bad_certificate.
func parseChain(rawChain [][]byte) ([]*x509.Certificate, error) {
	certs := make([]*x509.Certificate, len(rawChain))
	for i, der := range rawChain {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			cve := &CertificateVerificationError{Check: "parse", Err: err}
			return nil, wire.Fatal(wire.AlertBadCertificate, fmt.Sprintf("cannot parse certificate %d of the chain", i), cve)
		}
		certs[i] = cert
	}
	return certs, nil
}

// checkPublicKey rejects leaf keys gotls cannot verify signatures with.
func checkPublicKey(leaf *x509.Certificate, certs []*x509.Certificate) error {
	fail := func(a wire.Alert, err error) error {
		cve := &CertificateVerificationError{Check: "public key", Name: leaf.Subject.String(), Err: err, Certs: certs}
		return wire.Fatal(a, "unusable peer certificate key", cve)
	}
	switch k := leaf.PublicKey.(type) {
	case *ecdsa.PublicKey, ed25519.PublicKey:
		return nil
	case *rsa.PublicKey:
		if k.N.BitLen() > maxRSAKeyBits {
			return fail(wire.AlertBadCertificate, fmt.Errorf("RSA key of %d bits is larger than %d bits", k.N.BitLen(), maxRSAKeyBits))
		}
		return nil
	}
	return fail(wire.AlertUnsupportedCertificate, fmt.Errorf("unsupported public key type %T", leaf.PublicKey))
}

// checkLeafKeyUsage requires the keyUsage bit use (digitalSignature when
// zero) when the leaf has a keyUsage extension. It runs even when chain
// verification is skipped.
func checkLeafKeyUsage(leaf *x509.Certificate, certs []*x509.Certificate, use x509.KeyUsage) error {
	need := "digitalSignature, which signing requires"
	switch use {
	case 0:
		use = x509.KeyUsageDigitalSignature
	case x509.KeyUsageKeyEncipherment:
		need = "keyEncipherment, which RSA key transport requires"
	}
	if keyUsageAllows(leaf, use) {
		return nil
	}
	cve := &CertificateVerificationError{Check: "key usage", Name: leaf.Subject.String(), Certs: certs,
		Err: fmt.Errorf("keyUsage lacks %s", need)}
	// RFC 8446, Section 4.4.2.2 and RFC 5246, Sections 7.4.2 and 7.4.6: the bit MUST be set if keyUsage is present.
	return wire.Fatal(wire.AlertIllegalParameter, "peer certificate's keyUsage does not allow its use", cve)
}

// verifyX509 runs crypto/x509 path building and checks, and traces what
// was checked.
func verifyX509(c *Conn, certs []*x509.Certificate, opts verifyOptions) ([][]*x509.Certificate, error) {
	vo := x509.VerifyOptions{
		Roots:         opts.roots,
		Intermediates: x509.NewCertPool(),
		DNSName:       opts.dnsName,
		CurrentTime:   c.cfg.now(),
		KeyUsages:     []x509.ExtKeyUsage{opts.keyUsage},
	}
	for _, ic := range certs[1:] {
		vo.Intermediates.AddCert(ic)
	}
	chains, err := certs[0].Verify(vo)
	if err != nil {
		check, a := classifyVerifyError(err)
		name := certs[0].Subject.String()
		if check == "hostname" {
			name = opts.dnsName
		}
		if c.tracing() {
			c.trace("verify certificate", "%s check failed: %v", check, err)
		}
		cve := &CertificateVerificationError{Check: check, Name: name, Err: err, Certs: certs}
		return nil, wire.Fatal(a, "invalid "+peerRole(c)+" certificate", cve)
	}
	traceVerified(c, chains[0], opts)
	return chains, nil
}

// classifyVerifyError names the failed check of a crypto/x509 error and
// picks the alert for it.
func classifyVerifyError(err error) (check string, a wire.Alert) {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var noRoots x509.SystemRootsError
	switch {
	case errors.As(err, &unknown), errors.As(err, &noRoots):
		return "chain", wire.AlertUnknownCA
	case errors.As(err, &host):
		return "hostname", wire.AlertBadCertificate
	case errors.As(err, &invalid):
		switch invalid.Reason {
		case x509.Expired:
			return "validity", wire.AlertCertificateExpired
		case x509.IncompatibleUsage:
			return "key usage", wire.AlertBadCertificate
		}
		return "chain", wire.AlertBadCertificate
	}
	return "chain", wire.AlertBadCertificate
}

// traceVerified reports each check that passed.
func traceVerified(c *Conn, chain []*x509.Certificate, opts verifyOptions) {
	if !c.tracing() {
		return
	}
	root := chain[len(chain)-1]
	c.trace("verify certificate", "chain of %d certificate(s) to root %q: ok", len(chain), root.Subject.CommonName)
	if opts.dnsName != "" {
		c.trace("verify certificate", "name %q: ok", opts.dnsName)
	}
	at := "the current time"
	if t := c.cfg.now(); !t.IsZero() {
		at = t.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	c.trace("verify certificate", "valid at %s (until %s): ok", at, chain[0].NotAfter.UTC().Format("2006-01-02"))
	usage := "server authentication"
	if opts.keyUsage == x509.ExtKeyUsageClientAuth {
		usage = "client authentication"
	}
	c.trace("verify certificate", "key usage %s: ok", usage)
}

// peerRole names the peer of c.
func peerRole(c *Conn) string {
	if c.client {
		return "server"
	}
	return "client"
}

// peerCertSummary describes a certificate for a trace: subject, issuer,
// validity and key.
func peerCertSummary(cert *x509.Certificate) string {
	s := fmt.Sprintf("subject %q, issuer %q, valid %s to %s, %s",
		cert.Subject.String(), cert.Issuer.String(),
		cert.NotBefore.UTC().Format("2006-01-02"), cert.NotAfter.UTC().Format("2006-01-02"), keyDescription(cert))
	if len(cert.DNSNames) > 0 {
		s += fmt.Sprintf(", names %v", cert.DNSNames)
	}
	return s
}

// keyDescription names a certificate's public key and its size.
func keyDescription(cert *x509.Certificate) string {
	switch k := cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name + " key"
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d-bit key", k.N.BitLen())
	case ed25519.PublicKey:
		return "Ed25519 key"
	}
	return cert.PublicKeyAlgorithm.String() + " key"
}
