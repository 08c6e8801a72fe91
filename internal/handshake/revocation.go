package handshake

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"gotls/internal/wire"
)

// RevocationPolicy says whether and how strictly a client checks that the
// server's certificate has not been revoked.
//
// Under both checking policies a stapled OCSP response is verified first
// (signer, CertID, thisUpdate and nextUpdate against Config.Time, status).
// Without a usable answer from the staple, the client asks the leaf's OCSP
// responders and then its CRL distribution points through
// Config.Revocation. A certificate found revoked, an invalid staple, and a
// Must-Staple certificate (RFC 7633) without a staple always fail the
// handshake; the policies differ only when no source gives an answer.
type RevocationPolicy int

// Revocation policies.
const (
	// RevocationOff checks nothing. A staple is recorded in
	// Result.OCSPResponse unverified, as crypto/tls does. The default.
	RevocationOff RevocationPolicy = iota
	// RevocationSoftFail lets the handshake go on when no source can say
	// whether the certificate is revoked, and reports that to
	// Config.RevocationWarning.
	RevocationSoftFail
	// RevocationHardFail ends the handshake with certificate_unknown when
	// no source can say whether the certificate is revoked.
	RevocationHardFail
)

// String names the policy as the command line spells it: "off", "soft"
// or "hard".
func (p RevocationPolicy) String() string {
	switch p {
	case RevocationOff:
		return "off"
	case RevocationSoftFail:
		return "soft"
	case RevocationHardFail:
		return "hard"
	}
	return fmt.Sprintf("RevocationPolicy(%d)", int(p))
}

// RevocationChecker fetches revocation information for a client whose
// server stapled no usable OCSP response. The handshake calls it
// synchronously; an implementation does blocking I/O with a short timeout.
// What it returns is verified by the handshake, never trusted.
type RevocationChecker interface {
	// QueryOCSP asks the OCSP responder at url about leaf, issued by
	// issuer, and returns the DER OCSP response.
	QueryOCSP(url string, leaf, issuer *x509.Certificate) ([]byte, error)
	// FetchCRL returns the CRL that issuer publishes at url. It may come
	// from a cache.
	FetchCRL(url string, issuer *x509.Certificate) (*x509.RevocationList, error)
}

// Statuses a RevocationError reports.
const (
	// RevocationStatusRevoked: the source says the certificate is revoked.
	RevocationStatusRevoked = "revoked"
	// RevocationStatusUnknown: the source does not know the certificate.
	RevocationStatusUnknown = "unknown"
	// RevocationStatusInvalid: the response or CRL failed verification.
	RevocationStatusInvalid = "invalid"
	// RevocationStatusMissing: a Must-Staple certificate came without a
	// staple.
	RevocationStatusMissing = "missing"
	// RevocationStatusUnavailable: the source could not be reached, or no
	// source gave an answer.
	RevocationStatusUnavailable = "unavailable"
)

// RevocationError says what a revocation check looked at and why it
// failed. A failed handshake carries it as the Err of a
// *CertificateVerificationError whose Check is "revocation"; soft-fail
// warnings are RevocationErrors too.
type RevocationError struct {
	// Source is "staple", "ocsp" (a responder queried over HTTP), "crl",
	// or empty when the error sums up every source tried.
	Source string
	// URL is the OCSP responder or CRL distribution point asked, if any.
	URL string
	// Status is one of the RevocationStatus* values.
	Status string
	// Err is the cause. When Source is empty it lists each source tried.
	Err error
}

// Error describes the failure, such as "ocsp http://127.0.0.1:8080:
// unavailable: connection refused".
func (e *RevocationError) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		if e.URL != "" {
			b.WriteString(" " + e.URL)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Status)
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *RevocationError) Unwrap() error { return e.Err }

// attempts lists the sources a revocation check tried without an answer.
type attempts []error

