package session

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of TicketKeyOptions. With them a ticket opens for at least
// seven days, the longest ticket lifetime TLS 1.3 allows (RFC 8446,
// Section 4.6.1), as in crypto/tls.
const (
	DefaultRotationPeriod = 24 * time.Hour
	DefaultKeyWindow      = 7
)

// storeRetryInterval is how long TicketKeys waits before asking a store
// that failed again, and before looking up a missing key again.
const storeRetryInterval = time.Second

// ticketKeyStorePrefix names the store entry of one period's shared key;
// the period number follows.
const ticketKeyStorePrefix = "ticketkey:"

// TicketKeyOptions configures TicketKeys. The zero value is valid: local
// keys, rotated daily, seven of them opening.
type TicketKeyOptions struct {
	// Period is how long one key seals; zero means DefaultRotationPeriod.
	// Periods are counted from the Unix epoch, so the servers of a fleet
	// rotate at the same instants.
	Period time.Duration
	// Window is how many earlier keys still open tickets; zero means
	// DefaultKeyWindow. A ticket opens for at least Window periods.
	Window int
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Rand is the source of keys and nonces; nil means crypto/rand.
	Rand io.Reader
	// Store, when set, shares keys across a fleet: the key of period N
	// is the store entry "ticketkey:N", created by the first server that
	// needs it (so the store must implement Adder) and read by the
	// others. When the store fails, the keys fall back to a local key
	// for a while, and tickets sealed meanwhile open only on this server.
	// The store holds key secrets: protect it as you protect the keys.
	Store Store
	// Timeout bounds each exchange with Store; zero means DefaultTimeout.
	Timeout time.Duration
}

// TicketKeys seals and opens session tickets under rotating keys: the
// current key seals, and it and the Window keys before it open. Rotation
// follows the clock and happens lazily in Seal and Open, so TicketKeys
// starts no goroutines. Seal and Open read the keys without a lock. It is
// safe for concurrent use.
type TicketKeys struct {
	period  time.Duration
	window  int
	clock   func() time.Time
	rand    io.Reader
	store   Store
	adder   Adder
	timeout time.Duration

	set atomic.Pointer[keySet]

	mu      sync.Mutex      // serializes changes to set
	lookups map[int64]int64 // period -> Unix nanoseconds of its last store lookup; guarded by mu
}

// NewTicketKeys returns TicketKeys configured by opts, with a first key
// ready. With a Store it fetches or creates the current period's shared
// key, falling back to a local key when the store does not answer.
func NewTicketKeys(opts TicketKeyOptions) (*TicketKeys, error) {
	k := &TicketKeys{
		period: opts.Period, window: opts.Window, clock: opts.Clock,
		rand: opts.Rand, store: opts.Store, timeout: opts.Timeout,
		lookups: make(map[int64]int64),
	}
	if k.period == 0 {
		k.period = DefaultRotationPeriod
	}
	if k.window == 0 {
		k.window = DefaultKeyWindow
	}
	if k.period < 0 || k.window < 0 {
		return nil, errors.New("session: ticket key period and window must not be negative")
	}
	if k.clock == nil {
		k.clock = time.Now
	}
	if k.rand == nil {
		k.rand = rand.Reader
	}
	if k.timeout <= 0 {
		k.timeout = DefaultTimeout
	}
	if k.store != nil {
		adder, ok := k.store.(Adder)
		if !ok {
			return nil, errors.New("session: a store that shares ticket keys must implement Adder")
		}
		k.adder = adder
	}
	set, err := k.rotated(&keySet{}, k.clock())
	if err != nil {
		return nil, err
	}
	k.set.Store(set)
	return k, nil
}

// MaxAge returns how long a ticket sealed now is sure to open: Window
// periods. Ticket lifetimes should not exceed it.
func (k *TicketKeys) MaxAge() time.Duration {
	return time.Duration(k.window) * k.period
}

// Seal encrypts plaintext under the current key.
func (k *TicketKeys) Seal(plaintext []byte) ([]byte, error) {
	set := k.current()
	if len(set.keys) == 0 {
		return nil, errors.New("session: no ticket key")
	}
	return set.keys[0].seal(k.rand, plaintext)
}

// Open decrypts a ticket sealed by Seal under any key in the window, here
// or, with a shared store, on another server of the fleet. It returns
// ErrInvalidTicket when no such key opens it.
func (k *TicketKeys) Open(ticket []byte) ([]byte, error) {
	name, period, ok := ticketKeyName(ticket)
	if !ok {
		return nil, ErrInvalidTicket
	}
	set := k.current()
	key := set.find(name)
	if key == nil && k.store != nil && !set.manual {
		key = k.fetch(name, period)
	}
	if key == nil {
		return nil, ErrInvalidTicket
	}
	return key.open(ticket)
}

// Rotate starts a new key now, keeping earlier keys within the window and
// at most Window earlier keys. With a Store, where the clock decides the
// fleet's keys, it only fetches the current period's key again. After
// SetKeys it does nothing.
func (k *TicketKeys) Rotate() {
	k.mu.Lock()
	defer k.mu.Unlock()
	set := k.set.Load()
	if set.manual {
		return
	}
	if next, err := k.rotated(set, k.clock()); err == nil {
		k.set.Store(next)
	}
}

