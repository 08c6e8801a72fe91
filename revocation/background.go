package revocation

import (
	"context"
	"time"
)

// StapleStatus describes one certificate's staple, for monitoring and the
// command line.
type StapleStatus struct {
	// Subject is the leaf certificate's subject.
	Subject string
	// Source is "file PATH" or "ocsp URL".
	Source string
	// Serving reports whether OCSPStaple would return a staple now.
	Serving bool
	// Status is the certificate status the staple states ("good",
	// "revoked" or "unknown"), empty without a staple.
	Status string
	// ThisUpdate and NextUpdate bound the current staple.
	ThisUpdate, NextUpdate time.Time
	// NextRefresh is when the staple is due to be fetched again.
	NextRefresh time.Time
	// Failures counts refreshes that failed in a row; LastError is the
	// latest failure.
	Failures  int
	LastError error
}

// Status describes every registered certificate's staple, in the order
// they were added.
func (s *Stapler) Status() []StapleStatus {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]StapleStatus, 0, len(s.order))
	for _, e := range s.order {
		st := StapleStatus{Subject: e.leaf.Subject.String(), Source: e.source(), Serving: fresh(e, now),
			ThisUpdate: e.thisUpdate, NextUpdate: e.nextUpdate, NextRefresh: e.due,
			Failures: e.failures, LastError: e.lastErr}
		if e.der != nil {
			st.Status = e.status.String()
		}
		out = append(out, st)
	}
	return out
}

// NextRefresh returns when the earliest staple is due; the zero time when
// one is due already or none is registered.
func (s *Stapler) NextRefresh() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for i, e := range s.order {
		if i == 0 || e.due.Before(next) {
			next = e.due
		}
	}
	return next
}

// Background waits between refreshes run by Start.
const (
	minWait = time.Second
	maxWait = time.Hour
)

// Start refreshes staples in a background goroutine, each when it is due,
// until Stop. It runs one Refresh before returning, so that staples are
// available when the server starts accepting; that Refresh's error is
// returned but does not stop the goroutine.
func (s *Stapler) Start() error {
	err := s.Refresh(context.Background())
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		return err
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.loop(s.stop, s.done)
	return err
}

// Stop ends the goroutine that Start began and waits for it.
func (s *Stapler) Stop() {
	s.mu.Lock()
	stop, done := s.stop, s.done
	s.stop, s.done = nil, nil
	s.mu.Unlock()
	if stop == nil {
		return
	}
	close(stop)
	<-done
}

// loop refreshes at each due time until stop closes.
func (s *Stapler) loop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-stop
		cancel()
	}()
	for {
		wait := s.NextRefresh().Sub(s.opts.Now())
		wait = min(max(wait, minWait), maxWait)
		t := time.NewTimer(wait)
		select {
		case <-stop:
			t.Stop()
			return
		case <-t.C:
		}
		s.Refresh(ctx)
	}
}
