// Package revocationtest runs a small PKI for revocation tests: a CA whose
// certificates point at its own OCSP responder and CRL server, both real
// HTTP servers on 127.0.0.1. The responder can be told to answer good,
// revoked or unknown, with expired responses, with the wrong key, through
// a delegated responder, or not at all; the CA issues Must-Staple leaves.
package revocationtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// OIDTLSFeature is the TLS feature extension of RFC 7633.
var OIDTLSFeature = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 24}

// Options tunes a CA. The zero value is usable.
type Options struct {
	// Now is the CA's clock for certificates, OCSP responses and CRLs;
	// nil means time.Now.
	Now func() time.Time
	// ResponseValidity is nextUpdate minus thisUpdate of OCSP responses;
	// zero means an hour.
	ResponseValidity time.Duration
	// CRLValidity is nextUpdate minus thisUpdate of CRLs; zero means an
	// hour.
	CRLValidity time.Duration
	// Name is the CA's common name; empty means "gotls revocation test CA".
	Name string
}

// CA is a certificate authority with an OCSP responder and a CRL server.
// Its methods are safe for concurrent use.
type CA struct {
	// Cert and Key are the CA's self-signed certificate and key.
	Cert *x509.Certificate
	Key  crypto.Signer
	// Pool holds Cert, for RootCAs.
	Pool *x509.CertPool
	// OCSPURL and CRLURL are where issued certificates point.
	OCSPURL string
	CRLURL  string
	// Delegated is a responder certificate the CA issued with the OCSP
	// signing extended key usage; NoEKU is one without it.
	Delegated, NoEKU *Leaf

	opts    Options
	ocspSrv *httptest.Server
	crlSrv  *httptest.Server
	wrong   crypto.Signer

	mu         sync.Mutex
	mode       ResponderMode
	crlMode    CRLMode
	serial     int64
	crlNumber  int64
	issued     map[string]bool
	revoked    map[string]revocationEntry
	ocspCount  int
	crlCount   int
	getCount   int
	postCount  int
	closedOCSP bool
	closedCRL  bool
}

// revocationEntry is a revoked certificate's time and reason.
type revocationEntry struct {
	serial *big.Int
	at     time.Time
	reason int
}

// Leaf is a certificate the CA issued, with its key.
type Leaf struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// Chain is the DER leaf followed by the CA certificate.
	Chain [][]byte
}

// LeafOptions tunes an issued certificate. Zero values mean names
// "localhost" and 127.0.0.1, valid from an hour before the CA's clock for
// 90 days, pointing at the CA's OCSP responder and CRL.
type LeafOptions struct {
	DNSNames []string
	IPs      []net.IP
	// MustStaple adds the TLS feature extension with status_request.
	MustStaple bool
	// NoOCSP and NoCRL leave out the responder and the CRL URL.
	NoOCSP, NoCRL bool
	// CommonName of the subject; "localhost" when empty.
	CommonName string
	// OCSPServers and CRLURLs, when not nil, replace the CA's URLs.
	OCSPServers, CRLURLs []string
}

// New starts a CA with its OCSP responder and CRL server; tb's cleanup
// stops them.
func New(tb testing.TB, opts Options) *CA {
	tb.Helper()
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ResponseValidity == 0 {
		opts.ResponseValidity = time.Hour
	}
	if opts.CRLValidity == 0 {
		opts.CRLValidity = time.Hour
	}
	if opts.Name == "" {
		opts.Name = "gotls revocation test CA"
	}
	ca := &CA{opts: opts, issued: map[string]bool{}, revoked: map[string]revocationEntry{},
		Key: newKey(tb), wrong: newKey(tb)}
	ca.Cert = ca.selfSign(tb)
	ca.Pool = x509.NewCertPool()
	ca.Pool.AddCert(ca.Cert)
	ca.ocspSrv = httptest.NewServer(http.HandlerFunc(ca.serveOCSP))
	ca.crlSrv = httptest.NewServer(http.HandlerFunc(ca.serveCRL))
	tb.Cleanup(ca.Close)
	ca.OCSPURL = ca.ocspSrv.URL + "/ocsp"
	ca.CRLURL = ca.crlSrv.URL + "/ca.crl"
	ca.Delegated = ca.issue(tb, leafTemplate{eku: x509.ExtKeyUsageOCSPSigning, cn: "gotls test OCSP responder"})
	ca.NoEKU = ca.issue(tb, leafTemplate{eku: x509.ExtKeyUsageServerAuth, cn: "gotls test server pretending to be a responder"})
	return ca
}

// Now returns the CA's current time.
func (ca *CA) Now() time.Time { return ca.opts.Now() }

// Close stops the OCSP responder and the CRL server.
func (ca *CA) Close() {
	ca.CloseOCSP()
	ca.CloseCRL()
}

// CloseOCSP stops the OCSP responder: queries then find nothing listening.
func (ca *CA) CloseOCSP() {
	ca.mu.Lock()
	closed := ca.closedOCSP
	ca.closedOCSP = true
	ca.mu.Unlock()
	if !closed {
		ca.ocspSrv.Close()
	}
}

