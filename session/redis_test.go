package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"gotls/session/redistest"
)

// newTestRedisStore returns a store on addr under a prefix of its own,
// closed at the end of the test.
func newTestRedisStore(t *testing.T, opts RedisOptions) *RedisStore {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = "test:" + t.Name() + ":"
	}
	s, err := NewRedisStore(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestRedisStoreSemantics(t *testing.T) {
	addr, _ := redistest.StartRedis(t)
	tests := []struct {
		name string
		opts RedisOptions
		lua  bool
	}{
		{"addr", RedisOptions{Addr: addr, Timeout: time.Second}, false},
		{"url", RedisOptions{URL: "redis://" + addr + "/2", Timeout: time.Second}, false},
		{"take by script", RedisOptions{Addr: addr, Timeout: time.Second}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestRedisStore(t, tt.opts)
			s.noGetDel.Store(tt.lua)
			storeSemantics(t, s, time.Sleep)
			takeRace(t, s)
		})
	}
}

func TestRedisStorePrefixesAreSeparate(t *testing.T) {
	addr, _ := redistest.StartRedis(t)
	a := newTestRedisStore(t, RedisOptions{Addr: addr, Prefix: "a:"})
	b := newTestRedisStore(t, RedisOptions{Addr: addr, Prefix: "b:"})
	mustPut(t, a, "k", "from a", time.Minute)
	if _, err := b.Get(context.Background(), "k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("b sees a's key: %v", err)
	}
	if err := a.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestRedisStoreOptionErrors(t *testing.T) {
	for _, opts := range []RedisOptions{{}, {URL: "http://example.com"}, {URL: "redis://%zz"}} {
		if _, err := NewRedisStore(opts); err == nil {
			t.Errorf("NewRedisStore(%+v) succeeded", opts)
		}
	}
}

// storeCall is one kind of call made against an unhealthy store.
type storeCall struct {
	name string
	call func(ctx context.Context, s *RedisStore) error
}

// storeCalls are all the calls a RedisStore offers.
var storeCalls = []storeCall{
	{"put", func(ctx context.Context, s *RedisStore) error {
		return s.Put(ctx, "k", []byte("v"), time.Minute)
	}},
	{"get", func(ctx context.Context, s *RedisStore) error { _, err := s.Get(ctx, "k"); return err }},
	{"take", func(ctx context.Context, s *RedisStore) error { _, err := s.Take(ctx, "k"); return err }},
	{"add", func(ctx context.Context, s *RedisStore) error {
		_, err := s.Add(ctx, "k", []byte("v"), time.Minute)
		return err
	}},
	{"ping", func(ctx context.Context, s *RedisStore) error { return s.Ping(ctx) }},
}

// unreachableAddr returns an address nothing listens on.
func unreachableAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// blackHole listens on 127.0.0.1, accepts connections and never answers,
// like a Redis that hangs.
func blackHole(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().String()
}

func TestRedisStoreUnhealthyIsBounded(t *testing.T) {
	tests := []struct {
		name string
		addr func(t *testing.T) string
	}{
		{"nothing listening", unreachableAddr},
		{"server never answers", blackHole},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := tt.addr(t)
			before := runtime.NumGoroutine()
			s, err := NewRedisStore(RedisOptions{Addr: addr}) // DefaultTimeout
			if err != nil {
				t.Fatal(err)
			}
			var timings callTimings
			monitor := startSchedMonitor()
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 3 {
						timings.callAll(s)
					}
				}()
			}
			wg.Wait()
			timings.check(t, monitor.Stop(), false)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if after := settledGoroutines(before); after > before {
				t.Fatalf("goroutines: %d before, %d after close", before, after)
			}
		})
	}
}

// callTimings collects the outcome and duration of store calls made from
// several goroutines.
type callTimings struct {
	mu      sync.Mutex
	ok      int
	failed  int
	slowest time.Duration
	which   string
}

