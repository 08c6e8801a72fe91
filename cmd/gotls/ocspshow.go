package main

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"

	"gotls"
)

// parseRevocationPolicy parses -revocation: off, soft or hard.
func parseRevocationPolicy(s string) (gotls.RevocationPolicy, error) {
	for _, p := range []gotls.RevocationPolicy{gotls.RevocationOff, gotls.RevocationSoftFail, gotls.RevocationHardFail} {
		if strings.EqualFold(s, p.String()) {
			return p, nil
		}
	}
	return gotls.RevocationOff, fmt.Errorf("unknown -revocation %q: want off, soft or hard", s)
}

// describeStaple decodes a DER OCSP response for people, with openssl's
// labels, without judging it: the verdict is the handshake's. leaf, when
// known, picks the response about it.
func describeStaple(der []byte, leaf *x509.Certificate, now time.Time) []string {
	if len(der) == 0 {
		return []string{"OCSP response: no response sent"}
	}
	lines := []string{fmt.Sprintf("OCSP response: %d bytes stapled by the server", len(der))}
	resp, err := parseStaple(der, leaf)
	var re ocsp.ResponseError
	switch {
	case errors.As(err, &re):
		return append(lines, "    Response Status: "+re.Status.String())
	case resp == nil:
		return append(lines, "    cannot decode the response: "+err.Error())
	case err != nil:
		lines = append(lines, "    Warning: "+err.Error())
	}
	lines = append(lines, "    Response Status: successful", "    Responder Id: "+responderID(resp))
	if resp.Certificate != nil {
		lines = append(lines, "    Responder Certificate: "+resp.Certificate.Subject.String()+" (sent in the response)")
	}
	lines = append(lines,
		"    Produced At: "+stamp(resp.ProducedAt),
		"    Serial Number: "+serialHex(resp.SerialNumber),
		"    Cert Status: "+statusName(resp.Status))
	if resp.Status == ocsp.Revoked {
		lines = append(lines,
			"    Revocation Time: "+stamp(resp.RevokedAt),
			fmt.Sprintf("    Revocation Reason: %s (%d)", reasonName(resp.RevocationReason), resp.RevocationReason))
	}
	lines = append(lines, "    This Update: "+stamp(resp.ThisUpdate))
	if resp.NextUpdate.IsZero() {
		return append(lines, "    Next Update: none")
	}
	left := resp.NextUpdate.Sub(now).Round(time.Second)
	when := fmt.Sprintf(" (in %s)", left)
	if left <= 0 {
		when = fmt.Sprintf(" (EXPIRED %s ago)", -left)
	}
	return append(lines, "    Next Update: "+stamp(resp.NextUpdate)+when)
}

// parseStaple decodes the response about leaf, or else the only response
// it holds, returning both the response and the reason the first attempt
// failed.
func parseStaple(der []byte, leaf *x509.Certificate) (*ocsp.Response, error) {
	if leaf == nil {
		return ocsp.ParseResponse(der, nil)
	}
	resp, err := ocsp.ParseResponseForCert(der, leaf, nil)
	if err == nil {
		return resp, nil
	}
	var re ocsp.ResponseError
	if errors.As(err, &re) {
		return nil, err
	}
	if only, err2 := ocsp.ParseResponse(der, nil); err2 == nil {
		return only, fmt.Errorf("the response is not about the server's certificate: %v", err)
	}
	return nil, err
}

// responderID names the responder by subject or by key hash.
func responderID(resp *ocsp.Response) string {
	if resp.RawResponderName != nil {
		var rdn pkix.RDNSequence
		if _, err := asn1.Unmarshal(resp.RawResponderName, &rdn); err == nil {
			var name pkix.Name
			name.FillFromRDNSequence(&rdn)
			return name.String()
		}
	}
	hex := make([]string, len(resp.ResponderKeyHash))
	for i, b := range resp.ResponderKeyHash {
		hex[i] = fmt.Sprintf("%02X", b)
	}
	return "key hash " + strings.Join(hex, ":")
}

// stamp formats a time in UTC.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.UTC().Format(time.RFC3339)
}

// revocationStep is the handshake trace step of revocation checks.
const revocationStep = "check revocation"

// revocationReport collects what the handshake said about revocation: the
// details of its "check revocation" steps and soft-fail warnings.
type revocationReport struct {
	policy gotls.RevocationPolicy

	mu       sync.Mutex
	checks   []string
	warnings []error
}

// observe records a handshake event about revocation.
func (r *revocationReport) observe(ev gotls.HandshakeEvent) {
	if !ev.Client || ev.Step != revocationStep {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks = append(r.checks, ev.Detail)
}

// warn records a soft-fail warning.
func (r *revocationReport) warn(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.warnings = append(r.warnings, err)
}

// verdict sums up the revocation check of a handshake that ended with
// err (nil on success).
func (r *revocationReport) verdict(err error) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	label := "revocation (" + r.policy.String() + "): "
	var rerr *gotls.RevocationError
	switch {
	case r.policy == gotls.RevocationOff:
		return "revocation: not checked (-revocation off; use -revocation soft or hard to verify the staple or ask the CA)"
	case errors.As(err, &rerr):
		return label + strings.ToUpper(rerr.Status) + ": " + rerr.Error()
	case err != nil:
		return label + "not reached: the handshake failed first"
	case len(r.warnings) > 0:
		return label + "UNAVAILABLE, continuing (soft-fail): " + r.warnings[len(r.warnings)-1].Error()
	case len(r.checks) == 0:
		return label + "not checked"
	}
	last := r.checks[len(r.checks)-1]
	if strings.HasPrefix(last, "skipped") {
		return label + "not checked: " + last
	}
	return label + "good: " + last
}
