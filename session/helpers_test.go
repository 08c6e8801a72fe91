package session

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// fakeClock is a clock that moves only when a test advances it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// newFakeClock returns a clock at a fixed instant in the middle of a day,
// so that hour and day periods are not at a boundary.
func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 6, 1, 12, 30, 0, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// countingStore wraps a Store and counts calls; fail makes every call
// fail.
type countingStore struct {
	inner interface {
		Store
		Adder
	}
	calls atomic.Int64
	fail  atomic.Bool
}

var errStoreDown = errors.New("store down")

// Put counts and forwards the call.
func (s *countingStore) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	s.calls.Add(1)
	if s.fail.Load() {
		return errStoreDown
	}
	return s.inner.Put(ctx, key, value, ttl)
}

// Get counts and forwards the call.
func (s *countingStore) Get(ctx context.Context, key string) ([]byte, error) {
	s.calls.Add(1)
	if s.fail.Load() {
		return nil, errStoreDown
	}
	return s.inner.Get(ctx, key)
}

// Take counts and forwards the call.
func (s *countingStore) Take(ctx context.Context, key string) ([]byte, error) {
	s.calls.Add(1)
	if s.fail.Load() {
		return nil, errStoreDown
	}
	return s.inner.Take(ctx, key)
}

// Add counts and forwards the call.
func (s *countingStore) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	s.calls.Add(1)
	if s.fail.Load() {
		return false, errStoreDown
	}
	return s.inner.Add(ctx, key, value, ttl)
}

// settledGoroutines waits up to a few seconds for the number of goroutines
// to fall to at most want, and returns the last count.
func settledGoroutines(want int) int {
	deadline := time.Now().Add(3 * time.Second)
	n := runtime.NumGoroutine()
	for n > want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		runtime.GC()
		n = runtime.NumGoroutine()
	}
	return n
}

// schedMonitor measures how late this process's goroutines wake up, so
// that timing checks can tell a slow store from a starved machine (the
// race detector on a loaded CI runner delays everything).
type schedMonitor struct {
	stop chan struct{}
	done chan struct{}
	max  time.Duration
}

// startSchedMonitor starts measuring wake-up lateness.
func startSchedMonitor() *schedMonitor {
	m := &schedMonitor{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		const nap = 5 * time.Millisecond
		for {
			select {
			case <-m.stop:
				return
			default:
			}
			start := time.Now()
			time.Sleep(nap)
			m.max = max(m.max, time.Since(start)-nap)
		}
	}()
	return m
}

// Stop ends the measurement and returns the worst lateness seen.
func (m *schedMonitor) Stop() time.Duration {
	close(m.stop)
	<-m.done
	return m.max
}