// callAll makes every kind of call once and records how each went.
func (c *callTimings) callAll(s *RedisStore) {
	for _, call := range storeCalls {
		start := time.Now()
		err := call.call(context.Background(), s)
		elapsed := time.Since(start)
		c.mu.Lock()
		if elapsed > c.slowest {
			c.slowest, c.which = elapsed, fmt.Sprintf("%s (%v)", call.name, err)
		}
		if err == nil || errors.Is(err, ErrNotFound) {
			c.ok++
		} else {
			c.failed++
		}
		c.mu.Unlock()
	}
}

// check fails the test when a call took three timeouts or more beyond the
// worst scheduling delay the process suffered meanwhile, or when calls
// succeeded though the store was meant to be down all along (wantOK
// false) or never succeeded though it was meant to be up at first.
func (c *callTimings) check(t *testing.T, lateness time.Duration, wantOK bool) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	limit := 3*DefaultTimeout + lateness
	t.Logf("%d calls succeeded, %d failed; slowest %v: %s; scheduling lateness %v",
		c.ok, c.failed, c.slowest, c.which, lateness)
	if c.slowest >= limit {
		t.Errorf("slowest call took %v, want < %v", c.slowest, limit)
	}
	if c.failed == 0 || (c.ok > 0) != wantOK {
		t.Errorf("%d calls succeeded and %d failed, want failures and successes = %v", c.ok, c.failed, wantOK)
	}
}

func TestRedisStoreKilledMidRun(t *testing.T) {
	addr, stop := redistest.StartRedis(t)
	before := runtime.NumGoroutine()
	s, err := NewRedisStore(RedisOptions{Addr: addr}) // DefaultTimeout
	if err != nil {
		t.Fatal(err)
	}
	var timings callTimings
	monitor := startSchedMonitor()
	var wg sync.WaitGroup
	deadline := time.Now().Add(900 * time.Millisecond)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				timings.callAll(s)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	stop()
	wg.Wait()
	timings.check(t, monitor.Stop(), true)
	_ = s.Close()
	if after := settledGoroutines(before); after > before {
		t.Fatalf("goroutines: %d before, %d after close", before, after)
	}
}

func TestRedisStoreExternalClientStaysOpen(t *testing.T) {
	addr, _ := redistest.StartRedis(t)
	owner, err := NewRedisStore(RedisOptions{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	borrowed := newTestRedisStore(t, RedisOptions{Client: owner.client, Prefix: "x:"})
	if err := borrowed.Close(); err != nil {
		t.Fatal(err)
	}
	if err := owner.Ping(context.Background()); err != nil {
		t.Fatalf("closing a store with a borrowed client closed the client: %v", err)
	}
}

func TestRedisStoreTakeAcrossServers(t *testing.T) {
	addr, _ := redistest.StartRedis(t)
	// Two servers of a fleet, each with its own client, race to take the
	// same single-use record, as two servers receiving one replayed 0-RTT
	// ClientHello would: exactly one wins.
	a := newTestRedisStore(t, RedisOptions{Addr: addr, Prefix: "fleet:", Timeout: time.Second})
	b := newTestRedisStore(t, RedisOptions{Addr: addr, Prefix: "fleet:", Timeout: time.Second})
	ctx := context.Background()
	for i := range 50 {
		key := fmt.Sprint("ticket-", i)
		mustPut(t, a, key, "use once", time.Minute)
		var wins sync.WaitGroup
		results := make(chan error, 2)
		for _, s := range []*RedisStore{a, b} {
			wins.Add(1)
			go func() {
				defer wins.Done()
				_, err := s.Take(ctx, key)
				results <- err
			}()
		}
		wins.Wait()
		close(results)
		won := 0
		for err := range results {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, ErrNotFound):
				t.Fatal(err)
			}
		}
		if won != 1 {
			t.Fatalf("record %d taken %d times, want once", i, won)
		}
	}
}
