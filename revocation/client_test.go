package revocation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"gotls"
	"gotls/internal/wire"
	"gotls/revocation"
	"gotls/revocation/revocationtest"
)

// TestClientRevocationOverHTTP runs our client against our server with a
// CA whose OCSP responder and CRL server are real HTTP servers on
// 127.0.0.1, through every documented outcome: success, the alert, the
// RevocationError's source and status, words of the error, and whether
// soft-fail warned.
func TestClientRevocationOverHTTP(t *testing.T) {
	soft, hard := gotls.RevocationSoftFail, gotls.RevocationHardFail
	noCRL := revocationtest.LeafOptions{NoCRL: true}
	tests := []struct {
		name   string
		leaf   revocationtest.LeafOptions
		setup  func(ca *revocationtest.CA, leaf *revocationtest.Leaf)
		staple bool // the server staples through a revocation.Stapler
		policy gotls.RevocationPolicy
		alert  gotls.Alert // 0: the handshake succeeds
		source string
		status string
		words  string
		warned bool
	}{
		{name: "good by ocsp", policy: hard},
		{name: "good by staple", staple: true, policy: hard},
		{name: "revoked by ocsp", policy: soft, alert: wire.AlertCertificateRevoked, source: "ocsp", status: "revoked",
			setup: func(ca *revocationtest.CA, l *revocationtest.Leaf) { ca.Revoke(l.Cert, ocsp.KeyCompromise) }, words: "reason keyCompromise"},
		{name: "revoked by staple", staple: true, policy: soft, alert: wire.AlertCertificateRevoked, source: "staple", status: "revoked",
			setup: func(ca *revocationtest.CA, l *revocationtest.Leaf) { ca.Revoke(l.Cert, ocsp.Superseded) }, words: "reason superseded"},
		{name: "unknown, crl good", policy: hard,
			setup: func(ca *revocationtest.CA, l *revocationtest.Leaf) { ca.Forget(l.Cert) }},
		{name: "unknown, no crl, soft", leaf: noCRL, policy: soft, warned: true,
			setup: func(ca *revocationtest.CA, l *revocationtest.Leaf) { ca.Forget(l.Cert) }},
		{name: "unknown, no crl, hard", leaf: noCRL, policy: hard, alert: wire.AlertCertificateUnknown, status: "unavailable",
			setup: func(ca *revocationtest.CA, l *revocationtest.Leaf) { ca.Forget(l.Cert) }, words: "does not know the certificate"},
		{name: "expired response, hard", leaf: noCRL, policy: hard, alert: wire.AlertCertificateUnknown, status: "unavailable",
			setup: mode(revocationtest.ResponderExpired), words: "ocsp response expired at"},
		{name: "expired response, soft", leaf: noCRL, policy: soft, warned: true, setup: mode(revocationtest.ResponderExpired)},
		{name: "wrong key, hard", leaf: noCRL, policy: hard, alert: wire.AlertCertificateUnknown, status: "unavailable",
			setup: mode(revocationtest.ResponderWrongKey), words: "signature does not verify"},
		{name: "wrong key, crl revoked", policy: hard, alert: wire.AlertCertificateRevoked, source: "crl", status: "revoked",
			setup: func(ca *revocationtest.CA, l *revocationtest.Leaf) {
				ca.SetResponderMode(revocationtest.ResponderWrongKey)
				ca.Revoke(l.Cert, ocsp.KeyCompromise)
			}},
		{name: "delegated responder", leaf: noCRL, policy: hard, setup: mode(revocationtest.ResponderDelegated)},
		{name: "delegated responder without ocsp signing", leaf: noCRL, policy: hard, alert: wire.AlertCertificateUnknown,
			status: "unavailable", setup: mode(revocationtest.ResponderDelegatedNoEKU), words: "lacks the ocsp signing"},
		{name: "try later", leaf: noCRL, policy: hard, alert: wire.AlertCertificateUnknown, status: "unavailable",
			setup: mode(revocationtest.ResponderTryLater), words: "try later"},
		{name: "responder down, soft", leaf: noCRL, policy: soft, warned: true,
			setup: func(ca *revocationtest.CA, l *revocationtest.Leaf) { ca.CloseOCSP() }},
		{name: "responder down, hard", leaf: noCRL, policy: hard, alert: wire.AlertCertificateUnknown, status: "unavailable",
			setup: func(ca *revocationtest.CA, l *revocationtest.Leaf) { ca.CloseOCSP() }, words: "connection refused"},
		{name: "responder down, crl good", policy: hard,
			setup: func(ca *revocationtest.CA, l *revocationtest.Leaf) { ca.CloseOCSP() }},
		{name: "responder down, crl revoked", policy: soft, alert: wire.AlertCertificateRevoked, source: "crl", status: "revoked",
			setup: func(ca *revocationtest.CA, l *revocationtest.Leaf) { ca.CloseOCSP(); ca.Revoke(l.Cert, 1) }},
		{name: "responder unavailable, crl expired, hard", policy: hard, alert: wire.AlertCertificateUnknown, status: "unavailable",
			setup: func(ca *revocationtest.CA, l *revocationtest.Leaf) {
				ca.SetResponderMode(revocationtest.ResponderUnavailable)
				ca.SetCRLMode(revocationtest.CRLExpired)
			}, words: "http status 503"},
		{name: "must-staple without staple", leaf: revocationtest.LeafOptions{MustStaple: true}, policy: soft,
			alert: wire.AlertBadCertificateStatusResponse, source: "staple", status: "missing", words: "rfc 7633"},
		{name: "must-staple with staple", leaf: revocationtest.LeafOptions{MustStaple: true}, staple: true, policy: hard},
		{name: "off asks nothing", policy: gotls.RevocationOff,
			setup: func(ca *revocationtest.CA, l *revocationtest.Leaf) { ca.Revoke(l.Cert, 1) }},
	}
	for _, v := range tlsVersions {
		for _, tt := range tests {
			t.Run(v.name+"/"+tt.name, func(t *testing.T) {
				ca := revocationtest.New(t, revocationtest.Options{})
				leaf := ca.Issue(t, tt.leaf)
				if tt.setup != nil {
					tt.setup(ca, leaf)
				}
				scfg := serverConfig(leaf)
				if tt.staple {
					scfg.OCSPStapler = fetchedStapler(t, ca, leaf)
				}
				ccfg := clientConfig(ca, tt.policy)
				scfg.MinVersion, scfg.MaxVersion = v.version, v.version
				ccfg.MinVersion, ccfg.MaxVersion = v.version, v.version
				var warnings []error
				ccfg.RevocationWarning = func(err error) { warnings = append(warnings, err) }
				state, err := connect(t, ccfg, scfg)
				if (len(warnings) > 0) != tt.warned {
					t.Errorf("warnings %v, want warned %v", warnings, tt.warned)
				}
				if tt.alert == 0 {
					if err != nil {
						t.Fatalf("handshake failed: %v", err)
					}
					if tt.staple && len(state.OCSPResponse) == 0 {
						t.Error("no staple in the connection state")
					}
					if state.Version != v.version {
						t.Errorf("version %x", state.Version)
					}
					return
				}
				checkFailure(t, err, tt.alert, tt.source, tt.status, tt.words)
			})
		}
	}
}

