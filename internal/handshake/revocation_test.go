package handshake_test

import (
	"crypto/rand"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/ocsp"

	"gotls/internal/handshake"
	"gotls/internal/wire"
	"gotls/revocation/revocationtest"
)

// fakeChecker answers revocation queries from memory and counts them.
type fakeChecker struct {
	ocsp     []byte
	ocspErr  error
	crl      *x509.RevocationList
	crlErr   error
	queries  int
	crlFetch int
}

func (f *fakeChecker) QueryOCSP(url string, leaf, issuer *x509.Certificate) ([]byte, error) {
	f.queries++
	return f.ocsp, f.ocspErr
}

func (f *fakeChecker) FetchCRL(url string, issuer *x509.Certificate) (*x509.RevocationList, error) {
	f.crlFetch++
	return f.crl, f.crlErr
}

// revocationPKI is a revocation test CA with a plain and a Must-Staple
// leaf, and ready-made OCSP responses and CRLs about the plain one.
type revocationPKI struct {
	ca               *revocationtest.CA
	leaf, mustStaple *revocationtest.Leaf
	good, revoked    []byte
	unknown, expired []byte
	goodCRL          *x509.RevocationList
	revokedCRL       *x509.RevocationList
}

func newRevocationPKI(t *testing.T) *revocationPKI {
	t.Helper()
	ca := revocationtest.New(t, revocationtest.Options{})
	p := &revocationPKI{ca: ca, leaf: ca.Issue(t, revocationtest.LeafOptions{}),
		mustStaple: ca.Issue(t, revocationtest.LeafOptions{MustStaple: true})}
	resp := func(o revocationtest.ResponseOptions) []byte {
		der, err := ca.Response(p.leaf.Cert, o)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	p.good = resp(revocationtest.ResponseOptions{Status: ocsp.Good})
	p.revoked = resp(revocationtest.ResponseOptions{Status: ocsp.Revoked, RevocationReason: ocsp.KeyCompromise})
	p.unknown = resp(revocationtest.ResponseOptions{Status: ocsp.Unknown})
	p.expired = resp(revocationtest.ResponseOptions{ThisUpdate: ca.Now().AddDate(0, 0, -2), NextUpdate: ca.Now().AddDate(0, 0, -1)})
	p.goodCRL = p.crl(t)
	ca.Revoke(p.leaf.Cert, ocsp.Superseded)
	p.revokedCRL = p.crl(t)
	return p
}

func (p *revocationPKI) crl(t *testing.T) *x509.RevocationList {
	t.Helper()
	der, err := p.ca.CRL(revocationtest.CRLNormal)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	return crl
}

// configs returns a client that trusts the CA with a clock, and a server
// that presents leaf with the staple.
func (p *revocationPKI) configs(leaf *revocationtest.Leaf, staple []byte, policy handshake.RevocationPolicy) (c, s *handshake.Config) {
	c = &handshake.Config{Rand: rand.Reader, ServerName: "localhost", RootCAs: p.ca.Pool, Time: p.ca.Now,
		RevocationPolicy: policy}
	s = &handshake.Config{Rand: rand.Reader, Certificates: []*handshake.Certificate{{
		Chain: leaf.Chain, PrivateKey: leaf.Key, OCSPStaple: staple}}}
	return c, s
}

// TestClientRevocationPolicy runs TLS 1.3 handshakes in memory through
// every revocation outcome: the alert, the source and status of the
// RevocationError, and whether soft-fail warned.
func TestClientRevocationPolicy(t *testing.T) {
	p := newRevocationPKI(t)
	down := errors.New("connection refused")
	soft, hard := handshake.RevocationSoftFail, handshake.RevocationHardFail
	tests := []struct {
		name    string
		leaf    *revocationtest.Leaf
		staple  []byte
		policy  handshake.RevocationPolicy
		checker *fakeChecker
		alert   wire.Alert // 0: success
		source  string
		status  string
		warned  bool
	}{
		{name: "off ignores a bad staple", staple: []byte("junk"), policy: handshake.RevocationOff},
		{name: "good staple", staple: p.good, policy: hard},
		{name: "revoked staple", staple: p.revoked, policy: soft, alert: wire.AlertCertificateRevoked, source: "staple", status: "revoked"},
		{name: "invalid staple fails soft-fail too", staple: []byte("junk"), policy: soft,
			alert: wire.AlertBadCertificateStatusResponse, source: "staple", status: "invalid"},
		{name: "expired staple", staple: p.expired, policy: soft, alert: wire.AlertBadCertificateStatusResponse, source: "staple", status: "invalid"},
		{name: "unknown staple, crl good", staple: p.unknown, policy: hard, checker: &fakeChecker{ocspErr: down, crl: p.goodCRL}},
		{name: "unknown staple, nothing else, hard", staple: p.unknown, policy: hard, checker: &fakeChecker{ocspErr: down, crlErr: down},
			alert: wire.AlertCertificateUnknown, status: "unavailable"},
		{name: "must-staple without staple", leaf: p.mustStaple, policy: soft, checker: &fakeChecker{ocsp: p.good},
			alert: wire.AlertBadCertificateStatusResponse, source: "staple", status: "missing"},
		{name: "must-staple ignored when off", leaf: p.mustStaple, policy: handshake.RevocationOff},
		{name: "ocsp good", policy: hard, checker: &fakeChecker{ocsp: p.good}},
		{name: "ocsp revoked", policy: soft, checker: &fakeChecker{ocsp: p.revoked}, alert: wire.AlertCertificateRevoked, source: "ocsp", status: "revoked"},
		{name: "ocsp down, crl revoked", policy: soft, checker: &fakeChecker{ocspErr: down, crl: p.revokedCRL},
			alert: wire.AlertCertificateRevoked, source: "crl", status: "revoked"},
		{name: "ocsp invalid, crl good", policy: hard, checker: &fakeChecker{ocsp: p.expired, crl: p.goodCRL}},
		{name: "everything down, soft", policy: soft, checker: &fakeChecker{ocspErr: down, crlErr: down}, warned: true},
		{name: "everything down, hard", policy: hard, checker: &fakeChecker{ocspErr: down, crlErr: down},
			alert: wire.AlertCertificateUnknown, status: "unavailable"},
		{name: "no checker, soft", policy: soft, warned: true},
		{name: "no checker, hard", policy: hard, alert: wire.AlertCertificateUnknown, status: "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaf := tt.leaf
			if leaf == nil {
				leaf = p.leaf
			}
			ccfg, scfg := p.configs(leaf, tt.staple, tt.policy)
			if tt.checker != nil {
				ccfg.Revocation = tt.checker
			}
			var warnings []*handshake.RevocationError
			ccfg.RevocationWarning = func(e *handshake.RevocationError) { warnings = append(warnings, e) }
			client, server := runHandshake(t, ccfg, scfg)
			if (len(warnings) > 0) != tt.warned {
				t.Errorf("warnings %v, want warned %v", warnings, tt.warned)
			}
			if tt.alert == 0 {
				mustSucceed(t, client, server)
				return
			}
			checkRevocationFailure(t, client.Err, tt.alert, tt.source, tt.status)
			if a := remoteAlertOf(server.Err); a != tt.alert {
				t.Errorf("server error %v, want the peer's %v", server.Err, tt.alert)
			}
		})
	}
}

