package revocation_test

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gotls/internal/handshake"
	"gotls/revocation"
	"gotls/revocation/revocationtest"
)

// TestCheckerQueryOCSP queries the test responder by GET and by POST and
// checks the answers verify.
func TestCheckerQueryOCSP(t *testing.T) {
	ca := revocationtest.New(t, revocationtest.Options{})
	leaf := ca.Issue(t, revocationtest.LeafOptions{})
	for _, post := range []bool{false, true} {
		c := &revocation.Checker{ForcePOST: post}
		der, err := c.QueryOCSP(context.Background(), ca.OCSPURL, leaf.Cert, ca.Cert)
		if err != nil {
			t.Fatal(err)
		}
		res, err := handshake.VerifyOCSPResponse(der, leaf.Cert, ca.Cert, ca.Now())
		if err != nil || res.Status != handshake.CertStatusGood {
			t.Fatalf("post %v: %v, %v", post, res, err)
		}
	}
	if n, get, post, _ := ca.Counts(); n != 2 || get != 1 || post != 1 {
		t.Errorf("%d requests, %d GET, %d POST", n, get, post)
	}
	// A trailing slash in the responder URL does not double.
	c := &revocation.Checker{}
	if _, err := c.QueryOCSP(context.Background(), ca.OCSPURL+"/", leaf.Cert, ca.Cert); err != nil {
		t.Fatal(err)
	}
}

// TestCheckerFailures covers the bounds and failures of fetching: body
// size, HTTP status, timeout, URL scheme, unparsable CRLs.
func TestCheckerFailures(t *testing.T) {
	ca := revocationtest.New(t, revocationtest.Options{})
	leaf := ca.Issue(t, revocationtest.LeafOptions{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/big"):
			w.Write(make([]byte, 2048))
		case strings.HasPrefix(r.URL.Path, "/slow"):
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case strings.HasPrefix(r.URL.Path, "/junk"):
			w.Write([]byte("not a crl"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := &revocation.Checker{MaxOCSPResponseBytes: 1024, MaxCRLBytes: 1024, Timeout: 200 * time.Millisecond}
	ctx := context.Background()
	tests := []struct {
		name  string
		run   func() error
		words string
	}{
		{"ocsp too large", func() error { _, err := c.QueryOCSP(ctx, srv.URL+"/big", leaf.Cert, ca.Cert); return err }, "larger than 1024 bytes"},
		{"crl too large", func() error { _, err := c.FetchCRL(ctx, srv.URL+"/big", ca.Cert); return err }, "larger than 1024 bytes"},
		{"not found", func() error { _, err := c.QueryOCSP(ctx, srv.URL+"/none", leaf.Cert, ca.Cert); return err }, "http status 404"},
		{"timeout", func() error { _, err := c.FetchCRL(ctx, srv.URL+"/slow", ca.Cert); return err }, "deadline exceeded"},
		{"scheme", func() error { _, err := c.FetchCRL(ctx, "ldap://example/crl", ca.Cert); return err }, "unsupported url scheme ldap"},
		{"ocsp scheme", func() error { _, err := c.QueryOCSP(ctx, "file:///etc/passwd", leaf.Cert, ca.Cert); return err }, "unsupported url scheme file"},
		{"junk crl", func() error { _, err := c.FetchCRL(ctx, srv.URL+"/junk", ca.Cert); return err }, "cannot parse crl"},
	}
	for _, tt := range tests {
		start := time.Now()
		err := tt.run()
		if err == nil || !strings.Contains(err.Error(), tt.words) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.words)
		}
		if time.Since(start) > 3*time.Second {
			t.Errorf("%s took %v", tt.name, time.Since(start))
		}
	}
}

// TestCheckerCRLCache: a CRL is cached until its nextUpdate, never when
// its signature does not verify, evicted when the cache is full, and
// kept no longer than MaxCRLCacheAge; PEM CRLs are accepted.
func TestCheckerCRLCache(t *testing.T) {
	clk := newClock()
	ca := revocationtest.New(t, revocationtest.Options{Now: clk.Now, CRLValidity: 2 * time.Hour})
	other := revocationtest.New(t, revocationtest.Options{Now: clk.Now, Name: "another CA"})
	ctx := context.Background()
	downloads := func(ca *revocationtest.CA) int { _, _, _, n := ca.Counts(); return n }
	fetch := func(c *revocation.Checker, ca *revocationtest.CA) {
		t.Helper()
		if _, err := c.FetchCRL(ctx, ca.CRLURL, ca.Cert); err != nil {
			t.Fatal(err)
		}
	}

	c := &revocation.Checker{Now: clk.Now}
	fetch(c, ca)
	fetch(c, ca)
	clk.Advance(time.Hour)
	fetch(c, ca)
	if n := downloads(ca); n != 1 {
		t.Fatalf("%d downloads while the CRL is current", n)
	}
	clk.Advance(time.Hour)
	fetch(c, ca)
	if n := downloads(ca); n != 2 {
		t.Fatalf("%d downloads after nextUpdate, want 2", n)
	}

	ca.SetCRLMode(revocationtest.CRLWrongKey)
	clk.Advance(3 * time.Hour)
	fetch(c, ca)
	fetch(c, ca)
	if n := downloads(ca); n != 4 {
		t.Fatalf("%d downloads, want a forged CRL fetched again each time", n)
	}
	ca.SetCRLMode(revocationtest.CRLNormal)

	small := &revocation.Checker{Now: clk.Now, MaxCachedCRLs: 1}
	fetch(small, ca)
	fetch(small, other)
	fetch(small, ca)
	if n, m := downloads(ca), downloads(other); n != 6 || m != 1 {
		t.Fatalf("with room for one CRL: %d and %d downloads", n, m)
	}

	young := &revocation.Checker{Now: clk.Now, MaxCRLCacheAge: time.Minute}
	fetch(young, other)
	clk.Advance(2 * time.Minute)
	fetch(young, other)
	if m := downloads(other); m != 3 {
		t.Fatalf("%d downloads with a one-minute cache age, want 3", m)
	}

	der, err := ca.CRL(revocationtest.CRLNormal)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}))
	}))
	defer srv.Close()
	crl, err := c.FetchCRL(ctx, srv.URL, ca.Cert)
	if err != nil || crl.Number == nil {
		t.Fatalf("PEM CRL: %v", err)
	}
}
