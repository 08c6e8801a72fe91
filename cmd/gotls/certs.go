package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// throwawayCA is a certificate authority that lives only in memory, for
// the demo and for servers started without a certificate. Its key is never
// written anywhere.
type throwawayCA struct {
	cert *x509.Certificate
	key  crypto.Signer
	pem  []byte
}

// leafCert is a certificate issued by a throwawayCA, in PEM.
type leafCert struct {
	cert    *x509.Certificate
	certPEM []byte
	keyPEM  []byte
}

// newThrowawayCA makes a self-signed ECDSA P-256 CA named name, valid
// from an hour before now for a day.
func newThrowawayCA(name string, now time.Time) (*throwawayCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: name, Organization: []string{"gotls throwaway"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := createCert(tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &throwawayCA{cert: cert, key: key, pem: pemBlock("CERTIFICATE", der)}, nil
}

// pool returns a pool that trusts only this CA.
func (ca *throwawayCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// rsaLeafBits is the size of the RSA keys of throwaway RSA leaves.
const rsaLeafBits = 2048

// issue makes an ECDSA P-256 leaf for commonName, valid for localhost,
// 127.0.0.1 and ::1 as well. With clientAuth it is a client certificate,
// otherwise a server certificate.
func (ca *throwawayCA) issue(commonName string, clientAuth bool, now time.Time) (*leafCert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return ca.issueFor(commonName, clientAuth, key, now)
}

// issueRSA makes an RSA-2048 server leaf for commonName, usable both to
// sign (ECDHE_RSA suites, TLS 1.3) and to decrypt a pre-master secret
// (RSA key transport).
func (ca *throwawayCA) issueRSA(commonName string, now time.Time) (*leafCert, error) {
	key, err := rsa.GenerateKey(rand.Reader, rsaLeafBits)
	if err != nil {
		return nil, err
	}
	return ca.issueFor(commonName, false, key, now)
}

// issueFor makes a leaf for commonName with key.
func (ca *throwawayCA) issueFor(commonName string, clientAuth bool, key crypto.Signer, now time.Time) (*leafCert, error) {
	usage := x509.ExtKeyUsageServerAuth
	if clientAuth {
		usage = x509.ExtKeyUsageClientAuth
	}
	keyUsage := x509.KeyUsageDigitalSignature
	if _, ok := key.(*rsa.PrivateKey); ok {
		// RSA key transport encrypts the pre-master secret to this key.
		keyUsage |= x509.KeyUsageKeyEncipherment
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: commonName},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(24 * time.Hour),
		KeyUsage:    keyUsage,
		ExtKeyUsage: []x509.ExtKeyUsage{usage},
		DNSNames:    dnsNamesFor(commonName),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := createCert(tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &leafCert{cert: cert, certPEM: pemBlock("CERTIFICATE", der), keyPEM: pemBlock("PRIVATE KEY", keyDER)}, nil
}

// dnsNamesFor returns the DNS SANs of a throwaway leaf: localhost, and
// commonName when it looks like a host name.
func dnsNamesFor(commonName string) []string {
	names := []string{"localhost"}
	if commonName != "localhost" && net.ParseIP(commonName) == nil && isHostName(commonName) {
		names = append(names, commonName)
	}
	return names
}

// isHostName reports whether s is made of letters, digits, dots and
// hyphens only.
func isHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, r := range s {
		ok := r == '.' || r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

// createCert signs tmpl with a fresh random serial number.
func createCert(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("creating certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	return der, nil
}

func pemBlock(kind string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
}