// checkRevocationFailure checks the alert of err and the revocation error
// it carries.
func checkRevocationFailure(t *testing.T, err error, alert wire.Alert, source, status string) {
	t.Helper()
	if a := alertOf(err); a != alert {
		t.Fatalf("client error %v, want alert %v", err, alert)
	}
	var cve *handshake.CertificateVerificationError
	var re *handshake.RevocationError
	if !errors.As(err, &cve) || cve.Check != "revocation" || !errors.As(err, &re) {
		t.Fatalf("error %v carries no revocation CertificateVerificationError", err)
	}
	if re.Source != source || re.Status != status {
		t.Errorf("source %q status %q, want %q %q (%v)", re.Source, re.Status, source, status, re)
	}
	if !strings.Contains(err.Error(), "certificate verification failed: revocation: ") {
		t.Errorf("error text %q", err)
	}
}

// TestClientRevocationSkipsAndLimits covers the cases with nothing to
// check, the missing clock, the bound on URLs asked, and the trace.
func TestClientRevocationSkipsAndLimits(t *testing.T) {
	p := newRevocationPKI(t)
	t.Run("insecure skip verify", func(t *testing.T) {
		ccfg, scfg := p.configs(p.leaf, nil, handshake.RevocationHardFail)
		ccfg.InsecureSkipVerify = true
		handshakeOK(t, ccfg, scfg)
	})
	t.Run("no clock", func(t *testing.T) {
		ccfg, scfg := p.configs(p.leaf, p.good, handshake.RevocationHardFail)
		ccfg.Time = nil
		client, _ := runHandshake(t, ccfg, scfg)
		if alertOf(client.Err) != wire.AlertInternalError {
			t.Fatalf("error %v", client.Err)
		}
	})
	t.Run("many urls", func(t *testing.T) {
		leaf := p.ca.Issue(t, revocationtest.LeafOptions{OCSPServers: []string{"http://a", "http://b", "http://c", "http://d"},
			CRLURLs: []string{"http://e", "http://f", "http://g"}})
		ccfg, scfg := p.configs(leaf, nil, handshake.RevocationSoftFail)
		fc := &fakeChecker{ocspErr: errors.New("down"), crlErr: errors.New("down")}
		ccfg.Revocation = fc
		var warning *handshake.RevocationError
		ccfg.RevocationWarning = func(e *handshake.RevocationError) { warning = e }
		handshakeOK(t, ccfg, scfg)
		if fc.queries != 2 || fc.crlFetch != 2 {
			t.Errorf("%d queries and %d fetches, want 2 each", fc.queries, fc.crlFetch)
		}
		want := "unavailable: ocsp http://a: unavailable: down; ocsp http://b: unavailable: down; crl http://e: unavailable: down; crl http://f: unavailable: down"
		if warning == nil || warning.Error() != want {
			t.Errorf("warning %q, want %q", warning, want)
		}
	})
	t.Run("trace", func(t *testing.T) {
		ccfg, scfg := p.configs(p.leaf, p.good, handshake.RevocationHardFail)
		var steps []string
		ccfg.Trace = func(e handshake.Event) {
			if e.Step == "check revocation" {
				steps = append(steps, e.Detail)
			}
		}
		handshakeOK(t, ccfg, scfg)
		if len(steps) != 1 || !strings.Contains(steps[0], "stapled OCSP response: good, signed by the issuer") {
			t.Errorf("trace %q", steps)
		}
	})
}

// handshakeOK runs a handshake that must succeed.
func handshakeOK(t *testing.T, c, s *handshake.Config) {
	t.Helper()
	client, server := runHandshake(t, c, s)
	mustSucceed(t, client, server)
}
