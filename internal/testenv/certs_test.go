package testenv

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"testing"
	"time"
)

// readPEM returns the DER blocks of a PEM file, checking their type.
func readPEM(t *testing.T, path, blockType string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != blockType {
			t.Fatalf("%s: block type %q, want %q", path, b.Type, blockType)
		}
		out = append(out, b.Bytes)
	}
	if len(bytes.TrimSpace(data)) != 0 {
		t.Fatalf("%s: trailing data after PEM blocks", path)
	}
	return out
}

// checkKeyType fails unless pub is a public key of type kt.
func checkKeyType(t *testing.T, kt KeyType, pub any) {
	t.Helper()
	ok := false
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		ok = (kt == ECDSAP256 && k.Curve == elliptic.P256()) || (kt == ECDSAP384 && k.Curve == elliptic.P384())
	case *rsa.PublicKey:
		ok = kt == RSA2048 && k.N.BitLen() == 2048
	case ed25519.PublicKey:
		ok = kt == Ed25519
	}
	if !ok {
		t.Errorf("public key %T does not match key type %v", pub, kt)
	}
}

// TestNewCA checks the root: self-signed, a CA allowed to sign
// certificates, and stored as PEM.
func TestNewCA(t *testing.T) {
	for _, kt := range KeyTypes() {
		t.Run(kt.String(), func(t *testing.T) {
			ca := NewCA(t, kt)
			checkKeyType(t, kt, ca.Cert.PublicKey)
			if !ca.Cert.IsCA || !ca.Cert.BasicConstraintsValid {
				t.Errorf("IsCA = %v, BasicConstraintsValid = %v", ca.Cert.IsCA, ca.Cert.BasicConstraintsValid)
			}
			if ca.Cert.KeyUsage&x509.KeyUsageCertSign == 0 {
				t.Errorf("KeyUsage %v lacks CertSign", ca.Cert.KeyUsage)
			}
			if err := ca.Cert.CheckSignatureFrom(ca.Cert); err != nil {
				t.Errorf("not self-signed: %v", err)
			}
			if got := readPEM(t, ca.File, "CERTIFICATE"); len(got) != 1 || !bytes.Equal(got[0], ca.Cert.Raw) {
				t.Errorf("%s does not hold exactly the CA certificate", ca.File)
			}
			if _, err := ca.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool}); err != nil {
				t.Errorf("root does not verify against its own pool: %v", err)
			}
		})
	}
}

// issueCase is one way of issuing a leaf.
type issueCase struct {
	name string
	opts LeafOptions
	eku  x509.ExtKeyUsage
}

var issueCases = []issueCase{
	{"server", LeafOptions{}, x509.ExtKeyUsageServerAuth},
	{"client", LeafOptions{ClientAuth: true}, x509.ExtKeyUsageClientAuth},
	{"server-intermediate", LeafOptions{Intermediate: true}, x509.ExtKeyUsageServerAuth},
	{"client-intermediate", LeafOptions{Intermediate: true, ClientAuth: true}, x509.ExtKeyUsageClientAuth},
}

// TestIssue checks every key type and leaf variant: the chain verifies
// for the default names and the right usage, and the files hold what the
// struct holds.
func TestIssue(t *testing.T) {
	for _, kt := range KeyTypes() {
		for _, tc := range issueCases {
			t.Run(kt.String()+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				ca := NewCA(t, kt)
				leaf := ca.Issue(t, kt, tc.opts)
				checkKeyType(t, kt, leaf.Cert.PublicKey)
				checkLeafChain(t, ca, leaf, tc)
				checkLeafFiles(t, leaf)
				checkLeafDefaults(t, kt, leaf)
			})
		}
	}
}