// SetKeys replaces the keys by keys, for fleets that distribute ticket
// keys themselves: the first seals, all open, and nothing rotates until
// the next SetKeys. An empty keys returns to automatic rotation.
func (k *TicketKeys) SetKeys(keys [][32]byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(keys) == 0 {
		if next, err := k.rotated(&keySet{}, k.clock()); err == nil {
			k.set.Store(next)
		}
		return
	}
	set := &keySet{manual: true}
	for i := range keys {
		key, err := newTicketKey(keys[i][:], 0)
		if err != nil {
			return // unreachable: the secret is 32 bytes
		}
		set.keys = append(set.keys, key)
	}
	k.set.Store(set)
}

// current returns the key set to use now, rotating first when the clock
// has entered a new period or a failed store is due to be asked again.
// When another goroutine is rotating, it returns the set in place.
func (k *TicketKeys) current() *keySet {
	set := k.set.Load()
	now := k.clock()
	if !k.due(set, now) || !k.mu.TryLock() {
		return set
	}
	defer k.mu.Unlock()
	set = k.set.Load()
	if !k.due(set, now) {
		return set
	}
	next, err := k.rotated(set, now)
	if err != nil {
		return set
	}
	k.set.Store(next)
	return next
}

// due reports whether set must rotate at now.
func (k *TicketKeys) due(set *keySet, now time.Time) bool {
	if set.manual {
		return false
	}
	return k.periodOf(now) > set.period || (set.fallback && now.UnixNano() >= set.retryAt)
}

// rotated returns set with a new first key for the period of now: a new
// local key, or the fleet's key from the store.
func (k *TicketKeys) rotated(set *keySet, now time.Time) (*keySet, error) {
	n := k.periodOf(now)
	next := &keySet{period: n}
	var key *ticketKey
	var err error
	maxKeys := k.window + 1
	if k.store != nil {
		maxKeys = 2 * (k.window + 2)
		key, err = k.sharedKey(n)
		if err != nil {
			next.fallback = true
			next.retryAt = now.Add(storeRetryInterval).UnixNano()
			if set.fallback && set.period == n {
				next.keys = set.keys // keep sealing under this period's local key
				return next, nil
			}
			key, err = k.localKey(n)
		}
	} else {
		key, err = k.localKey(n)
	}
	if err != nil {
		return nil, err
	}
	next.keys = withKey(key, set.keys, n-int64(k.window), maxKeys)
	return next, nil
}

// localKey returns a new random key for period n.
func (k *TicketKeys) localKey(n int64) (*ticketKey, error) {
	secret := make([]byte, 32)
	if _, err := io.ReadFull(k.rand, secret); err != nil {
		return nil, fmt.Errorf("session: ticket key: %w", err)
	}
	return newTicketKey(secret, n)
}

// sharedKey returns the fleet's key for period n, creating it in the
// store when no server has yet.
func (k *TicketKeys) sharedKey(n int64) (*ticketKey, error) {
	ctx, cancel := context.WithTimeout(context.Background(), k.timeout)
	defer cancel()
	name := storeKeyName(n)
	secret, err := k.store.Get(ctx, name)
	if errors.Is(err, ErrNotFound) {
		secret = make([]byte, 32)
		if _, err := io.ReadFull(k.rand, secret); err != nil {
			return nil, fmt.Errorf("session: ticket key: %w", err)
		}
		ttl := time.Duration(k.window+2) * k.period
		var stored bool
		if stored, err = k.adder.Add(ctx, name, secret, ttl); err == nil && !stored {
			secret, err = k.store.Get(ctx, name) // another server won the race
		}
	}
	if err != nil {
		return nil, err
	}
	return newTicketKey(secret, n)
}

// fetch looks up in the store the key of period, which a ticket named
// name claims to be sealed under, and adds it to the set. It returns the
// key when it is the one the ticket names. Only periods within the window
// (and the next one, for a peer whose clock is ahead) are looked up, each
// at most once per storeRetryInterval, so forged tickets cannot flood the
// store.
func (k *TicketKeys) fetch(name [keyNameLen]byte, period int64) *ticketKey {
	now := k.clock()
	n := k.periodOf(now)
	if period < n-int64(k.window) || period > n+1 || !k.mu.TryLock() {
		return nil
	}
	defer k.mu.Unlock()
	set := k.set.Load()
	if key := set.find(name); key != nil || set.manual {
		return key
	}
	if last, ok := k.lookups[period]; ok && now.UnixNano()-last < int64(storeRetryInterval) {
		return nil
	}
	for p := range k.lookups {
		if p < n-int64(k.window) {
			delete(k.lookups, p)
		}
	}
	k.lookups[period] = now.UnixNano()
	ctx, cancel := context.WithTimeout(context.Background(), k.timeout)
	defer cancel()
	secret, err := k.store.Get(ctx, storeKeyName(period))
	if err != nil {
		return nil
	}
	key, err := newTicketKey(secret, period)
	if err != nil || set.find(key.name) != nil {
		return nil
	}
	next := *set
	next.keys = append(append([]*ticketKey(nil), set.keys...), key)
	k.set.Store(&next)
	if key.name != name {
		return nil
	}
	return key
}

// periodOf returns the number of the rotation period t falls in, counted
// from the Unix epoch.
func (k *TicketKeys) periodOf(t time.Time) int64 {
	ns, p := t.UnixNano(), int64(k.period)
	q := ns / p
	if ns%p < 0 {
		q--
	}
	return q
}

// storeKeyName returns the store key of period n's shared ticket key.
func storeKeyName(n int64) string {
	return ticketKeyStorePrefix + strconv.FormatInt(n, 10)
}
