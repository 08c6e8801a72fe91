package revocation

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"
)

// Defaults of a Checker.
const (
	// DefaultTimeout bounds one OCSP query or CRL download.
	DefaultTimeout = 5 * time.Second
	// DefaultMaxOCSPResponseBytes bounds an OCSP response body.
	DefaultMaxOCSPResponseBytes = 64 << 10
	// DefaultMaxCRLBytes bounds a CRL body.
	DefaultMaxCRLBytes = 16 << 20
	// DefaultMaxCachedCRLs bounds how many CRLs a Checker keeps.
	DefaultMaxCachedCRLs = 32
	// DefaultMaxCRLCacheAge bounds how long a CRL is kept, even when its
	// nextUpdate is later.
	DefaultMaxCRLCacheAge = 24 * time.Hour
)

// maxGETRequestLen is the longest encoded OCSP request sent by GET; longer
// ones go by POST (RFC 5019, Section 5).
const maxGETRequestLen = 255

// Checker queries OCSP responders over HTTP and downloads CRLs, keeping
// each CRL until its nextUpdate. The zero value is ready to use; a Checker
// must not be copied after first use. Its methods are safe for concurrent
// use.
type Checker struct {
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Timeout bounds each request in addition to the caller's context;
	// zero means DefaultTimeout.
	Timeout time.Duration
	// MaxOCSPResponseBytes and MaxCRLBytes bound response bodies; zero
	// means the defaults.
	MaxOCSPResponseBytes int64
	MaxCRLBytes          int64
	// MaxCachedCRLs bounds the CRL cache; zero means
	// DefaultMaxCachedCRLs, negative disables caching.
	MaxCachedCRLs int
	// MaxCRLCacheAge bounds how long a CRL stays cached; zero means
	// DefaultMaxCRLCacheAge.
	MaxCRLCacheAge time.Duration
	// ForcePOST sends every OCSP request by POST, even short ones.
	ForcePOST bool
	// Now is the clock for the cache; nil means time.Now.
	Now func() time.Time

	mu   sync.Mutex
	crls map[crlKey]*cachedCRL
}

// crlKey names a cached CRL: where it came from and who must have signed it.
type crlKey struct {
	url    string
	issuer [sha256.Size]byte
}

// cachedCRL is a CRL whose signature was checked, with when to drop it.
type cachedCRL struct {
	crl     *x509.RevocationList
	expires time.Time
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Checker) client() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return http.DefaultClient
}

func (c *Checker) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// QueryOCSP asks the OCSP responder at responderURL about leaf, issued by
// issuer, and returns the DER response without verifying it. Requests up
// to 255 bytes encoded go by GET, others by POST (RFC 6960, Appendix A.1).
func (c *Checker) QueryOCSP(ctx context.Context, responderURL string, leaf, issuer *x509.Certificate) ([]byte, error) {
	if err := checkScheme(responderURL); err != nil {
		return nil, err
	}
	reqDER, err := ocsp.CreateRequest(leaf, issuer, &ocsp.RequestOptions{Hash: crypto.SHA1})
	if err != nil {
		return nil, fmt.Errorf("cannot build ocsp request: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	var req *http.Request
	encoded := url.PathEscape(base64.StdEncoding.EncodeToString(reqDER))
	if !c.ForcePOST && len(encoded) <= maxGETRequestLen {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(responderURL, "/")+"/"+encoded, nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, responderURL, bytes.NewReader(reqDER))
		if req != nil {
			req.Header.Set("Content-Type", "application/ocsp-request")
		}
	}
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/ocsp-response")
	limit := c.MaxOCSPResponseBytes
	if limit <= 0 {
		limit = DefaultMaxOCSPResponseBytes
	}
	return c.fetch(req, limit)
}

// FetchCRL returns the CRL that issuer publishes at crlURL, from the cache
// while it is current, else downloaded. A downloaded CRL is cached only
// when issuer's signature on it verifies, so that a forged CRL cannot
// poison the cache; the caller still verifies what it gets.
func (c *Checker) FetchCRL(ctx context.Context, crlURL string, issuer *x509.Certificate) (*x509.RevocationList, error) {
	if err := checkScheme(crlURL); err != nil {
		return nil, err
	}
	key := crlKey{url: crlURL, issuer: sha256.Sum256(issuer.Raw)}
	if crl := c.cached(key); crl != nil {
		return crl, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, crlURL, nil)
	if err != nil {
		return nil, err
	}
	limit := c.MaxCRLBytes
	if limit <= 0 {
		limit = DefaultMaxCRLBytes
	}
	body, err := c.fetch(req, limit)
	if err != nil {
		return nil, err
	}
	if block, _ := pem.Decode(body); block != nil && block.Type == "X509 CRL" {
		body = block.Bytes
	}
	crl, err := x509.ParseRevocationList(body)
	if err != nil {
		return nil, fmt.Errorf("cannot parse crl: %w", err)
	}
	if crl.CheckSignatureFrom(issuer) == nil {
		c.store(key, crl)
	}
	return crl, nil
}

// fetch sends req and returns a 200 answer's body of at most limit bytes.
func (c *Checker) fetch(req *http.Request, limit int64) ([]byte, error) {
	resp, err := c.client().Do(req)
	if err != nil {
		// The caller names the URL; a GET request's URL carries the
		// whole encoded OCSP request, which says nothing to a reader.
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, ue.Err
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("http status %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("response is larger than %d bytes", limit)
	}
	return body, nil
}

// checkScheme accepts only http and https URLs.
func checkScheme(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("unsupported url scheme " + u.Scheme)
	}
	return nil
}

// cached returns the cached CRL for key while it is current.
func (c *Checker) cached(key crlKey) *x509.RevocationList {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.crls[key]
	if e == nil {
		return nil
	}
	if !c.now().Before(e.expires) {
		delete(c.crls, key)
		return nil
	}
	return e.crl
}

// store caches crl until its nextUpdate, or MaxCRLCacheAge from now when
// that is sooner, evicting the entry that expires first when full.
func (c *Checker) store(key crlKey, crl *x509.RevocationList) {
	limit := c.MaxCachedCRLs
	if limit == 0 {
		limit = DefaultMaxCachedCRLs
	}
	maxAge := c.MaxCRLCacheAge
	if maxAge <= 0 {
		maxAge = DefaultMaxCRLCacheAge
	}
	now := c.now()
	expires := now.Add(maxAge)
	if !crl.NextUpdate.IsZero() && crl.NextUpdate.Before(expires) {
		expires = crl.NextUpdate
	}
	if limit < 0 || !now.Before(expires) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.crls == nil {
		c.crls = make(map[crlKey]*cachedCRL)
	}
	if _, ok := c.crls[key]; !ok && len(c.crls) >= limit {
		c.evictLocked()
	}
	c.crls[key] = &cachedCRL{crl: crl, expires: expires}
}

// evictLocked drops the cached CRL that expires first.
func (c *Checker) evictLocked() {
	var victim crlKey
	var first time.Time
	for k, e := range c.crls {
		if first.IsZero() || e.expires.Before(first) {
			victim, first = k, e.expires
		}
	}
	delete(c.crls, victim)
}
