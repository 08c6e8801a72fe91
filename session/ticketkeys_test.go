package session

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"gotls/session/redistest"
)

// newTestKeys returns TicketKeys with opts or fails the test.
func newTestKeys(t testing.TB, opts TicketKeyOptions) *TicketKeys {
	t.Helper()
	k, err := NewTicketKeys(opts)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// mustSeal seals plaintext or fails the test.
func mustSeal(t testing.TB, k *TicketKeys, plaintext string) []byte {
	t.Helper()
	ticket, err := k.Seal([]byte(plaintext))
	if err != nil {
		t.Fatal(err)
	}
	return ticket
}

// opens reports whether k opens ticket to want; any other result than
// ErrInvalidTicket fails the test.
func opens(t testing.TB, k *TicketKeys, ticket []byte, want string) bool {
	t.Helper()
	got, err := k.Open(ticket)
	if err != nil {
		if !errors.Is(err, ErrInvalidTicket) {
			t.Fatalf("Open: %v, want nil or ErrInvalidTicket", err)
		}
		return false
	}
	if string(got) != want {
		t.Fatalf("Open = %q, want %q", got, want)
	}
	return true
}

func TestTicketSealOpen(t *testing.T) {
	k := newTestKeys(t, TicketKeyOptions{})
	for _, plaintext := range []string{"", "x", string(bytes.Repeat([]byte("state"), 300))} {
		ticket := mustSeal(t, k, plaintext)
		if len(ticket) != ticketOverhead+len(plaintext) {
			t.Errorf("ticket of %d bytes for %d bytes of state", len(ticket), len(plaintext))
		}
		if !opens(t, k, ticket, plaintext) {
			t.Errorf("ticket of %d bytes does not open", len(plaintext))
		}
		if again := mustSeal(t, k, plaintext); bytes.Equal(again, ticket) {
			t.Error("two seals of the same state are equal")
		}
	}
	if got := k.MaxAge(); got != 7*24*time.Hour {
		t.Errorf("MaxAge = %v, want 168h", got)
	}
}

func TestTicketRotationByClock(t *testing.T) {
	clock := newFakeClock()
	k := newTestKeys(t, TicketKeyOptions{Period: time.Hour, Window: 3, Clock: clock.Now})
	old := mustSeal(t, k, "old")
	tests := []struct {
		after time.Duration
		opens bool
	}{
		{time.Hour, true},     // one rotation
		{2 * time.Hour, true}, // two rotations
		{3 * time.Hour, true}, // the last period of the window
		{4 * time.Hour, false},
	}
	elapsed := time.Duration(0)
	for _, tt := range tests {
		clock.Advance(tt.after - elapsed)
		elapsed = tt.after
		fresh := mustSeal(t, k, "fresh")
		if bytes.Equal(fresh[:keyNameLen], old[:keyNameLen]) {
			t.Fatalf("after %v: still sealing under the first key", tt.after)
		}
		if !opens(t, k, fresh, "fresh") {
			t.Fatalf("after %v: a fresh ticket does not open", tt.after)
		}
		if got := opens(t, k, old, "old"); got != tt.opens {
			t.Fatalf("after %v: old ticket opens = %v, want %v", tt.after, got, tt.opens)
		}
	}
}

func TestTicketRotationWithoutTraffic(t *testing.T) {
	clock := newFakeClock()
	k := newTestKeys(t, TicketKeyOptions{Period: time.Hour, Window: 2, Clock: clock.Now})
	old := mustSeal(t, k, "old")
	clock.Advance(5 * time.Hour) // no Seal or Open meanwhile
	if opens(t, k, old, "old") {
		t.Fatal("a ticket from five periods ago opens with a window of two")
	}
}

func TestTicketExplicitRotate(t *testing.T) {
	k := newTestKeys(t, TicketKeyOptions{Window: 2})
	old := mustSeal(t, k, "old")
	for i, want := range []bool{true, true, false} {
		k.Rotate()
		if got := opens(t, k, old, "old"); got != want {
			t.Fatalf("after %d rotations: opens = %v, want %v", i+1, got, want)
		}
	}
}

func TestTicketSetKeys(t *testing.T) {
	clock := newFakeClock()
	a, b, c := [32]byte{1}, [32]byte{2}, [32]byte{3}
	k := newTestKeys(t, TicketKeyOptions{Period: time.Hour, Clock: clock.Now})
	auto := mustSeal(t, k, "auto")
	k.SetKeys([][32]byte{a, b})
	ticket := mustSeal(t, k, "manual")

	peer := newTestKeys(t, TicketKeyOptions{})
	peer.SetKeys([][32]byte{b, a})
	stranger := newTestKeys(t, TicketKeyOptions{})
	stranger.SetKeys([][32]byte{c})
	tests := []struct {
		name   string
		keys   *TicketKeys
		ticket []byte
		want   bool
	}{
		{"same keys", k, ticket, true},
		{"a peer with the key second", peer, ticket, true},
		{"a peer without the key", stranger, ticket, false},
		{"automatic keys are gone", k, auto, false},
	}
	for _, tt := range tests {
		if got := opens(t, tt.keys, tt.ticket, "manual"); got != tt.want {
			t.Errorf("%s: opens = %v, want %v", tt.name, got, tt.want)
		}
	}
	clock.Advance(30 * 24 * time.Hour)
	k.Rotate()
	if !opens(t, k, ticket, "manual") || !opens(t, k, mustSeal(t, k, "manual"), "manual") {
		t.Fatal("set keys rotated")
	}
	k.SetKeys(nil)
	if opens(t, k, ticket, "manual") {
		t.Fatal("set keys still open after returning to automatic rotation")
	}
	if !opens(t, k, mustSeal(t, k, "auto"), "auto") {
		t.Fatal("automatic keys do not work after SetKeys(nil)")
	}
}

func TestTicketTampered(t *testing.T) {
	k := newTestKeys(t, TicketKeyOptions{})
	good := mustSeal(t, k, "session state")
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name   string
		ticket []byte
	}{
		{"key name period", flip(0)},
		{"key name fingerprint", flip(keyNameLen - 1)},
		{"nonce", flip(keyNameLen)},
		{"ciphertext", flip(ticketOverhead - 16)},
		{"tag", flip(len(good) - 1)},
		{"truncated", good[:len(good)-1]},
		{"extended", append(bytes.Clone(good), 0)},
		{"shorter than the overhead", good[:ticketOverhead-1]},
		{"empty", nil},
		{"zeros", make([]byte, 100)},
	}
	for _, tt := range tests {
		if _, err := k.Open(tt.ticket); !errors.Is(err, ErrInvalidTicket) {
			t.Errorf("%s: Open = %v, want ErrInvalidTicket", tt.name, err)
		}
	}
}

