package handshake

import (
	"crypto/x509"
	"fmt"
	"strings"

	"gotls/internal/msg"
	"gotls/internal/wire"
)

// certChoice is the certificate a server presents, with what it needs to
// sign: the parsed leaf, the signature scheme, and whether the client's
// server_name picked it.
type certChoice struct {
	cert   *Certificate
	leaf   *x509.Certificate
	scheme wire.SignatureScheme
	// usedSNI is true when the client's server_name decided the choice,
	// which the server acknowledges in EncryptedExtensions (RFC 6066,
	// Section 3).
	usedSNI bool
	why     string
}

// helloInfo describes ch to the configuration's callbacks.
func helloInfo(ch *msg.ClientHello) *ClientHelloInfo {
	return &ClientHelloInfo{
		CipherSuites:      ch.CipherSuites,
		ServerName:        ch.ServerName,
		SupportedGroups:   ch.SupportedGroups,
		SignatureSchemes:  ch.SignatureAlgorithms,
		SupportedProtos:   ch.ALPNProtocols,
		SupportedVersions: offeredVersions(ch),
	}
}

// selectCertificate picks the certificate to present for ch in version:
// GetCertificate's answer when it gives one, else the first configured
// certificate whose leaf matches the server name and whose key can sign
// with a scheme the client offers, else the first one that can sign.
func selectCertificate(cfg *Config, ch *msg.ClientHello, version wire.Version) (certChoice, error) {
	if cfg.GetCertificate != nil {
		cert, err := cfg.GetCertificate(helloInfo(ch))
		if err != nil {
			return certChoice{}, fatalOr(err, wire.AlertInternalError, "certificate callback failed")
		}
		if cert != nil {
			return certFromCallback(cert, ch, version)
		}
	}
	if len(cfg.Certificates) == 0 {
		return certChoice{}, wire.Fatalf(wire.AlertHandshakeFailure, "no certificate configured")
	}
	var fallback certChoice // fallback.cert is nil until one is found
	for i, cert := range cfg.Certificates {
		leaf, scheme, err := usableCert(cert, ch.SignatureAlgorithms, version)
		if err != nil {
			continue
		}
		choice := certChoice{cert: cert, leaf: leaf, scheme: scheme}
		if ch.ServerName != "" && leaf.VerifyHostname(ch.ServerName) == nil {
			choice.usedSNI = true
			if cfg.tracing() {
				choice.why = fmt.Sprintf("certificate #%d (%s): valid for the requested name %q and its key signs with %v",
					i+1, leaf.Subject, ch.ServerName, scheme)
			}
			return choice, nil
		}
		if fallback.cert == nil {
			if cfg.tracing() {
				choice.why = fmt.Sprintf("certificate #%d (%s): %s; the first one whose key signs with a scheme the client offers (%v)",
					i+1, leaf.Subject, sniNote(ch.ServerName), scheme)
			}
			fallback = choice
		}
	}
	if fallback.cert == nil {
		return certChoice{}, wire.Fatalf(wire.AlertHandshakeFailure,
			"no certificate whose key can sign with a scheme the client offers %v", ch.SignatureAlgorithms)
	}
	return fallback, nil
}

// sniNote explains why the server name did not pick a certificate.
func sniNote(name string) string {
	if name == "" {
		return "the client sent no server name"
	}
	return fmt.Sprintf("no certificate is valid for %q", name)
}

// certFromCallback checks a certificate that GetCertificate returned.
func certFromCallback(cert *Certificate, ch *msg.ClientHello, version wire.Version) (certChoice, error) {
	leaf, scheme, err := usableCert(cert, ch.SignatureAlgorithms, version)
	if err != nil {
		return certChoice{}, err
	}
	return certChoice{
		cert:    cert,
		leaf:    leaf,
		scheme:  scheme,
		usedSNI: ch.ServerName != "",
		why:     fmt.Sprintf("certificate %s from the GetCertificate callback for name %q; signs with %v", leaf.Subject, ch.ServerName, scheme),
	}, nil
}

// usableCert parses cert's leaf and picks the scheme its key signs with
// among those the client offers.
func usableCert(cert *Certificate, offered []wire.SignatureScheme, version wire.Version) (*x509.Certificate, wire.SignatureScheme, error) {
	leaf, err := ownLeaf(cert)
	if err != nil {
		return nil, 0, err
	}
	scheme, err := certScheme(cert, offered, version)
	if err != nil {
		return nil, 0, err
	}
	return leaf, scheme, nil
}

// ownLeaf returns cert's parsed leaf without storing it in cert, which
// may be shared by concurrent handshakes.
func ownLeaf(cert *Certificate) (*x509.Certificate, error) {
	if len(cert.Chain) == 0 || cert.PrivateKey == nil {
		return nil, wire.Fatalf(wire.AlertInternalError, "certificate without a chain or a private key")
	}
	if cert.Leaf != nil {
		return cert.Leaf, nil
	}
	leaf, err := x509.ParseCertificate(cert.Chain[0])
	if err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "cannot parse our own certificate", err)
	}
	return leaf, nil
}

// describeCert summarizes a certificate for a trace: subject, issuer,
// validity and key.
func describeCert(leaf *x509.Certificate) string {
	var b strings.Builder
	fmt.Fprintf(&b, "subject %s, issuer %s", leaf.Subject, leaf.Issuer)
	if len(leaf.DNSNames) > 0 {
		fmt.Fprintf(&b, ", names %v", leaf.DNSNames)
	}
	fmt.Fprintf(&b, ", valid %s to %s, %s key",
		leaf.NotBefore.UTC().Format("2006-01-02"), leaf.NotAfter.UTC().Format("2006-01-02"), leaf.PublicKeyAlgorithm)
	return b.String()
}
