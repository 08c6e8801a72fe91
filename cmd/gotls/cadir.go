package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Files of a CA directory.
const (
	caCertFile      = "ca.pem"
	caKeyFile       = "ca-key.pem"
	caStateFile     = "state.json"
	caResponderFile = "ocsp-responder.pem"
	caResponderKey  = "ocsp-responder-key.pem"
	// caStateVersion is the format of state.json this code writes.
	caStateVersion = 1
	// maxCAFileBytes bounds every file read from a CA directory.
	maxCAFileBytes = 4 << 20
)

// Key kinds of "gotls cert": the canonical names and their spellings.
const keyKindsHelp = "ecdsa (P-256, the default), rsa2048, rsa3072, rsa4096 or ed25519"

// canonicalKeyKind maps a -key value to "ecdsa", "rsa2048", "rsa3072",
// "rsa4096" or "ed25519".
func canonicalKeyKind(s string) (string, error) {
	switch strings.ToLower(s) {
	case "", "ecdsa", "p256", "p-256", "ecdsa-p256":
		return "ecdsa", nil
	case "rsa", "rsa2048":
		return "rsa2048", nil
	case "rsa3072":
		return "rsa3072", nil
	case "rsa4096":
		return "rsa4096", nil
	case "ed25519":
		return "ed25519", nil
	}
	return "", fmt.Errorf("unknown key kind %q (known: %s)", s, keyKindsHelp)
}

// generateKey makes a key of a canonical kind.
func generateKey(kind string) (crypto.Signer, error) {
	switch kind {
	case "ecdsa":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "rsa2048":
		return rsa.GenerateKey(rand.Reader, 2048)
	case "rsa3072":
		return rsa.GenerateKey(rand.Reader, 3072)
	case "rsa4096":
		return rsa.GenerateKey(rand.Reader, 4096)
	case "ed25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("unknown key kind %q", kind)
}

// caState is what state.json holds: where issued certificates point and
// every certificate the CA issued, with its revocation.
type caState struct {
	Version int `json:"version"`
	// Responder is the HOST:PORT of "gotls cert serve" that new
	// certificates name for OCSP and the CRL; empty names none.
	Responder string       `json:"responder,omitempty"`
	Issued    []issuedCert `json:"issued"`
}

// issuedCert is one certificate the CA issued.
type issuedCert struct {
	// Serial is the serial number in upper-case hexadecimal.
	Serial     string       `json:"serial"`
	Subject    string       `json:"subject"`
	Names      []string     `json:"names,omitempty"`
	NotAfter   time.Time    `json:"not_after"`
	Client     bool         `json:"client,omitempty"`
	MustStaple bool         `json:"must_staple,omitempty"`
	File       string       `json:"file,omitempty"`
	Revoked    *revokedInfo `json:"revoked,omitempty"`
}

// revokedInfo records when and why a certificate was revoked.
type revokedInfo struct {
	At time.Time `json:"at"`
	// Reason is an RFC 5280 CRLReason name, such as "keyCompromise".
	Reason string `json:"reason"`
}

// find returns the issued certificate with serial, or nil.
func (s *caState) find(serial *big.Int) *issuedCert {
	hex := serialHex(serial)
	for i := range s.Issued {
		if s.Issued[i].Serial == hex {
			return &s.Issued[i]
		}
	}
	return nil
}

// serialHex writes a serial number the way openssl prints it, in
// upper-case hexadecimal.
func serialHex(n *big.Int) string {
	return fmt.Sprintf("%X", n)
}

// caDir is a local CA kept in a directory.
type caDir struct {
	dir  string
	cert *x509.Certificate
	key  crypto.Signer
	// ocspCert and ocspKey sign OCSP responses: the CA itself, or a
	// delegated responder for an Ed25519 CA, since x/crypto/ocsp signs
	// with RSA and ECDSA keys only.
	ocspCert *x509.Certificate
	ocspKey  crypto.Signer
	state    caState
}

// path returns the path of a file in the CA directory.
func (ca *caDir) path(name string) string { return filepath.Join(ca.dir, name) }

// caInitOptions configure a new CA.
type caInitOptions struct {
	keyKind   string
	name      string
	responder string
	days      int
}

// initCA makes a new CA in dir, which must not hold one already.
func initCA(dir string, o caInitOptions, now time.Time) (*caDir, error) {
	if _, err := os.Stat(filepath.Join(dir, caCertFile)); err == nil {
		return nil, fmt.Errorf("%s already holds a CA (%s); use another -ca-dir or remove it", dir, caCertFile)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	key, err := generateKey(o.keyKind)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: o.name, Organization: []string{"gotls local CA"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Duration(o.days) * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := createCert(tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	ca := &caDir{dir: dir, key: key, state: caState{Version: caStateVersion, Responder: o.responder}}
	if ca.cert, err = x509.ParseCertificate(der); err != nil {
		return nil, err
	}
	if err := writeKey(ca.path(caKeyFile), key); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(ca.path(caCertFile), pemBlock("CERTIFICATE", der), 0o644); err != nil {
		return nil, err
	}
	if err := ca.makeResponder(now); err != nil {
		return nil, err
	}
	return ca, ca.saveState()
}

// makeResponder sets who signs OCSP responses. An RSA or ECDSA CA signs
// them itself; an Ed25519 CA gets a delegated responder certificate with
// an ECDSA P-256 key and the OCSP signing extended key usage (RFC 6960,
// Section 4.2.2.2), written next to the CA.
func (ca *caDir) makeResponder(now time.Time) error {
	if _, ok := ca.key.(ed25519.PrivateKey); !ok {
		ca.ocspCert, ca.ocspKey = ca.cert, ca.key
		return nil
	}
	key, err := generateKey("ecdsa")
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: ca.cert.Subject.CommonName + " OCSP responder"},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    ca.cert.NotAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
		// id-pkix-ocsp-nocheck (RFC 6960, Section 4.2.2.2.1): clients
		// need not check the responder's own revocation.
		ExtraExtensions: []pkix.Extension{{Id: oidOCSPNoCheck, Value: []byte{0x05, 0x00}}},
	}
	der, err := createCert(tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return err
	}
	if ca.ocspCert, err = x509.ParseCertificate(der); err != nil {
		return err
	}
	ca.ocspKey = key
	if err := writeKey(ca.path(caResponderKey), key); err != nil {
		return err
	}
	return writeFileAtomic(ca.path(caResponderFile), pemBlock("CERTIFICATE", der), 0o644)
}

// oidOCSPNoCheck is id-pkix-ocsp-nocheck.
var oidOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}

// openCA loads the CA in dir.
func openCA(dir string) (*caDir, error) {
	ca := &caDir{dir: dir}
	var err error
	if ca.cert, err = readCertFile(ca.path(caCertFile)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no CA in %s: run \"gotls cert -ca-dir %s init\" first", dir, dir)
		}
		return nil, err
	}
	if ca.key, err = readKeyFile(ca.path(caKeyFile)); err != nil {
		return nil, err
	}
	if !publicKeysEqual(ca.cert.PublicKey, ca.key.Public()) {
		return nil, fmt.Errorf("%s does not hold the key of %s", ca.path(caKeyFile), ca.path(caCertFile))
	}
	if ca.state, err = loadState(dir); err != nil {
		return nil, err
	}
	ca.ocspCert, ca.ocspKey = ca.cert, ca.key
	if _, ok := ca.key.(ed25519.PrivateKey); ok {
		if ca.ocspCert, err = readCertFile(ca.path(caResponderFile)); err != nil {
			return nil, err
		}
		if ca.ocspKey, err = readKeyFile(ca.path(caResponderKey)); err != nil {
			return nil, err
		}
	}
	return ca, nil
}