// mode returns a setup that puts the responder in m.
func mode(m revocationtest.ResponderMode) func(*revocationtest.CA, *revocationtest.Leaf) {
	return func(ca *revocationtest.CA, _ *revocationtest.Leaf) { ca.SetResponderMode(m) }
}

// fetchedStapler returns a Stapler that has fetched leaf's staple from the
// CA's responder.
func fetchedStapler(t *testing.T, ca *revocationtest.CA, leaf *revocationtest.Leaf) *revocation.Stapler {
	t.Helper()
	s := revocation.NewStapler(revocation.StaplerOptions{Now: ca.Now})
	if err := s.Add(leaf.Chain); err != nil {
		t.Fatal(err)
	}
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// checkFailure checks a failed handshake's alert and revocation error.
func checkFailure(t *testing.T, err error, alert gotls.Alert, source, status, words string) {
	t.Helper()
	if err == nil {
		t.Fatalf("handshake succeeded, want alert %v", alert)
	}
	if a := alertOf(err); a != alert {
		t.Fatalf("error %v, want alert %v", err, alert)
	}
	re := revocationErrorOf(err)
	if re == nil {
		t.Fatalf("error %v carries no RevocationError", err)
	}
	if re.Source != source || re.Status != status {
		t.Errorf("source %q status %q, want %q %q: %v", re.Source, re.Status, source, status, re)
	}
	if !strings.Contains(err.Error(), words) {
		t.Errorf("error %q lacks %q", err, words)
	}
}

// TestClientCRLCache: connections that share a Config download the CRL
// once while it is current, and again once it has expired.
func TestClientCRLCache(t *testing.T) {
	clk := newClock()
	ca := revocationtest.New(t, revocationtest.Options{Now: clk.Now})
	leaf := ca.Issue(t, revocationtest.LeafOptions{NoOCSP: true})
	ccfg := clientConfig(ca, gotls.RevocationHardFail)
	for i := range 3 {
		if _, err := connect(t, ccfg, serverConfig(leaf)); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}
	if _, _, _, crls := ca.Counts(); crls != 1 {
		t.Fatalf("%d CRL downloads for three connections", crls)
	}
	clk.Advance(2 * time.Hour)
	if _, err := connect(t, ccfg, serverConfig(leaf)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, crls := ca.Counts(); crls != 2 {
		t.Fatalf("%d CRL downloads after the first CRL expired, want 2", crls)
	}
}
