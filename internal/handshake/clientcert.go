package handshake

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"slices"

	"gotls/internal/msg"
	"gotls/internal/wire"
)

// chooseClientCertificate picks the client certificate to send in answer
// to the server's CertificateRequest and the scheme to sign with, for
// either version: the GetClientCertificate callback's, or the first
// configured certificate that accept (when not nil) admits and whose key
// can sign with a scheme the server offers, preferring one issued by a CA
// the server named. A nil certificate means sending none.
func chooseClientCertificate(c *Conn, req *msg.CertificateRequest, version wire.Version, accept func(*Certificate) bool) (*Certificate, wire.SignatureScheme, error) {
	if f := c.cfg.GetClientCertificate; f != nil {
		cert, err := f(&CertificateRequestInfo{
			AcceptableCAs:    req.CertificateAuthorities,
			SignatureSchemes: req.SignatureAlgorithms,
			Version:          version,
		})
		if err != nil {
			return nil, 0, fatalOr(err, wire.AlertInternalError, "GetClientCertificate failed")
		}
		if cert == nil || len(cert.Chain) == 0 || cert.PrivateKey == nil {
			return nil, 0, nil
		}
		scheme, err := certScheme(cert, req.SignatureAlgorithms, version)
		if err != nil {
			return nil, 0, err
		}
		return cert, scheme, nil
	}
	var fallback *Certificate
	var fallbackScheme wire.SignatureScheme
	for _, cert := range c.cfg.Certificates {
		if cert == nil || len(cert.Chain) == 0 || cert.PrivateKey == nil {
			continue
		}
		if accept != nil && !accept(cert) {
			continue
		}
		scheme, err := certScheme(cert, req.SignatureAlgorithms, version)
		if err != nil {
			continue
		}
		if issuedByAcceptableCA(cert, req.CertificateAuthorities) {
			return cert, scheme, nil
		}
		if fallback == nil {
			fallback, fallbackScheme = cert, scheme
		}
	}
	return fallback, fallbackScheme, nil
}

// certTypeAccepted12 reports whether a client certificate with key pub is
// of a type the CertificateRequest lists: rsa_sign for RSA keys,
// ecdsa_sign for ECDSA and Ed25519 keys (RFC 8422, Section 5.5).
func certTypeAccepted12(pub crypto.PublicKey, types []uint8) bool {
	switch pub.(type) {
	case *rsa.PublicKey:
		return slices.Contains(types, clientCertTypeRSASign12)
	case *ecdsa.PublicKey, ed25519.PublicKey:
		return slices.Contains(types, clientCertTypeECDSASign12)
	}
	return false
}