// publicKeysEqual compares two public keys of the standard library's types.
func publicKeysEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// loadState reads state.json from dir.
func loadState(dir string) (caState, error) {
	var st caState
	data, err := readLimitedFile(filepath.Join(dir, caStateFile))
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, fmt.Errorf("%s: %w", filepath.Join(dir, caStateFile), err)
	}
	if st.Version != caStateVersion {
		return st, fmt.Errorf("%s: unknown state version %d", filepath.Join(dir, caStateFile), st.Version)
	}
	return st, nil
}

// saveState writes state.json, replacing it atomically.
func (ca *caDir) saveState() error {
	data, err := json.MarshalIndent(ca.state, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(ca.path(caStateFile), append(data, '\n'), 0o600)
}

// writeFileAtomic writes data to a temporary file next to path and
// renames it over path, so that readers see the old or the new content.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// writeKey writes a private key as PKCS #8 PEM, readable by the owner
// only.
func writeKey(path string, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, pemBlock("PRIVATE KEY", der), 0o600)
}

// readLimitedFile reads a file of at most maxCAFileBytes.
func readLimitedFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxCAFileBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxCAFileBytes)
	}
	return os.ReadFile(path)
}

// readCertFile returns the first certificate of a PEM file.
func readCertFile(path string) (*x509.Certificate, error) {
	data, err := readLimitedFile(path)
	if err != nil {
		return nil, err
	}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, fmt.Errorf("%s: no PEM certificate found", path)
		}
		if block.Type == "CERTIFICATE" {
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return cert, nil
		}
	}
}

// readKeyFile reads a PEM private key: PKCS #8, SEC 1 or PKCS #1.
func readKeyFile(path string) (crypto.Signer, error) {
	data, err := readLimitedFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM key found", path)
	}
	var key any
	switch block.Type {
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: key of type %T cannot sign", path, key)
	}
	return signer, nil
}
