package revocation_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"gotls"
	"gotls/revocation"
	"gotls/revocation/revocationtest"
)

// TestStaplerRefreshAndExpiry drives a Stapler with a controllable clock:
// it fetches at the first refresh, not again until halfway to nextUpdate,
// then refreshes before nextUpdate; with the responder failing it backs
// off exponentially, keeps serving the staple while it is current and
// never serves it once expired; when the responder recovers, so does the
// staple. A server using the Stapler hands out exactly what it serves.
func TestStaplerRefreshAndExpiry(t *testing.T) {
	clk := newClock()
	ca := revocationtest.New(t, revocationtest.Options{Now: clk.Now, ResponseValidity: 4 * time.Hour})
	leaf := ca.Issue(t, revocationtest.LeafOptions{})
	s := revocation.NewStapler(revocation.StaplerOptions{Now: clk.Now, MinBackoff: time.Minute, MaxBackoff: 20 * time.Minute})
	if err := s.Add(leaf.Chain); err != nil {
		t.Fatal(err)
	}
	if s.OCSPStaple(leaf.Chain) != nil {
		t.Fatal("a staple was served before any refresh")
	}
	fetches := func() int { n, _, _, _ := ca.Counts(); return n }
	mustRefresh(t, s)
	first := s.Status()[0]
	if fetches() != 1 || !first.Serving || first.Status != "good" {
		t.Fatalf("after the first refresh: %d fetches, status %+v", fetches(), first)
	}
	if want := first.ThisUpdate.Add(2 * time.Hour); !first.NextRefresh.Equal(want) {
		t.Fatalf("next refresh %v, want halfway at %v", first.NextRefresh, want)
	}
	checkServed(t, s, leaf, ca, true)

	clk.Advance(time.Hour)
	mustRefresh(t, s)
	if fetches() != 1 {
		t.Fatalf("refreshed %d times before halfway", fetches()-1)
	}
	clk.Advance(time.Hour)
	mustRefresh(t, s)
	second := s.Status()[0]
	if fetches() != 2 || !second.ThisUpdate.After(first.ThisUpdate) {
		t.Fatalf("at halfway: %d fetches, this update %v after %v", fetches(), second.ThisUpdate, first.ThisUpdate)
	}
	if !clk.Now().Before(first.NextUpdate) {
		t.Fatal("the refresh came after the first staple's nextUpdate")
	}

	ca.SetResponderMode(revocationtest.ResponderUnavailable)
	clk.Advance(second.NextRefresh.Sub(clk.Now()))
	var waits []time.Duration
	for clk.Now().Before(second.NextUpdate.Add(time.Hour)) {
		err := s.Refresh(context.Background())
		st := s.Status()[0]
		if err != nil {
			if !strings.Contains(err.Error(), "http status 503") || st.LastError == nil {
				t.Fatalf("refresh error %v, status %+v", err, st)
			}
			waits = append(waits, st.NextRefresh.Sub(clk.Now()))
		}
		checkServed(t, s, leaf, ca, clk.Now().Before(second.NextUpdate))
		clk.Advance(time.Minute)
	}
	wantWaits := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 20 * time.Minute}
	if len(waits) < len(wantWaits) {
		t.Fatalf("backoff waits %v", waits)
	}
	for i, w := range wantWaits {
		if waits[i] != w {
			t.Fatalf("backoff waits %v, want them to start %v", waits, wantWaits)
		}
	}

	ca.SetResponderMode(revocationtest.ResponderNormal)
	clk.Advance(20 * time.Minute)
	mustRefresh(t, s)
	if st := s.Status()[0]; !st.Serving || st.Failures != 0 || st.LastError != nil {
		t.Fatalf("after recovery: %+v", st)
	}
	checkServed(t, s, leaf, ca, true)
}