// CloseCRL stops the CRL server.
func (ca *CA) CloseCRL() {
	ca.mu.Lock()
	closed := ca.closedCRL
	ca.closedCRL = true
	ca.mu.Unlock()
	if !closed {
		ca.crlSrv.Close()
	}
}

// newKey returns a fresh ECDSA P-256 key.
func newKey(tb testing.TB) crypto.Signer {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// nextSerial returns a new serial number.
func (ca *CA) nextSerial() *big.Int {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.serial++
	return big.NewInt(1000 + ca.serial)
}

// selfSign makes the CA certificate.
func (ca *CA) selfSign(tb testing.TB) *x509.Certificate {
	tb.Helper()
	now := ca.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          ca.nextSerial(),
		Subject:               pkix.Name{CommonName: ca.opts.Name, Organization: []string{"gotls test"}},
		NotBefore:             now.Add(-30 * 24 * time.Hour),
		NotAfter:              now.Add(3650 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, ca.Key.Public(), ca.Key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return cert
}

// Issue makes a server certificate for opts.
func (ca *CA) Issue(tb testing.TB, opts LeafOptions) *Leaf {
	tb.Helper()
	t := leafTemplate{eku: x509.ExtKeyUsageServerAuth, cn: opts.CommonName, dns: opts.DNSNames, ips: opts.IPs,
		mustStaple: opts.MustStaple, ocspURLs: []string{ca.OCSPURL}, crlURLs: []string{ca.CRLURL}}
	if opts.NoOCSP {
		t.ocspURLs = nil
	} else if opts.OCSPServers != nil {
		t.ocspURLs = opts.OCSPServers
	}
	if opts.NoCRL {
		t.crlURLs = nil
	} else if opts.CRLURLs != nil {
		t.crlURLs = opts.CRLURLs
	}
	if t.cn == "" {
		t.cn = "localhost"
	}
	if t.dns == nil {
		t.dns = []string{"localhost"}
	}
	if t.ips == nil {
		t.ips = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	return ca.issue(tb, t)
}

// leafTemplate is what issue needs to know about a certificate.
type leafTemplate struct {
	eku        x509.ExtKeyUsage
	cn         string
	dns        []string
	ips        []net.IP
	mustStaple bool
	ocspURLs   []string
	crlURLs    []string
}

// issue signs a certificate for t with the CA key.
func (ca *CA) issue(tb testing.TB, t leafTemplate) *Leaf {
	tb.Helper()
	key := newKey(tb)
	now := ca.Now()
	tmpl := &x509.Certificate{
		SerialNumber: ca.nextSerial(),
		Subject:      pkix.Name{CommonName: t.cn},
		DNSNames:     t.dns,
		IPAddresses:  t.ips,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(90 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{t.eku},
	}
	tmpl.OCSPServer = t.ocspURLs
	tmpl.CRLDistributionPoints = t.crlURLs
	if t.mustStaple {
		// SEQUENCE { INTEGER 5 }: status_request (RFC 7633, Section 4.1).
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: OIDTLSFeature, Value: []byte{0x30, 0x03, 0x02, 0x01, 0x05}})
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	ca.mu.Lock()
	ca.issued[cert.SerialNumber.String()] = true
	ca.mu.Unlock()
	return &Leaf{Cert: cert, Key: key, Chain: [][]byte{der, ca.Cert.Raw}}
}

// Revoke marks cert revoked at the CA's current time with an RFC 5280
// reason code.
func (ca *CA) Revoke(cert *x509.Certificate, reason int) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.revoked[cert.SerialNumber.String()] = revocationEntry{serial: cert.SerialNumber, at: ca.Now().Add(-time.Minute), reason: reason}
}

// Forget makes the responder answer "unknown" for cert.
func (ca *CA) Forget(cert *x509.Certificate) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	delete(ca.issued, cert.SerialNumber.String())
}

// SetResponderMode changes how the OCSP responder answers.
func (ca *CA) SetResponderMode(m ResponderMode) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.mode = m
}

// SetCRLMode changes how the CRL server answers.
func (ca *CA) SetCRLMode(m CRLMode) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	ca.crlMode = m
}

// Counts reports how many OCSP requests (and of those, GET and POST) and
// CRL downloads the servers have answered.
func (ca *CA) Counts() (ocsp, get, post, crl int) {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	return ca.ocspCount, ca.getCount, ca.postCount, ca.crlCount
}

// WriteFiles writes the leaf's chain and key as PEM into dir, and returns
// their paths, for tools such as openssl.
func (l *Leaf) WriteFiles(tb testing.TB, dir, name string) (certFile, keyFile string) {
	tb.Helper()
	var chain []byte
	for _, der := range l.Chain {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(l.Key)
	if err != nil {
		tb.Fatal(err)
	}
	certFile = filepath.Join(dir, name+".crt")
	keyFile = filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, chain, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return certFile, keyFile
}
