package revocation

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"

	"gotls/internal/handshake"
)

// Defaults of a Stapler.
const (
	// DefaultMinBackoff is the first wait after a failed refresh, and the
	// shortest wait between two fetches of one staple.
	DefaultMinBackoff = time.Minute
	// DefaultMaxBackoff caps the wait after repeated failures.
	DefaultMaxBackoff = time.Hour
	// maxStapleFileBytes bounds a staple read from a file.
	maxStapleFileBytes = 1 << 20
)

// StaplerOptions configure a Stapler. The zero value is usable.
type StaplerOptions struct {
	// Checker fetches OCSP responses; nil means a Checker with defaults.
	Checker *Checker
	// Now is the clock that decides freshness and refresh times; nil
	// means time.Now.
	Now func() time.Time
	// MinBackoff and MaxBackoff bound the exponential backoff after
	// failed refreshes; zero means the defaults.
	MinBackoff, MaxBackoff time.Duration
	// Logger receives refreshes and failures; nil is silent.
	Logger *slog.Logger
}

// Stapler keeps a fresh OCSP response for each of a server's
// certificates: read from a file or fetched from the responder named in
// the certificate (its authority information access). A staple is
// refreshed halfway between its thisUpdate and nextUpdate, retried with
// exponential backoff when that fails, and never served once expired.
// Call Refresh (or Start) to fetch; OCSPStaple serves. A Stapler is safe
// for concurrent use.
type Stapler struct {
	opts    StaplerOptions
	checker *Checker

	refreshMu sync.Mutex // serialises Refresh
	mu        sync.Mutex
	entries   map[string]*stapleEntry
	order     []*stapleEntry
	stop      chan struct{}
	done      chan struct{}
}

// stapleEntry is one certificate with its current staple and schedule.
type stapleEntry struct {
	leaf, issuer *x509.Certificate
	// file is the staple's path, or empty to fetch from url.
	file, url string

	der        []byte
	status     handshake.CertStatus
	thisUpdate time.Time
	nextUpdate time.Time
	due        time.Time
	failures   int
	lastErr    error
}

// source names where the entry's staple comes from.
func (e *stapleEntry) source() string {
	if e.file != "" {
		return "file " + e.file
	}
	return "ocsp " + e.url
}

// NewStapler returns a Stapler with no certificates.
func NewStapler(opts StaplerOptions) *Stapler {
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = DefaultMinBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c := opts.Checker
	if c == nil {
		c = &Checker{Now: opts.Now}
	}
	return &Stapler{opts: opts, checker: c, entries: map[string]*stapleEntry{}}
}

// Add registers a chain (DER, leaf first, its issuer second) whose staple
// is fetched from the leaf's first OCSP responder URL.
func (s *Stapler) Add(chain [][]byte) error {
	e, err := newEntry(chain, true)
	if err != nil {
		return err
	}
	if len(e.leaf.OCSPServer) == 0 {
		return fmt.Errorf("revocation: certificate %q names no ocsp responder", e.leaf.Subject.String())
	}
	e.url = e.leaf.OCSPServer[0]
	return s.add(chain[0], e)
}

// AddFile registers a chain whose staple is the DER OCSP response in the
// file at path. The file is read again at each refresh, so that it can be
// replaced; its response is checked like a fetched one (against the
// issuer when the chain has one) and never served once expired.
func (s *Stapler) AddFile(chain [][]byte, path string) error {
	e, err := newEntry(chain, false)
	if err != nil {
		return err
	}
	e.file = path
	return s.add(chain[0], e)
}

// newEntry parses the chain's leaf and issuer.
func newEntry(chain [][]byte, needIssuer bool) (*stapleEntry, error) {
	if len(chain) == 0 {
		return nil, errors.New("revocation: empty certificate chain")
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return nil, fmt.Errorf("revocation: cannot parse the leaf certificate: %w", err)
	}
	e := &stapleEntry{leaf: leaf}
	if len(chain) > 1 {
		if e.issuer, err = x509.ParseCertificate(chain[1]); err != nil {
			return nil, fmt.Errorf("revocation: cannot parse the issuer certificate: %w", err)
		}
	} else if needIssuer {
		return nil, fmt.Errorf("revocation: the chain of %q has no issuer certificate to build an ocsp request", leaf.Subject.String())
	}
	return e, nil
}

// add stores the entry under its leaf's DER.
func (s *Stapler) add(leafDER []byte, e *stapleEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[string(leafDER)]; ok {
		return fmt.Errorf("revocation: certificate %q is already registered", e.leaf.Subject.String())
	}
	s.entries[string(leafDER)] = e
	s.order = append(s.order, e)
	return nil
}

// OCSPStaple returns the current staple for the chain whose leaf is
// chain[0], or nil when there is none or it has expired. The result must
// not be modified.
func (s *Stapler) OCSPStaple(chain [][]byte) []byte {
	if len(chain) == 0 {
		return nil
	}
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[string(chain[0])]
	if e == nil || !fresh(e, now) {
		return nil
	}
	return e.der
}