// mustRefresh runs a Refresh that must succeed.
func mustRefresh(t *testing.T, s *revocation.Stapler) {
	t.Helper()
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// checkServed checks whether the Stapler serves a staple, that a server
// using it sends exactly that staple, and that a served staple is current.
func checkServed(t *testing.T, s *revocation.Stapler, leaf *revocationtest.Leaf, ca *revocationtest.CA, want bool) {
	t.Helper()
	staple := s.OCSPStaple(leaf.Chain)
	if (staple != nil) != want {
		t.Fatalf("at %v: serving %v, want %v", ca.Now(), staple != nil, want)
	}
	scfg := serverConfig(leaf)
	scfg.OCSPStapler = s
	state, err := connect(t, clientConfig(ca, gotls.RevocationOff), scfg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(state.OCSPResponse, staple) {
		t.Fatalf("the client received a staple of %d bytes, the stapler serves %d", len(state.OCSPResponse), len(staple))
	}
	if staple == nil {
		return
	}
	resp, err := ocsp.ParseResponse(staple, ca.Cert)
	if err != nil {
		t.Fatal(err)
	}
	if !ca.Now().Before(resp.NextUpdate) {
		t.Fatalf("served a staple that expired at %v at %v", resp.NextUpdate, ca.Now())
	}
}

// TestStaplerFileAndSeveralCertificates serves two certificates: one
// staple read from a file, one fetched. Each chain gets its own; a file
// replaced by a bad response does not replace a good staple; a missing
// file fails the refresh.
func TestStaplerFileAndSeveralCertificates(t *testing.T) {
	clk := newClock()
	ca := revocationtest.New(t, revocationtest.Options{Now: clk.Now})
	fromFile := ca.Issue(t, revocationtest.LeafOptions{NoOCSP: true})
	fetched := ca.Issue(t, revocationtest.LeafOptions{})
	path := filepath.Join(t.TempDir(), "staple.der")
	writeResponse(t, ca, fromFile, path, revocationtest.ResponseOptions{Status: ocsp.Good})
	s := revocation.NewStapler(revocation.StaplerOptions{Now: clk.Now})
	if err := s.AddFile(fromFile.Chain, path); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(fetched.Chain); err != nil {
		t.Fatal(err)
	}
	mustRefresh(t, s)
	for _, l := range []*revocationtest.Leaf{fromFile, fetched} {
		resp, err := ocsp.ParseResponseForCert(s.OCSPStaple(l.Chain), l.Cert, ca.Cert)
		if err != nil || resp.SerialNumber.Cmp(l.Cert.SerialNumber) != 0 {
			t.Fatalf("staple for %v: %v", l.Cert.SerialNumber, err)
		}
	}
	if sts := s.Status(); len(sts) != 2 || !strings.HasPrefix(sts[0].Source, "file ") || !strings.HasPrefix(sts[1].Source, "ocsp http://127.0.0.1:") {
		t.Fatalf("status %+v", sts)
	}
	good := s.OCSPStaple(fromFile.Chain)
	writeResponse(t, ca, fromFile, path, revocationtest.ResponseOptions{Mode: revocationtest.ResponderWrongKey})
	clk.Advance(31 * time.Minute)
	if err := s.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "signature does not verify") {
		t.Fatalf("refresh with a forged file: %v", err)
	}
	if !bytes.Equal(s.OCSPStaple(fromFile.Chain), good) {
		t.Fatal("a failed refresh replaced the good staple")
	}
	os.Remove(path)
	clk.Advance(2 * time.Minute)
	if err := s.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("refresh with a missing file: %v", err)
	}
	clk.Advance(time.Hour)
	if s.OCSPStaple(fromFile.Chain) != nil {
		t.Fatal("an expired staple is served")
	}
}

// writeResponse writes an OCSP response about leaf to path.
func writeResponse(t *testing.T, ca *revocationtest.CA, leaf *revocationtest.Leaf, path string, o revocationtest.ResponseOptions) {
	t.Helper()
	der, err := ca.Response(leaf.Cert, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, der, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestStaplerAddErrors rejects chains a Stapler cannot serve.
func TestStaplerAddErrors(t *testing.T) {
	ca := revocationtest.New(t, revocationtest.Options{})
	leaf := ca.Issue(t, revocationtest.LeafOptions{})
	noOCSP := ca.Issue(t, revocationtest.LeafOptions{NoOCSP: true})
	s := revocation.NewStapler(revocation.StaplerOptions{})
	tests := []struct {
		name  string
		add   func() error
		words string
	}{
		{"empty chain", func() error { return s.Add(nil) }, "empty certificate chain"},
		{"garbage", func() error { return s.Add([][]byte{[]byte("x")}) }, "cannot parse the leaf"},
		{"bad issuer", func() error { return s.Add([][]byte{leaf.Chain[0], []byte("x")}) }, "cannot parse the issuer"},
		{"no issuer", func() error { return s.Add(leaf.Chain[:1]) }, "has no issuer certificate"},
		{"no responder", func() error { return s.Add(noOCSP.Chain) }, "names no ocsp responder"},
		{"first", func() error { return s.Add(leaf.Chain) }, ""},
		{"duplicate", func() error { return s.AddFile(leaf.Chain, "x") }, "already registered"},
	}
	for _, tt := range tests {
		err := tt.add()
		if tt.words == "" && err != nil || tt.words != "" && (err == nil || !strings.Contains(err.Error(), tt.words)) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.words)
		}
	}
	if s.OCSPStaple(nil) != nil || s.OCSPStaple(noOCSP.Chain) != nil {
		t.Error("a staple for an unregistered chain")
	}
}

// TestStaplerStartStop runs the background refresher with the real clock.
func TestStaplerStartStop(t *testing.T) {
	ca := revocationtest.New(t, revocationtest.Options{})
	leaf := ca.Issue(t, revocationtest.LeafOptions{})
	s := revocation.NewStapler(revocation.StaplerOptions{})
	if err := s.Add(leaf.Chain); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if s.OCSPStaple(leaf.Chain) == nil {
		t.Fatal("no staple after Start")
	}
	if next := s.NextRefresh(); next.Before(time.Now()) {
		t.Fatalf("next refresh %v is past", next)
	}
	s.Stop()
	s.Stop()
}