// adderless hides the Add method of a store.
type adderless struct{ Store }

// failingReader fails every read.
type failingReader struct{}

// Read fails.
func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestTicketKeyOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opts TicketKeyOptions
	}{
		{"negative period", TicketKeyOptions{Period: -time.Hour}},
		{"negative window", TicketKeyOptions{Window: -1}},
		{"store without Add", TicketKeyOptions{Store: adderless{NewMemoryStore(nil)}}},
		{"broken randomness", TicketKeyOptions{Rand: failingReader{}}},
	}
	for _, tt := range tests {
		if _, err := NewTicketKeys(tt.opts); err == nil {
			t.Errorf("%s: NewTicketKeys succeeded", tt.name)
		}
	}
}

func TestTicketKeysSharedStore(t *testing.T) {
	clockA, clockB := newFakeClock(), newFakeClock()
	store := NewMemoryStore(clockA.Now)
	a := newTestKeys(t, TicketKeyOptions{Period: time.Hour, Window: 2, Clock: clockA.Now, Store: store})
	b := newTestKeys(t, TicketKeyOptions{Period: time.Hour, Window: 2, Clock: clockB.Now, Store: store})
	fromA, fromB := mustSeal(t, a, "from a"), mustSeal(t, b, "from b")
	if !opens(t, b, fromA, "from a") || !opens(t, a, fromB, "from b") {
		t.Fatal("servers sharing a store do not open each other's tickets")
	}
	// A's clock runs one period ahead: B fetches A's new key.
	clockA.Advance(time.Hour)
	ahead := mustSeal(t, a, "ahead")
	if !opens(t, b, ahead, "ahead") {
		t.Fatal("a ticket sealed by a server one period ahead does not open")
	}
	clockB.Advance(time.Hour)
	if !bytes.Equal(mustSeal(t, b, "b")[:keyNameLen], ahead[:keyNameLen]) {
		t.Fatal("the servers seal under different keys in the same period")
	}
	// A server that starts later opens tickets of earlier periods.
	late := newTestKeys(t, TicketKeyOptions{Period: time.Hour, Window: 2, Clock: clockB.Now, Store: store})
	forged := bytes.Clone(fromA)
	forged[keyNameLen-1] ^= 1 // same period, another fingerprint: looked up first
	if opens(t, late, forged, "from a") {
		t.Fatal("a forged ticket opens")
	}
	if !opens(t, late, fromA, "from a") {
		t.Fatal("a server started later does not open an earlier period's ticket")
	}
	clockB.Advance(2 * time.Hour)
	if opens(t, late, fromA, "from a") || opens(t, b, fromA, "from a") {
		t.Fatal("a ticket opens after the window")
	}
}

