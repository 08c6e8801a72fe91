package gotls

import (
	"context"
	"crypto/x509"
	"time"

	"gotls/internal/handshake"
	"gotls/revocation"
)

// RevocationPolicy says whether and how strictly a client checks that the
// server's certificate has not been revoked. A stapled OCSP response is
// verified first; without a usable one the client asks the certificate's
// OCSP responders, then its CRL distribution points, through
// Config.RevocationChecker. A certificate found revoked
// (certificate_revoked), an invalid staple and a Must-Staple certificate
// without a staple (bad_certificate_status_response) fail the handshake
// under both checking policies; they differ only when no source answers.
type RevocationPolicy = handshake.RevocationPolicy

// Revocation policies.
const (
	// RevocationOff checks nothing; the default, as in crypto/tls.
	RevocationOff = handshake.RevocationOff
	// RevocationSoftFail goes on when no source answers, and reports that
	// to Config.RevocationWarning.
	RevocationSoftFail = handshake.RevocationSoftFail
	// RevocationHardFail fails the handshake with certificate_unknown when
	// no source answers.
	RevocationHardFail = handshake.RevocationHardFail
)

// RevocationError says what a revocation check looked at and why it
// failed. A failed handshake carries it inside a
// *CertificateVerificationError whose Check is "revocation".
type RevocationError = handshake.RevocationError

// RevocationChecker queries OCSP responders and downloads CRLs for a
// client. *revocation.Checker implements it.
type RevocationChecker interface {
	// QueryOCSP asks the responder at url about leaf, issued by issuer,
	// and returns the DER OCSP response; the handshake verifies it.
	QueryOCSP(ctx context.Context, url string, leaf, issuer *x509.Certificate) ([]byte, error)
	// FetchCRL returns the CRL that issuer publishes at url; the
	// handshake verifies it.
	FetchCRL(ctx context.Context, url string, issuer *x509.Certificate) (*x509.RevocationList, error)
}

// OCSPStapler supplies a server's OCSP staples at each handshake.
// *revocation.Stapler implements it.
type OCSPStapler interface {
	// OCSPStaple returns the current DER OCSP response for the chain
	// whose leaf is chain[0], or nil when it has none that is fresh.
	OCSPStaple(chain [][]byte) []byte
}

// defaultRevocationTimeout bounds each fetch of the default checker.
const defaultRevocationTimeout = 5 * time.Second

// addRevocation sets the handshake's revocation policy, checker and
// warning function.
func (c *Config) addRevocation(hc *handshake.Config) {
	hc.RevocationPolicy = c.RevocationPolicy
	if c.RevocationPolicy == RevocationOff {
		return
	}
	timeout := c.RevocationTimeout
	if timeout <= 0 {
		timeout = defaultRevocationTimeout
	}
	hc.Revocation = revocationAdapter{checker: c.revocationChecker(timeout), timeout: timeout}
	switch {
	case c.RevocationWarning != nil:
		hc.RevocationWarning = func(err *handshake.RevocationError) { c.RevocationWarning(err) }
	case c.Logger != nil:
		hc.RevocationWarning = func(err *handshake.RevocationError) {
			c.Logger.Warn("tls: revocation status unavailable, continuing (soft-fail)", "error", err)
		}
	}
}

// revocationChecker returns the configured checker, or the Config's own
// revocation.Checker, made once so that its CRL cache is shared by every
// connection that uses this Config.
func (c *Config) revocationChecker(timeout time.Duration) RevocationChecker {
	if c.RevocationChecker != nil {
		return c.RevocationChecker
	}
	c.revocationOnce.Do(func() {
		c.defaultChecker = &revocation.Checker{Timeout: timeout, Now: c.Time}
	})
	return c.defaultChecker
}

// revocationAdapter gives the handshake's checker interface a context with
// a timeout for each fetch.
type revocationAdapter struct {
	checker RevocationChecker
	timeout time.Duration
}

// QueryOCSP asks one OCSP responder, within the timeout.
func (a revocationAdapter) QueryOCSP(url string, leaf, issuer *x509.Certificate) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), a.timeout)
	defer cancel()
	return a.checker.QueryOCSP(ctx, url, leaf, issuer)
}

// FetchCRL fetches one CRL, within the timeout.
func (a revocationAdapter) FetchCRL(url string, issuer *x509.Certificate) (*x509.RevocationList, error) {
	ctx, cancel := context.WithTimeout(context.Background(), a.timeout)
	defer cancel()
	return a.checker.FetchCRL(ctx, url, issuer)
}

// staple replaces a certificate's OCSP staple with the stapler's fresh one,
// when a stapler is configured and has one.
func (c *Config) staple(hc *handshake.Certificate) {
	if c.OCSPStapler == nil || hc == nil || len(hc.Chain) == 0 {
		return
	}
	if s := c.OCSPStapler.OCSPStaple(hc.Chain); s != nil {
		hc.OCSPStaple = s
	}
}