// Error joins the attempts on one line.
func (a attempts) Error() string {
	parts := make([]string, len(a))
	for i, err := range a {
		parts[i] = err.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap returns the attempts, for errors.Is and errors.As.
func (a attempts) Unwrap() []error { return a }

// maxRevocationURLs bounds how many OCSP responders, and how many CRL
// distribution points, one handshake asks, so that a certificate that
// lists many cannot stall it.
const maxRevocationURLs = 2

// checkServerRevocation applies the client's revocation policy to the
// verified server chain. The staple, if any, must already be in
// c.result.OCSPResponse: TLS 1.3 runs this at the end of verifyChain, TLS
// 1.2 once CertificateStatus has arrived or can no longer arrive.
func checkServerRevocation(c *Conn) error {
	if !c.client || c.cfg.RevocationPolicy == RevocationOff {
		return nil
	}
	chains := c.result.VerifiedChains
	if len(chains) == 0 || len(chains[0]) < 2 {
		c.trace("check revocation", "skipped: no verified chain with an issuer (verification skipped, or the leaf is itself trusted)")
		return nil
	}
	rc := &revocationCheck{c: c, leaf: chains[0][0], issuer: chains[0][1], now: c.cfg.now()}
	if rc.now.IsZero() {
		return wire.Fatalf(wire.AlertInternalError, "revocation checking needs the configuration's clock")
	}
	return rc.run()
}

// revocationCheck is one check of a server leaf against its issuer, with
// the sources tried so far.
type revocationCheck struct {
	c      *Conn
	leaf   *x509.Certificate
	issuer *x509.Certificate
	now    time.Time
	tried  attempts
}

// run asks the staple, then OCSP responders, then CRLs, until one gives
// an answer, and applies the policy when none does.
func (rc *revocationCheck) run() error {
	mustStaple, err := RequiresOCSPStaple(rc.leaf)
	if err != nil {
		return rc.fail(wire.AlertBadCertificate, "malformed tls feature extension in the server certificate",
			&RevocationError{Source: "staple", Status: RevocationStatusInvalid, Err: err})
	}
	if staple := rc.c.result.OCSPResponse; len(staple) > 0 {
		if done, err := rc.fromStaple(staple); done || err != nil {
			return err
		}
	} else if mustStaple {
		// RFC 7633, Section 4.2.3.1: a client MUST treat a Must-Staple certificate served without a staple as invalid.
		return rc.fail(wire.AlertBadCertificateStatusResponse, "must-staple server certificate without a stapled ocsp response",
			&RevocationError{Source: "staple", Status: RevocationStatusMissing,
				Err: errors.New("the certificate requires an ocsp staple (tls feature status_request, rfc 7633) and the server sent none")})
	}
	if rc.c.cfg.Revocation == nil {
		rc.tried = append(rc.tried, errors.New("no revocation checker is configured to query ocsp responders or fetch crls"))
		return rc.unavailable()
	}
	for _, url := range firstURLs(rc.leaf.OCSPServer) {
		if done, err := rc.fromOCSP(url); done || err != nil {
			return err
		}
	}
	for _, url := range firstURLs(rc.leaf.CRLDistributionPoints) {
		if done, err := rc.fromCRL(url); done || err != nil {
			return err
		}
	}
	if len(rc.leaf.OCSPServer) == 0 && len(rc.leaf.CRLDistributionPoints) == 0 {
		rc.tried = append(rc.tried, errors.New("the certificate names no ocsp responder and no crl distribution point"))
	}
	return rc.unavailable()
}

// firstURLs returns at most maxRevocationURLs of urls.
func firstURLs(urls []string) []string {
	return urls[:min(len(urls), maxRevocationURLs)]
}

// fromStaple verifies the stapled response. An invalid staple fails the
// handshake whatever the policy.
func (rc *revocationCheck) fromStaple(staple []byte) (bool, error) {
	res, err := VerifyOCSPResponse(staple, rc.leaf, rc.issuer, rc.now)
	if err != nil {
		// RFC 6066, Section 8: a client MUST abort with bad_certificate_status_response when the staple is not satisfactory.
		return true, rc.fail(wire.AlertBadCertificateStatusResponse, "invalid stapled ocsp response",
			&RevocationError{Source: "staple", Status: RevocationStatusInvalid, Err: err})
	}
	if rc.c.tracing() {
		rc.c.trace("check revocation", "stapled OCSP response: %s", res.describe())
	}
	return rc.decide("staple", "", res.Status, res.RevokedAt, res.RevocationReason)
}

// fromOCSP asks one OCSP responder. Failures are recorded, not fatal: a
// network attacker can always block the query.
func (rc *revocationCheck) fromOCSP(url string) (bool, error) {
	der, err := rc.c.cfg.Revocation.QueryOCSP(url, rc.leaf, rc.issuer)
	if err != nil {
		rc.tried = append(rc.tried, &RevocationError{Source: "ocsp", URL: url, Status: RevocationStatusUnavailable, Err: err})
		return false, nil
	}
	res, err := VerifyOCSPResponse(der, rc.leaf, rc.issuer, rc.now)
	if err != nil {
		rc.tried = append(rc.tried, &RevocationError{Source: "ocsp", URL: url, Status: RevocationStatusInvalid, Err: err})
		return false, nil
	}
	if rc.c.tracing() {
		rc.c.trace("check revocation", "OCSP responder %s: %s", url, res.describe())
	}
	return rc.decide("ocsp", url, res.Status, res.RevokedAt, res.RevocationReason)
}

// fromCRL fetches and checks one CRL. Failures are recorded, not fatal.
func (rc *revocationCheck) fromCRL(url string) (bool, error) {
	crl, err := rc.c.cfg.Revocation.FetchCRL(url, rc.issuer)
	if err != nil {
		rc.tried = append(rc.tried, &RevocationError{Source: "crl", URL: url, Status: RevocationStatusUnavailable, Err: err})
		return false, nil
	}
	res, err := CheckCRL(crl, rc.leaf, rc.issuer, rc.now)
	if err != nil {
		rc.tried = append(rc.tried, &RevocationError{Source: "crl", URL: url, Status: RevocationStatusInvalid, Err: err})
		return false, nil
	}
	if rc.c.tracing() {
		rc.c.trace("check revocation", "CRL %s: %s", url, res.describe())
	}
	return rc.decide("crl", url, res.Status, res.RevokedAt, res.RevocationReason)
}

// decide turns one source's answer into the outcome: good ends the check,
// revoked fails it, unknown moves on to the next source.
func (rc *revocationCheck) decide(source, url string, status CertStatus, revokedAt time.Time, reason int) (bool, error) {
	switch status {
	case CertStatusGood:
		return true, nil
	case CertStatusRevoked:
		err := fmt.Errorf("certificate serial %#x was revoked at %s, reason %s",
			rc.leaf.SerialNumber, revokedAt.UTC().Format(time.RFC3339), RevocationReasonName(reason))
		return true, rc.fail(wire.AlertCertificateRevoked, "server certificate revoked",
			&RevocationError{Source: source, URL: url, Status: RevocationStatusRevoked, Err: err})
	}
	rc.tried = append(rc.tried, &RevocationError{Source: source, URL: url, Status: RevocationStatusUnknown,
		Err: errors.New("the source does not know the certificate")})
	return false, nil
}

// unavailable applies the policy when no source gave an answer: soft-fail
// warns and goes on, hard-fail fails with certificate_unknown.
func (rc *revocationCheck) unavailable() error {
	err := &RevocationError{Status: RevocationStatusUnavailable, Err: rc.tried}
	if rc.c.cfg.RevocationPolicy == RevocationHardFail {
		return rc.fail(wire.AlertCertificateUnknown, "revocation status of the server certificate is unavailable", err)
	}
	if rc.c.tracing() {
		rc.c.trace("check revocation", "soft-fail: no source could answer, continuing: %v", err)
	}
	if f := rc.c.cfg.RevocationWarning; f != nil {
		f(err)
	}
	return nil
}

// fail traces and returns a fatal error that carries the revocation
// failure inside a CertificateVerificationError.
func (rc *revocationCheck) fail(a wire.Alert, reason string, err *RevocationError) error {
	if rc.c.tracing() {
		rc.c.trace("check revocation", "failed: %v", err)
	}
	cve := &CertificateVerificationError{Check: "revocation", Name: rc.leaf.Subject.String(), Err: err,
		Certs: rc.c.result.PeerCertificates}
	return wire.Fatal(a, reason, cve)
}
