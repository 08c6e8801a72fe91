package handshake_test

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"gotls/internal/handshake"
	"gotls/revocation/revocationtest"
)

// updateRevocationSeeds regenerates the revocation fuzz seeds and the
// certificates they are about.
var updateRevocationSeeds = flag.Bool("update-revocation-seeds", false, "rewrite testdata/revocation and the revocation fuzz seeds")

// fuzzNow is the time the OCSP fuzz target checks responses at; the
// seeds are current then.
var fuzzNow = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

const revocationTestdata = "testdata/revocation"

// FuzzVerifyOCSPResponse feeds arbitrary bytes as an OCSP response about
// a fixed leaf and issuer. Verification must not panic, and whatever it
// accepts must be current at the fuzzing time.
func FuzzVerifyOCSPResponse(f *testing.F) {
	leaf, issuer := loadRevocationPKI(f)
	f.Fuzz(func(t *testing.T, der []byte) {
		res, err := handshake.VerifyOCSPResponse(der, leaf, issuer, fuzzNow)
		if err != nil {
			return
		}
		if !fuzzNow.Before(res.NextUpdate) || res.ThisUpdate.After(fuzzNow.Add(handshake.OCSPClockSkew)) {
			t.Fatalf("accepted a response valid from %v to %v at %v", res.ThisUpdate, res.NextUpdate, fuzzNow)
		}
		if res.Status != handshake.CertStatusGood && res.Status != handshake.CertStatusRevoked && res.Status != handshake.CertStatusUnknown {
			t.Fatalf("status %v", res.Status)
		}
	})
}

// FuzzParseIssuingDistributionPoint parses arbitrary extension values.
func FuzzParseIssuingDistributionPoint(f *testing.F) {
	f.Fuzz(func(t *testing.T, der []byte) {
		idp, err := handshake.ParseIssuingDistributionPoint(der)
		if err == nil && idp == nil {
			t.Fatal("nil result without an error")
		}
	})
}

// FuzzParseTLSFeatures parses arbitrary TLS feature extension values;
// every feature accepted is an extension number.
func FuzzParseTLSFeatures(f *testing.F) {
	f.Fuzz(func(t *testing.T, der []byte) {
		features, err := handshake.ParseTLSFeatures(der)
		if err != nil {
			return
		}
		for _, v := range features {
			if v < 0 || v > 0xffff {
				t.Fatalf("feature %d", v)
			}
		}
	})
}

// loadRevocationPKI reads the leaf and issuer the OCSP seeds are about.
func loadRevocationPKI(tb testing.TB) (leaf, issuer *x509.Certificate) {
	tb.Helper()
	read := func(name string) *x509.Certificate {
		b, err := os.ReadFile(filepath.Join(revocationTestdata, name))
		if err != nil {
			tb.Fatal(err)
		}
		block, _ := pem.Decode(b)
		if block == nil {
			tb.Fatalf("%s holds no PEM block", name)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			tb.Fatal(err)
		}
		return cert
	}
	return read("leaf.pem"), read("issuer.pem")
}

// TestRevocationFuzzSeeds checks that the seed responses verify as their
// names say, and with -update-revocation-seeds writes them anew.
func TestRevocationFuzzSeeds(t *testing.T) {
	if *updateRevocationSeeds {
		writeRevocationSeeds(t)
	}
	leaf, issuer := loadRevocationPKI(t)
	dir := filepath.Join("testdata", "fuzz", "FuzzVerifyOCSPResponse")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for _, e := range entries {
		der := readSeed(t, filepath.Join(dir, e.Name()))
		if _, err := handshake.VerifyOCSPResponse(der, leaf, issuer, fuzzNow); err == nil {
			accepted++
		}
	}
	if accepted < 4 {
		t.Errorf("only %d of %d seeds verify", accepted, len(entries))
	}
}

// readSeed reads the []byte of a one-value corpus file.
func readSeed(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if _, err := fmt.Sscanf(string(b), "go test fuzz v1\n[]byte(%q)", &s); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(s)
}

// writeRevocationSeeds makes a CA at fuzzNow, writes its leaf and
// certificate, and writes OCSP responses of every kind as seeds.
func writeRevocationSeeds(t *testing.T) {
	ca := revocationtest.New(t, revocationtest.Options{Now: func() time.Time { return fuzzNow }})
	leaf := ca.Issue(t, revocationtest.LeafOptions{MustStaple: true})
	if err := os.MkdirAll(revocationTestdata, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, der := range map[string][]byte{"leaf.pem": leaf.Cert.Raw, "issuer.pem": ca.Cert.Raw} {
		p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		if err := os.WriteFile(filepath.Join(revocationTestdata, name), p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	seeds := map[string]revocationtest.ResponseOptions{
		"good":            {Status: ocsp.Good},
		"revoked":         {Status: ocsp.Revoked, RevocationReason: ocsp.KeyCompromise},
		"unknown":         {Status: ocsp.Unknown},
		"delegated":       {Mode: revocationtest.ResponderDelegated},
		"delegated-noeku": {Mode: revocationtest.ResponderDelegatedNoEKU},
		"wrong-key":       {Mode: revocationtest.ResponderWrongKey},
		"expired":         {ThisUpdate: fuzzNow.Add(-2 * time.Hour), NextUpdate: fuzzNow.Add(-time.Hour)},
		"sha256":          {IssuerHash: crypto.SHA256},
		"no-next-update":  {OmitNextUpdate: true},
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzVerifyOCSPResponse")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, o := range seeds {
		der, err := ca.Response(leaf.Cert, o)
		if err != nil {
			t.Fatal(err)
		}
		writeSeed(t, filepath.Join(dir, name), der)
	}
	writeSeed(t, filepath.Join(dir, "try-later"), ocsp.TryLaterErrorResponse)
}

// writeSeed writes one []byte corpus file.
func writeSeed(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", b), 0o644); err != nil {
		t.Fatal(err)
	}
}
