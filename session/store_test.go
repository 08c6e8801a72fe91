package session

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// conformantStore is what the shared store tests need.
type conformantStore interface {
	Store
	Adder
}

// storeSemantics checks the Store and Adder contract. wait lets time pass
// by at least d, on a fake clock or a real one.
func storeSemantics(t *testing.T, s conformantStore, wait func(d time.Duration)) {
	ctx := context.Background()
	const ttl = 200 * time.Millisecond
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"get of an absent key", func(t *testing.T) {
			if _, err := s.Get(ctx, "absent"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get = %v, want ErrNotFound", err)
			}
		}},
		{"put then get", func(t *testing.T) {
			mustPut(t, s, "k1", "v1", ttl)
			expectValue(t, s, "k1", "v1")
			expectValue(t, s, "k1", "v1")
		}},
		{"put replaces", func(t *testing.T) {
			mustPut(t, s, "k2", "old", ttl)
			mustPut(t, s, "k2", "new", ttl)
			expectValue(t, s, "k2", "new")
		}},
		{"take once", func(t *testing.T) {
			mustPut(t, s, "k3", "once", ttl)
			v, err := s.Take(ctx, "k3")
			if err != nil || string(v) != "once" {
				t.Fatalf("first Take = %q, %v", v, err)
			}
			if _, err := s.Take(ctx, "k3"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("second Take = %v, want ErrNotFound", err)
			}
			if _, err := s.Get(ctx, "k3"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get after Take = %v, want ErrNotFound", err)
			}
		}},
		{"take of an absent key", func(t *testing.T) {
			if _, err := s.Take(ctx, "never"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Take = %v, want ErrNotFound", err)
			}
		}},
		{"binary values", func(t *testing.T) {
			v := string([]byte{0, 1, 0xff, '\r', '\n', 0})
			mustPut(t, s, "bin", v, ttl)
			expectValue(t, s, "bin", v)
		}},
		{"add only when absent", func(t *testing.T) {
			if ok, err := s.Add(ctx, "a1", []byte("first"), ttl); !ok || err != nil {
				t.Fatalf("first Add = %v, %v", ok, err)
			}
			if ok, err := s.Add(ctx, "a1", []byte("second"), ttl); ok || err != nil {
				t.Fatalf("second Add = %v, %v", ok, err)
			}
			expectValue(t, s, "a1", "first")
		}},
		{"expiry", func(t *testing.T) {
			mustPut(t, s, "e1", "short", ttl)
			mustPut(t, s, "e2", "short", ttl)
			mustPut(t, s, "e3", "short", ttl)
			mustPut(t, s, "forever", "long", 0)
			wait(ttl + 100*time.Millisecond)
			for _, key := range []string{"e1", "e2"} {
				if _, err := s.Get(ctx, key); !errors.Is(err, ErrNotFound) {
					t.Fatalf("Get(%s) after ttl = %v, want ErrNotFound", key, err)
				}
			}
			if _, err := s.Take(ctx, "e3"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Take after ttl = %v, want ErrNotFound", err)
			}
			if ok, err := s.Add(ctx, "e1", []byte("again"), ttl); !ok || err != nil {
				t.Fatalf("Add over an expired entry = %v, %v", ok, err)
			}
			expectValue(t, s, "forever", "long")
		}},
		{"canceled context", func(t *testing.T) {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if _, err := s.Get(cctx, "k1"); err == nil || errors.Is(err, ErrNotFound) {
				t.Fatalf("Get with a canceled context = %v, want a context error", err)
			}
		}},
	}
	for _, step := range steps {
		t.Run(step.name, step.run)
	}
}

// takeRace checks that of many concurrent Takes of one key exactly one
// gets the value, for many keys.
func takeRace(t *testing.T, s Store) {
	ctx := context.Background()
	const keys, takers = 20, 8
	for i := range keys {
		key := "race" + string(rune('a'+i))
		mustPut(t, s, key, "v", time.Minute)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range takers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.Take(ctx, key); err == nil {
					wins.Add(1)
				} else if !errors.Is(err, ErrNotFound) {
					t.Errorf("Take: %v", err)
				}
			}()
		}
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Fatalf("key %s taken %d times, want once", key, n)
		}
	}
}

// mustPut stores value under key or fails the test.
func mustPut(t *testing.T, s Store, key, value string, ttl time.Duration) {
	t.Helper()
	if err := s.Put(context.Background(), key, []byte(value), ttl); err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
}

// expectValue checks that Get returns want for key.
func expectValue(t *testing.T, s Store, key, want string) {
	t.Helper()
	v, err := s.Get(context.Background(), key)
	if err != nil || string(v) != want {
		t.Fatalf("Get(%s) = %q, %v; want %q", key, v, err, want)
	}
}