func TestTicketKeysSharedRedis(t *testing.T) {
	addr, _ := redistest.StartRedis(t)
	clock := newFakeClock()
	var servers []*TicketKeys
	for range 2 {
		// Generous timeouts: this test is about agreement, not speed.
		store := newTestRedisStore(t, RedisOptions{Addr: addr, Prefix: "fleet:", Timeout: time.Second})
		servers = append(servers, newTestKeys(t, TicketKeyOptions{
			Period: time.Hour, Window: 1, Clock: clock.Now, Store: store, Timeout: time.Second,
		}))
	}
	a, b := servers[0], servers[1]
	for round := range 3 {
		fromA, fromB := mustSeal(t, a, "a"), mustSeal(t, b, "b")
		if !opens(t, b, fromA, "a") || !opens(t, a, fromB, "b") {
			t.Fatalf("round %d: servers sharing Redis do not open each other's tickets", round)
		}
		clock.Advance(time.Hour)
		if !opens(t, b, fromA, "a") {
			t.Fatalf("round %d: a ticket does not open after one rotation", round)
		}
	}
}

func TestTicketKeysStoreDown(t *testing.T) {
	clock := newFakeClock()
	store := &countingStore{inner: NewMemoryStore(clock.Now)}
	store.fail.Store(true)
	opts := TicketKeyOptions{Period: time.Hour, Clock: clock.Now, Store: store}
	a := newTestKeys(t, opts)
	local := mustSeal(t, a, "local")
	calls := store.calls.Load()
	for range 100 {
		opens(t, a, mustSeal(t, a, "local"), "local")
	}
	if n := store.calls.Load() - calls; n != 0 {
		t.Fatalf("%d store calls within the retry interval, want 0", n)
	}
	store.fail.Store(false)
	clock.Advance(storeRetryInterval)
	shared := mustSeal(t, a, "shared")
	b := newTestKeys(t, opts)
	if !opens(t, b, shared, "shared") {
		t.Fatal("after the store came back, a peer does not open new tickets")
	}
	if !opens(t, a, local, "local") {
		t.Fatal("a ticket sealed under the fallback key no longer opens here")
	}
	if opens(t, b, local, "local") {
		t.Fatal("a peer opens a ticket sealed under a local fallback key")
	}
}

func TestTicketForgedNamesDoNotFloodStore(t *testing.T) {
	clock := newFakeClock()
	store := &countingStore{inner: NewMemoryStore(clock.Now)}
	k := newTestKeys(t, TicketKeyOptions{Period: time.Hour, Window: 2, Clock: clock.Now, Store: store})
	genuine := mustSeal(t, k, "x")
	tests := []struct {
		name      string
		period    int64 // relative to the current period
		wantCalls int64
	}{
		{"current period", 0, 1},
		{"previous period", -1, 1},
		{"next period", 1, 1},
		{"before the window", -3, 0},
		{"far future", 1000, 0},
	}
	for _, tt := range tests {
		before := store.calls.Load()
		for i := range 50 {
			forged := bytes.Clone(genuine)
			n := k.periodOf(clock.Now()) + tt.period
			for j := range 8 {
				forged[j] = byte(uint64(n) >> (56 - 8*j))
			}
			forged[8] ^= byte(i + 1) // a different fingerprint each time
			if opens(t, k, forged, "x") {
				t.Fatalf("%s: a forged ticket opens", tt.name)
			}
		}
		if got := store.calls.Load() - before; got != tt.wantCalls {
			t.Errorf("%s: %d store calls for 50 forged tickets, want %d", tt.name, got, tt.wantCalls)
		}
	}
}

func TestTicketKeysConcurrent(t *testing.T) {
	clock := newFakeClock()
	store := NewMemoryStore(clock.Now)
	k := newTestKeys(t, TicketKeyOptions{Period: time.Minute, Window: 10, Clock: clock.Now, Store: store})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				ticket := mustSeal(t, k, "state")
				if !opens(t, k, ticket, "state") {
					t.Error("a fresh ticket does not open")
					return
				}
			}
		}()
	}
	for range 5 {
		clock.Advance(time.Minute)
		k.Rotate()
	}
	wg.Wait()
}

func BenchmarkTicketSealOpen(b *testing.B) {
	k := newTestKeys(b, TicketKeyOptions{})
	state := bytes.Repeat([]byte{0x5a}, 200)
	b.SetBytes(int64(len(state)))
	b.ReportAllocs()
	for b.Loop() {
		ticket, err := k.Seal(state)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := k.Open(ticket); err != nil {
			b.Fatal(err)
		}
	}
}