// checkLeafChain verifies the leaf for each default name and address.
func checkLeafChain(t *testing.T, ca *CA, leaf *Leaf, tc issueCase) {
	t.Helper()
	wantLen := 1
	if tc.opts.Intermediate {
		wantLen = 2
	}
	if len(leaf.Chain) != wantLen || !bytes.Equal(leaf.Chain[0], leaf.Cert.Raw) {
		t.Fatalf("chain has %d certificates (want %d, leaf first)", len(leaf.Chain), wantLen)
	}
	inter := x509.NewCertPool()
	for _, der := range leaf.Chain[1:] {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		inter.AddCert(c)
	}
	for _, name := range []string{"localhost", "example.test", "127.0.0.1", "::1"} {
		opts := x509.VerifyOptions{Roots: ca.Pool, Intermediates: inter, DNSName: name, KeyUsages: []x509.ExtKeyUsage{tc.eku}}
		if _, err := leaf.Cert.Verify(opts); err != nil {
			t.Errorf("verify for %q: %v", name, err)
		}
	}
	if err := leaf.Cert.VerifyHostname("other.test"); err == nil {
		t.Errorf("leaf is valid for other.test")
	}
}

// checkLeafFiles reads the PEM files back and compares them with the
// in-memory chain and key.
func checkLeafFiles(t *testing.T, leaf *Leaf) {
	t.Helper()
	if got := readPEM(t, leaf.CertFile, "CERTIFICATE"); len(got) != 1 || !bytes.Equal(got[0], leaf.Chain[0]) {
		t.Errorf("CertFile does not hold exactly the leaf")
	}
	got := readPEM(t, leaf.ChainFile, "CERTIFICATE")
	if len(got) != len(leaf.Chain) {
		t.Fatalf("ChainFile holds %d certificates, want %d", len(got), len(leaf.Chain))
	}
	for i := range got {
		if !bytes.Equal(got[i], leaf.Chain[i]) {
			t.Errorf("ChainFile certificate %d differs", i)
		}
	}
	if len(leaf.Chain) > 1 {
		if inter := readPEM(t, leaf.IntermediatesFile, "CERTIFICATE"); len(inter) != len(leaf.Chain)-1 {
			t.Errorf("IntermediatesFile holds %d certificates, want %d", len(inter), len(leaf.Chain)-1)
		}
	} else if leaf.IntermediatesFile != "" {
		t.Errorf("IntermediatesFile = %q for a leaf without intermediates", leaf.IntermediatesFile)
	}
	keys := readPEM(t, leaf.KeyFile, "PRIVATE KEY")
	if len(keys) != 1 {
		t.Fatalf("KeyFile holds %d keys", len(keys))
	}
	key, err := x509.ParsePKCS8PrivateKey(keys[0])
	if err != nil {
		t.Fatalf("KeyFile: %v", err)
	}
	pub := key.(crypto.Signer).Public()
	if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(leaf.Cert.PublicKey) {
		t.Errorf("KeyFile does not match the certificate")
	}
}

// checkLeafDefaults checks the default names, validity and key usage.
func checkLeafDefaults(t *testing.T, kt KeyType, leaf *Leaf) {
	t.Helper()
	now := time.Now()
	if d := leaf.Cert.NotBefore.Sub(now.Add(-time.Hour)); d < -time.Minute || d > time.Minute {
		t.Errorf("NotBefore = %v, want about an hour ago", leaf.Cert.NotBefore)
	}
	if d := leaf.Cert.NotAfter.Sub(now.Add(24 * time.Hour)); d < -time.Minute || d > time.Minute {
		t.Errorf("NotAfter = %v, want about a day from now", leaf.Cert.NotAfter)
	}
	if len(leaf.Cert.DNSNames) != 2 || len(leaf.Cert.IPAddresses) != 2 {
		t.Errorf("names = %v %v, want the two default DNS names and two addresses", leaf.Cert.DNSNames, leaf.Cert.IPAddresses)
	}
	if leaf.Cert.IsCA {
		t.Errorf("leaf is a CA")
	}
	wantEnc := kt == RSA2048
	if gotEnc := leaf.Cert.KeyUsage&x509.KeyUsageKeyEncipherment != 0; gotEnc != wantEnc {
		t.Errorf("KeyEncipherment = %v, want %v", gotEnc, wantEnc)
	}
}

