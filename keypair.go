package gotls

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// LoadX509KeyPair reads a PEM certificate chain and its PEM private key
// from files.
func LoadX509KeyPair(certFile, keyFile string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	return X509KeyPair(certPEM, keyPEM)
}

// X509KeyPair parses a PEM certificate chain and its PEM private key, and
// checks that the key matches the leaf.
func X509KeyPair(certPEM, keyPEM []byte) (tls.Certificate, error) {
	var cert tls.Certificate
	for rest := certPEM; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type == "CERTIFICATE" {
			cert.Certificate = append(cert.Certificate, block.Bytes)
		}
	}
	if len(cert.Certificate) == 0 {
		return tls.Certificate{}, errors.New("tls: no CERTIFICATE block in the certificate PEM")
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: cannot parse the leaf certificate: %w", err)
	}
	key, err := parsePrivateKeyPEM(keyPEM)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := checkKeyMatches(leaf.PublicKey, key); err != nil {
		return tls.Certificate{}, err
	}
	cert.PrivateKey = key
	cert.Leaf = leaf
	return cert, nil
}

// parsePrivateKeyPEM finds the first private key block and parses it as
// PKCS #8, PKCS #1 or SEC 1.
func parsePrivateKeyPEM(keyPEM []byte) (crypto.Signer, error) {
	for rest := keyPEM; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("tls: no private key block in the key PEM")
		}
		switch block.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("tls: cannot parse PKCS #8 private key: %w", err)
			}
			s, ok := k.(crypto.Signer)
			if !ok {
				return nil, fmt.Errorf("tls: private key of type %T cannot sign", k)
			}
			return s, nil
		case "RSA PRIVATE KEY":
			return x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			return x509.ParseECPrivateKey(block.Bytes)
		}
	}
}

// checkKeyMatches reports an error when priv is not the key of pub.
func checkKeyMatches(pub crypto.PublicKey, priv crypto.Signer) error {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	switch pub.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
	default:
		return fmt.Errorf("tls: unsupported public key type %T", pub)
	}
	if !priv.Public().(equaler).Equal(pub) {
		return errors.New("tls: private key does not match the certificate's public key")
	}
	return nil
}
