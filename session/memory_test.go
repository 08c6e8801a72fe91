package session

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestMemoryStoreSemantics(t *testing.T) {
	clock := newFakeClock()
	storeSemantics(t, NewMemoryStore(clock.Now), clock.Advance)
}

func TestMemoryStoreTakeRace(t *testing.T) {
	takeRace(t, NewMemoryStore(nil))
}

func TestMemoryStoreCopies(t *testing.T) {
	s := NewMemoryStore(nil)
	ctx := context.Background()
	v := []byte("abc")
	if err := s.Put(ctx, "k", v, time.Minute); err != nil {
		t.Fatal(err)
	}
	v[0] = 'X'
	got, _ := s.Get(ctx, "k")
	got[1] = 'Y'
	expectValue(t, s, "k", "abc")
}

func TestMemoryStoreBounded(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(s *MemoryStore, clock *fakeClock)
		evicted []string
		kept    []string
	}{
		{
			name: "least recently used goes first",
			setup: func(s *MemoryStore, clock *fakeClock) {
				putAll(s, time.Hour, "a", "b", "c")
				_, _ = s.Get(context.Background(), "a")
				putAll(s, time.Hour, "d")
			},
			evicted: []string{"b"},
			kept:    []string{"a", "c", "d"},
		},
		{
			name: "expired goes before least recently used",
			setup: func(s *MemoryStore, clock *fakeClock) {
				putAll(s, time.Hour, "a")
				putAll(s, time.Minute, "b")
				putAll(s, time.Hour, "c")
				clock.Advance(2 * time.Minute)
				putAll(s, time.Hour, "d")
			},
			evicted: []string{"b"},
			kept:    []string{"a", "c", "d"},
		},
		{
			name: "entries without expiry are evicted too",
			setup: func(s *MemoryStore, clock *fakeClock) {
				putAll(s, 0, "a", "b", "c", "d", "e")
			},
			evicted: []string{"a", "b"},
			kept:    []string{"c", "d", "e"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			s := NewMemoryStoreSize(clock.Now, 3)
			tt.setup(s, clock)
			if n := s.Len(); n > 3 {
				t.Fatalf("Len = %d, want at most 3", n)
			}
			for _, key := range tt.evicted {
				if _, err := s.Get(context.Background(), key); !errors.Is(err, ErrNotFound) {
					t.Errorf("%s still present", key)
				}
			}
			for _, key := range tt.kept {
				if _, err := s.Get(context.Background(), key); err != nil {
					t.Errorf("%s evicted: %v", key, err)
				}
			}
		})
	}
}

func TestMemoryStoreSweepsExpired(t *testing.T) {
	clock := newFakeClock()
	s := NewMemoryStoreSize(clock.Now, 1000)
	for i := range 100 {
		putAll(s, time.Second, fmt.Sprint("old", i))
	}
	clock.Advance(time.Minute)
	for i := range 10 {
		putAll(s, time.Hour, fmt.Sprint("new", i))
	}
	if n := s.Len(); n != 10 {
		t.Fatalf("Len = %d after sweeping, want 10", n)
	}
}

func TestMemoryStoreManyEntriesStayBounded(t *testing.T) {
	s := NewMemoryStoreSize(nil, 100)
	for i := range 10000 {
		putAll(s, time.Duration(i%3)*time.Hour, fmt.Sprint(i))
	}
	if n := s.Len(); n != 100 {
		t.Fatalf("Len = %d, want 100", n)
	}
	if len(s.expiry) > 100 || s.lru.Len() != 100 {
		t.Fatalf("heap %d, list %d: internal structures out of step", len(s.expiry), s.lru.Len())
	}
}

// putAll stores a value under each key.
func putAll(s *MemoryStore, ttl time.Duration, keys ...string) {
	for _, key := range keys {
		_ = s.Put(context.Background(), key, []byte("v-"+key), ttl)
	}
}