// TestLeafOptions checks that explicit names and validity replace the
// defaults.
func TestLeafOptions(t *testing.T) {
	ca := NewCA(t, ECDSAP256)
	past := time.Now().Add(-100 * time.Minute)
	leaf := ca.Issue(t, ECDSAP256, LeafOptions{
		DNSNames:    []string{"only.test"},
		IPAddresses: []net.IP{net.ParseIP("192.0.2.7")},
		NotBefore:   past,
		NotAfter:    past.Add(30 * time.Minute),
	})
	c := leaf.Cert
	if len(c.DNSNames) != 1 || c.DNSNames[0] != "only.test" || c.Subject.CommonName != "only.test" {
		t.Errorf("DNSNames = %v, CN = %q", c.DNSNames, c.Subject.CommonName)
	}
	if len(c.IPAddresses) != 1 || !c.IPAddresses[0].Equal(net.ParseIP("192.0.2.7")) {
		t.Errorf("IPAddresses = %v", c.IPAddresses)
	}
	if !c.NotBefore.Equal(past.Truncate(time.Second)) || !c.NotAfter.Equal(past.Add(30*time.Minute).Truncate(time.Second)) {
		t.Errorf("validity = %v..%v, want %v..%v", c.NotBefore, c.NotAfter, past, past.Add(30*time.Minute))
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: ca.Pool, DNSName: "only.test"}); err == nil {
		t.Errorf("an expired certificate verified")
	}
	opts := x509.VerifyOptions{Roots: ca.Pool, DNSName: "only.test", CurrentTime: past.Add(time.Minute)}
	if _, err := c.Verify(opts); err != nil {
		t.Errorf("verify within its validity: %v", err)
	}
}

// TestOpenSSLAcceptsFiles runs openssl over the PEM files: it must parse
// every certificate and key and verify each chain for its purpose.
func TestOpenSSLAcceptsFiles(t *testing.T) {
	Binary(t, "openssl")
	for _, kt := range KeyTypes() {
		// Server and client purposes, with and without an intermediate.
		for _, tc := range []issueCase{issueCases[0], issueCases[3]} {
			t.Run(kt.String()+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				ca := NewCA(t, kt)
				leaf := ca.Issue(t, kt, tc.opts)
				purpose := "sslserver"
				if tc.opts.ClientAuth {
					purpose = "sslclient"
				}
				verify := []string{"verify", "-CAfile", ca.File, "-purpose", purpose}
				if leaf.IntermediatesFile != "" {
					verify = append(verify, "-untrusted", leaf.IntermediatesFile)
				}
				for _, args := range [][]string{
					{"x509", "-noout", "-text", "-in", leaf.CertFile},
					{"x509", "-noout", "-text", "-in", ca.File},
					{"pkey", "-noout", "-in", leaf.KeyFile},
					append(verify, leaf.CertFile),
				} {
					p := Start(t, "openssl", args...)
					if err := p.Wait(ExitTimeout); err != nil {
						t.Errorf("%s: %v\n%s", p, err, p.Stderr())
					}
				}
			})
		}
	}
}

// TestRSAPool checks that RSA keys come from the shared pool, and that
// keys handed out one after another differ.
func TestRSAPool(t *testing.T) {
	seen := map[*rsa.PrivateKey]bool{}
	var prev *rsa.PrivateKey
	for range 2 * rsaPoolSize {
		k := NewKey(t, RSA2048).(*rsa.PrivateKey)
		if k == prev {
			t.Errorf("two consecutive RSA keys are the same")
		}
		seen[k], prev = true, k
	}
	if len(seen) != rsaPoolSize {
		t.Errorf("%d distinct RSA keys, want %d", len(seen), rsaPoolSize)
	}
}

// TestKeyTypeString checks the names used in subtest names.
func TestKeyTypeString(t *testing.T) {
	for kt, want := range map[KeyType]string{
		ECDSAP256: "ECDSA-P256", ECDSAP384: "ECDSA-P384", RSA2048: "RSA-2048", Ed25519: "Ed25519", KeyType(9): "KeyType(9)",
	} {
		if got := kt.String(); got != want {
			t.Errorf("KeyType(%d).String() = %q, want %q", int(kt), got, want)
		}
	}
}
