package session

import (
	"bytes"
	"testing"
	"time"
)

// fuzzKey is the ticket key the fuzz targets' seeds were sealed under.
var fuzzKey = [32]byte{7, 7, 7}

// FuzzTicketOpen feeds arbitrary bytes to Open, with set keys and with
// keys shared through a store, the two paths a hostile ticket can take.
// Open must not panic, and whatever opens must be a ticket that Seal can
// reproduce.
func FuzzTicketOpen(f *testing.F) {
	manual, err := NewTicketKeys(TicketKeyOptions{})
	if err != nil {
		f.Fatal(err)
	}
	manual.SetKeys([][32]byte{fuzzKey})
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	shared, err := NewTicketKeys(TicketKeyOptions{
		Period: time.Hour, Window: 2, Clock: clock, Store: NewMemoryStore(clock),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ticket []byte) {
		for _, k := range []*TicketKeys{manual, shared} {
			plaintext, err := k.Open(ticket)
			if err != nil {
				continue
			}
			again, err := k.Open(bytes.Clone(ticket))
			if err != nil || !bytes.Equal(again, plaintext) {
				t.Fatalf("a ticket opened once but not twice: %v", err)
			}
		}
	})
}

// FuzzMemoryStore runs sequences of operations against a small
// MemoryStore and checks its invariants: it never holds more than its
// capacity, a value just put can be read back, a value taken is gone, and
// its LRU list and expiry heap stay in step with its map.
func FuzzMemoryStore(f *testing.F) {
	f.Fuzz(func(t *testing.T, ops []byte) {
		const capacity = 4
		now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		s := NewMemoryStoreSize(func() time.Time { return now }, capacity)
		ctx := t.Context()
		for i := 0; i+2 < len(ops); i += 3 {
			key := string(rune('a' + ops[i+1]%8))
			arg := time.Duration(ops[i+2]) * time.Second
			switch ops[i] % 5 {
			case 0:
				_ = s.Put(ctx, key, []byte(key), arg)
				if v, err := s.Get(ctx, key); err != nil || string(v) != key {
					t.Fatalf("Get after Put(%s, ttl %v) = %q, %v", key, arg, v, err)
				}
			case 1:
				_, _ = s.Get(ctx, key)
			case 2:
				if _, err := s.Take(ctx, key); err == nil {
					if _, err := s.Take(ctx, key); err == nil {
						t.Fatalf("%s taken twice", key)
					}
				}
			case 3:
				_, _ = s.Add(ctx, key, []byte(key), arg)
			case 4:
				now = now.Add(arg)
			}
			if len(s.entries) > capacity || s.lru.Len() != len(s.entries) || len(s.expiry) > len(s.entries) {
				t.Fatalf("map %d, list %d, heap %d, capacity %d", len(s.entries), s.lru.Len(), len(s.expiry), capacity)
			}
		}
	})
}
