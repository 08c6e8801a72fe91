package testenv

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a self-signed root certificate authority made for one test.
type CA struct {
	// Cert is the parsed root certificate.
	Cert *x509.Certificate
	// Key is the root's private key.
	Key crypto.Signer
	// Pool holds only Cert, ready for RootCAs or ClientCAs.
	Pool *x509.CertPool
	// File is the root certificate as a PEM file in t.TempDir().
	File string

	keyType KeyType
}

// LeafOptions tunes a certificate issued by CA.Issue. The zero value gives
// a server certificate for "localhost", "example.test", 127.0.0.1 and ::1,
// valid from an hour ago until a day from now.
type LeafOptions struct {
	// DNSNames replaces the default DNS names when non-empty.
	DNSNames []string
	// IPAddresses replaces the default IP addresses when non-empty.
	IPAddresses []net.IP
	// NotBefore is the start of validity; zero means an hour ago.
	NotBefore time.Time
	// NotAfter is the end of validity; zero means a day from now.
	NotAfter time.Time
	// ClientAuth makes a client certificate (ExtKeyUsageClientAuth)
	// instead of a server certificate (ExtKeyUsageServerAuth).
	ClientAuth bool
	// Intermediate issues the leaf through a fresh intermediate CA, which
	// then follows the leaf in Chain and ChainFile.
	Intermediate bool
}

// Leaf is an end-entity certificate with its chain and key, in memory and
// as PEM files.
type Leaf struct {
	// Chain is the DER certificate chain, leaf first, root excluded.
	Chain [][]byte
	// Key is the leaf's private key.
	Key crypto.Signer
	// Cert is the parsed leaf certificate.
	Cert *x509.Certificate
	// CertFile holds the leaf certificate alone, PEM.
	CertFile string
	// KeyFile holds the private key, PKCS #8 PEM.
	KeyFile string
	// ChainFile holds the whole chain, leaf first, PEM.
	ChainFile string
	// IntermediatesFile holds the chain without the leaf, PEM; it is
	// empty when the leaf was issued directly by the root.
	IntermediatesFile string
}

// Default names every issued leaf carries unless LeafOptions replaces them.
var (
	defaultDNSNames = []string{"localhost", "example.test"}
	defaultIPs      = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
)

// NewCA makes a self-signed root CA with a key of type kt.
func NewCA(t testing.TB, kt KeyType) *CA {
	t.Helper()
	key := NewKey(t, kt)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: "gotls test root " + kt.String(), Organization: []string{"gotls tests"}},
		NotBefore:             now.Add(-2 * time.Hour),
		NotAfter:              now.Add(48 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	cert := createCert(t, tmpl, tmpl, key.Public(), key)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	dir := t.TempDir()
	return &CA{
		Cert:    cert,
		Key:     key,
		Pool:    pool,
		File:    writePEM(t, dir, "ca.pem", "CERTIFICATE", cert.Raw),
		keyType: kt,
	}
}

// Issue makes a leaf certificate with a key of type kt, signed by ca or,
// with opts.Intermediate, by an intermediate CA that ca signs.
func (ca *CA) Issue(t testing.TB, kt KeyType, opts LeafOptions) *Leaf {
	t.Helper()
	issuer, issuerKey := ca.Cert, ca.Key
	var intermediates [][]byte
	if opts.Intermediate {
		issuer, issuerKey = ca.intermediate(t)
		intermediates = append(intermediates, issuer.Raw)
	}
	key := NewKey(t, kt)
	cert := createCert(t, leafTemplate(t, kt, opts), issuer, key.Public(), issuerKey)
	leaf := &Leaf{
		Chain: append([][]byte{cert.Raw}, intermediates...),
		Key:   key,
		Cert:  cert,
	}
	leaf.writeFiles(t, intermediates)
	return leaf
}

// leafTemplate fills in the certificate fields of a leaf from opts.
func leafTemplate(t testing.TB, kt KeyType, opts LeafOptions) *x509.Certificate {
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		DNSNames:              opts.DNSNames,
		IPAddresses:           opts.IPAddresses,
		NotBefore:             opts.NotBefore,
		NotAfter:              opts.NotAfter,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if len(tmpl.DNSNames) == 0 {
		tmpl.DNSNames = defaultDNSNames
	}
	if len(tmpl.IPAddresses) == 0 {
		tmpl.IPAddresses = defaultIPs
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = now.Add(-time.Hour)
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = now.Add(24 * time.Hour)
	}
	if opts.ClientAuth {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	if kt == RSA2048 {
		// TLS 1.2 RSA key transport encrypts the premaster secret to this key.
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	tmpl.Subject = pkix.Name{CommonName: tmpl.DNSNames[0], Organization: []string{"gotls tests"}}
	return tmpl
}

// intermediate makes an intermediate CA under ca, with a key of ca's type.
func (ca *CA) intermediate(t testing.TB) (*x509.Certificate, crypto.Signer) {
	key := NewKey(t, ca.keyType)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: "gotls test intermediate " + ca.keyType.String(), Organization: []string{"gotls tests"}},
		NotBefore:             now.Add(-2 * time.Hour),
		NotAfter:              now.Add(48 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	return createCert(t, tmpl, ca.Cert, key.Public(), ca.Key), key
}

// writeFiles stores the leaf's PEM files in a fresh temporary directory.
func (l *Leaf) writeFiles(t testing.TB, intermediates [][]byte) {
	dir := t.TempDir()
	der, err := x509.MarshalPKCS8PrivateKey(l.Key)
	if err != nil {
		t.Fatalf("testenv: encoding key: %v", err)
	}
	l.CertFile = writePEM(t, dir, "cert.pem", "CERTIFICATE", l.Chain[0])
	l.KeyFile = writePEM(t, dir, "key.pem", "PRIVATE KEY", der)
	l.ChainFile = writePEM(t, dir, "chain.pem", "CERTIFICATE", l.Chain...)
	if len(intermediates) > 0 {
		l.IntermediatesFile = writePEM(t, dir, "intermediates.pem", "CERTIFICATE", intermediates...)
	}
}

// createCert signs tmpl with signer under parent and parses the result.
func createCert(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatalf("testenv: creating certificate %q: %v", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("testenv: parsing certificate %q: %v", tmpl.Subject.CommonName, err)
	}
	return cert
}

// serial returns a random 128-bit positive serial number.
func serial(t testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatalf("testenv: serial number: %v", err)
	}
	return n.Add(n, big.NewInt(1))
}

// writePEM writes blocks of the given type to dir/name and returns the path.
func writePEM(t testing.TB, dir, name, blockType string, blocks ...[]byte) string {
	var out []byte
	for _, b := range blocks {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: b})...)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatalf("testenv: writing %s: %v", path, err)
	}
	return path
}