// fresh reports whether the entry holds a staple that is current at now.
func fresh(e *stapleEntry, now time.Time) bool {
	return e.der != nil && now.Before(e.nextUpdate) && !e.thisUpdate.After(now.Add(handshake.OCSPClockSkew))
}

// Refresh fetches the staple of every certificate that is due, and
// returns the failures joined. The first call fetches all of them.
func (s *Stapler) Refresh(ctx context.Context) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	now := s.opts.Now()
	var due []*stapleEntry
	s.mu.Lock()
	for _, e := range s.order {
		if !now.Before(e.due) {
			due = append(due, e)
		}
	}
	s.mu.Unlock()
	var errs []error
	for _, e := range due {
		der, res, err := s.fetch(ctx, e)
		s.record(e, der, res, err)
		if err != nil {
			errs = append(errs, fmt.Errorf("revocation: staple for %q from %s: %w", e.leaf.Subject.String(), e.source(), err))
		}
	}
	return errors.Join(errs...)
}

// fetch gets and verifies the entry's staple.
func (s *Stapler) fetch(ctx context.Context, e *stapleEntry) ([]byte, *handshake.OCSPResult, error) {
	var der []byte
	var err error
	if e.file != "" {
		der, err = readLimited(e.file, maxStapleFileBytes)
	} else {
		der, err = s.checker.QueryOCSP(ctx, e.url, e.leaf, e.issuer)
	}
	if err != nil {
		return nil, nil, err
	}
	res, err := verifyStaple(der, e.leaf, e.issuer, s.opts.Now())
	if err != nil {
		return nil, nil, err
	}
	return der, res, nil
}

// verifyStaple checks a response fully when the issuer is known, and
// otherwise only that it is a current response about leaf.
func verifyStaple(der []byte, leaf, issuer *x509.Certificate, now time.Time) (*handshake.OCSPResult, error) {
	if issuer != nil {
		return handshake.VerifyOCSPResponse(der, leaf, issuer, now)
	}
	resp, err := ocsp.ParseResponseForCert(der, leaf, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot use ocsp response: %w", err)
	}
	res := &handshake.OCSPResult{Status: handshake.CertStatusUnknown, ThisUpdate: resp.ThisUpdate, NextUpdate: resp.NextUpdate,
		Responder: "an unverified signer (no issuer certificate in the chain)"}
	switch resp.Status {
	case ocsp.Good:
		res.Status = handshake.CertStatusGood
	case ocsp.Revoked:
		res.Status = handshake.CertStatusRevoked
	}
	if res.NextUpdate.IsZero() {
		res.NextUpdate = res.ThisUpdate.Add(handshake.OCSPLifetimeWithoutNextUpdate)
	}
	if !now.Before(res.NextUpdate) {
		return nil, fmt.Errorf("ocsp response expired at %s", res.NextUpdate.UTC().Format(time.RFC3339))
	}
	return res, nil
}

// readLimited reads a file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return b, nil
}

// record stores a refresh's outcome and schedules the next one.
func (s *Stapler) record(e *stapleEntry, der []byte, res *handshake.OCSPResult, err error) {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		e.failures++
		e.lastErr = err
		e.due = now.Add(s.backoff(e.failures))
		s.opts.Logger.Warn("ocsp staple refresh failed", "subject", e.leaf.Subject.String(), "source", e.source(),
			"failures", e.failures, "retry", e.due, "serving", fresh(e, now), "error", err)
		return
	}
	e.failures, e.lastErr = 0, nil
	// A responder behind a cache may hand out an older response; keep
	// whichever lasts longer.
	if e.der == nil || !res.NextUpdate.Before(e.nextUpdate) {
		e.der, e.status, e.thisUpdate, e.nextUpdate = der, res.Status, res.ThisUpdate, res.NextUpdate
	}
	e.due = s.schedule(e, now)
	s.opts.Logger.Info("ocsp staple refreshed", "subject", e.leaf.Subject.String(), "source", e.source(),
		"status", e.status.String(), "this_update", e.thisUpdate, "next_update", e.nextUpdate, "next_refresh", e.due)
}

// schedule picks the next refresh: halfway between thisUpdate and
// nextUpdate, but no sooner than MinBackoff from now.
func (s *Stapler) schedule(e *stapleEntry, now time.Time) time.Time {
	at := e.thisUpdate.Add(e.nextUpdate.Sub(e.thisUpdate) / 2)
	if earliest := now.Add(s.opts.MinBackoff); at.Before(earliest) {
		at = earliest
	}
	return at
}

// backoff is the wait after the n-th failure in a row: MinBackoff doubled
// per failure, capped at MaxBackoff.
func (s *Stapler) backoff(n int) time.Duration {
	d := s.opts.MinBackoff
	for i := 1; i < n && d < s.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.opts.MaxBackoff)
}
