package handshake_test

import (
	"crypto"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"gotls/internal/handshake"
	"gotls/revocation/revocationtest"
)

// TestVerifyOCSPResponse checks responses of every kind against a leaf
// and its issuer: each either verifies with the expected status and
// signer, or fails with the expected words.
func TestVerifyOCSPResponse(t *testing.T) {
	ca := revocationtest.New(t, revocationtest.Options{})
	other := revocationtest.New(t, revocationtest.Options{Name: "another CA"})
	leaf := ca.Issue(t, revocationtest.LeafOptions{})
	otherLeaf := ca.Issue(t, revocationtest.LeafOptions{})
	// A leaf of another CA with the same serial number as leaf.
	var twin *revocationtest.Leaf
	for twin == nil || twin.Cert.SerialNumber.Cmp(leaf.Cert.SerialNumber) < 0 {
		twin = other.Issue(t, revocationtest.LeafOptions{})
	}
	if twin.Cert.SerialNumber.Cmp(leaf.Cert.SerialNumber) != 0 {
		t.Fatal("the other CA skipped the leaf's serial number")
	}
	now := ca.Now()
	resp := func(o revocationtest.ResponseOptions) []byte {
		der, err := ca.Response(leaf.Cert, o)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	twinResp, err := other.Response(twin.Cert, revocationtest.ResponseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	otherResp, err := ca.Response(otherLeaf.Cert, revocationtest.ResponseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		der       []byte
		at        time.Time
		status    handshake.CertStatus
		responder string
		errSubstr string
	}{
		{name: "good from the issuer", der: resp(revocationtest.ResponseOptions{Status: ocsp.Good}),
			status: handshake.CertStatusGood, responder: "the issuer"},
		{name: "revoked", der: resp(revocationtest.ResponseOptions{Status: ocsp.Revoked, RevocationReason: 1}),
			status: handshake.CertStatusRevoked},
		{name: "unknown", der: resp(revocationtest.ResponseOptions{Status: ocsp.Unknown}), status: handshake.CertStatusUnknown},
		{name: "sha256 certid", der: resp(revocationtest.ResponseOptions{IssuerHash: crypto.SHA256}), status: handshake.CertStatusGood},
		{name: "delegated responder", der: resp(revocationtest.ResponseOptions{Mode: revocationtest.ResponderDelegated}),
			status: handshake.CertStatusGood, responder: "delegated responder"},
		{name: "delegated responder without ocsp signing", der: resp(revocationtest.ResponseOptions{Mode: revocationtest.ResponderDelegatedNoEKU}),
			errSubstr: "lacks the ocsp signing extended key usage"},
		{name: "delegated responder expired", der: resp(revocationtest.ResponseOptions{Mode: revocationtest.ResponderDelegated,
			ThisUpdate: now.Add(100 * 24 * time.Hour)}), at: now.Add(100*24*time.Hour + time.Minute),
			errSubstr: "whose certificate is valid only from"},
		{name: "wrong key", der: resp(revocationtest.ResponseOptions{Mode: revocationtest.ResponderWrongKey}),
			errSubstr: "signature does not verify with the key of issuer"},
		{name: "expired", der: resp(revocationtest.ResponseOptions{ThisUpdate: now.Add(-2 * time.Hour), NextUpdate: now.Add(-time.Hour)}),
			errSubstr: "ocsp response expired at"},
		{name: "expires exactly now", der: resp(revocationtest.ResponseOptions{ThisUpdate: now.Add(-time.Hour), NextUpdate: now}),
			errSubstr: "ocsp response expired at"},
		{name: "not yet valid", der: resp(revocationtest.ResponseOptions{ThisUpdate: now.Add(time.Hour)}),
			errSubstr: "ocsp response is not valid before"},
		{name: "within clock skew", der: resp(revocationtest.ResponseOptions{ThisUpdate: now.Add(time.Minute)}),
			status: handshake.CertStatusGood},
		{name: "no next update, recent", der: resp(revocationtest.ResponseOptions{OmitNextUpdate: true}),
			status: handshake.CertStatusGood},
		{name: "no next update, a day old", der: resp(revocationtest.ResponseOptions{OmitNextUpdate: true}),
			at: now.Add(25 * time.Hour), errSubstr: "ocsp response expired at"},
		{name: "about another certificate", der: otherResp, errSubstr: "no response matching the supplied certificate"},
		{name: "same serial from another issuer", der: twinResp, errSubstr: "certificate of another issuer"},
		{name: "try later", der: ocsp.TryLaterErrorResponse, errSubstr: "try later"},
		{name: "garbage", der: []byte("not an ocsp response"), errSubstr: "cannot use ocsp response"},
		{name: "empty", der: nil, errSubstr: "cannot use ocsp response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := tt.at
			if at.IsZero() {
				at = now
			}
			issuer := ca.Cert
			res, err := handshake.VerifyOCSPResponse(tt.der, leaf.Cert, issuer, at)
			if tt.errSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errSubstr) {
					t.Fatalf("error %v, want one containing %q", err, tt.errSubstr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if res.Status != tt.status {
				t.Errorf("status %v, want %v", res.Status, tt.status)
			}
			if tt.responder != "" && !strings.HasPrefix(res.Responder, tt.responder) {
				t.Errorf("responder %q, want %q", res.Responder, tt.responder)
			}
			if !res.NextUpdate.After(res.ThisUpdate) {
				t.Errorf("next update %v not after this update %v", res.NextUpdate, res.ThisUpdate)
			}
		})
	}
}

// TestVerifyOCSPResponseRevocationDetails checks the revocation time and
// reason of a revoked answer and their names.
func TestVerifyOCSPResponseRevocationDetails(t *testing.T) {
	ca := revocationtest.New(t, revocationtest.Options{})
	leaf := ca.Issue(t, revocationtest.LeafOptions{})
	der, err := ca.Response(leaf.Cert, revocationtest.ResponseOptions{Status: ocsp.Revoked, RevocationReason: ocsp.KeyCompromise})
	if err != nil {
		t.Fatal(err)
	}
	res, err := handshake.VerifyOCSPResponse(der, leaf.Cert, ca.Cert, ca.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res.RevocationReason != ocsp.KeyCompromise || res.RevokedAt.IsZero() {
		t.Errorf("reason %d, revoked at %v", res.RevocationReason, res.RevokedAt)
	}
	names := map[int]string{0: "unspecified", 1: "keyCompromise", 6: "certificateHold", 10: "aACompromise", 7: "reason(7)"}
	for code, want := range names {
		if got := handshake.RevocationReasonName(code); got != want {
			t.Errorf("reason %d named %q, want %q", code, got, want)
		}
	}
	if _, err := handshake.VerifyOCSPResponse(der, leaf.Cert, nil, ca.Now()); err == nil {
		t.Error("a missing issuer was accepted")
	}
}

// TestCertStatusAndPolicyNames checks the String methods.
func TestCertStatusAndPolicyNames(t *testing.T) {
	tests := []struct{ got, want string }{
		{handshake.CertStatusGood.String(), "good"},
		{handshake.CertStatusRevoked.String(), "revoked"},
		{handshake.CertStatusUnknown.String(), "unknown"},
		{handshake.CertStatus(9).String(), "CertStatus(9)"},
		{handshake.RevocationOff.String(), "off"},
		{handshake.RevocationSoftFail.String(), "soft"},
		{handshake.RevocationHardFail.String(), "hard"},
		{handshake.RevocationPolicy(7).String(), "RevocationPolicy(7)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
