package main

import (
	"crypto/rand"
	"sync"
	"time"

	"gotls/session"
)

// shimState is what lives for the whole process, across the test's 1 +
// -resume-count connections: the client's session cache, the server's
// ticket key and session store, and a clock that -resumption-delay moves
// forward, as BoringSSL's shim keeps its SSL_CTX and its fake clock.
type shimState struct {
	cache     *recordingCache
	store     *session.MemoryStore
	ticketKey [32]byte
	clock     *shimClock
}

// newShimState makes the state with a random ticket key.
func newShimState() (*shimState, error) {
	st := &shimState{cache: newRecordingCache(), clock: &shimClock{base: time.Now()}}
	if _, err := rand.Read(st.ticketKey[:]); err != nil {
		return nil, err
	}
	st.store = session.NewMemoryStore(st.clock.now)
	return st, nil
}

// shimClock is a clock that stands still except when the test moves it,
// like BoringSSL's shim clock: ticket ages then come out exactly as the
// runner computes them. It starts at the process's start time, so that
// the runner's freshly made certificates are valid.
type shimClock struct {
	mu     sync.Mutex
	base   time.Time
	offset time.Duration
}

// now returns the clock's time.
func (c *shimClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(c.offset)
}

// advance moves the clock forward.
func (c *shimClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// recordingCache is the client's session cache. It counts the sessions
// stored, so that the shim can check, as BoringSSL's does, whether a
// connection established a new session.
type recordingCache struct {
	mu       sync.Mutex
	sessions map[string][]byte
	puts     int
}

func newRecordingCache() *recordingCache {
	return &recordingCache{sessions: make(map[string][]byte)}
}

// Get returns the session stored under key.
func (c *recordingCache) Get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.sessions[key]
	return v, ok
}

// Put stores a session under key; a nil value deletes it.
func (c *recordingCache) Put(key string, value []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if value == nil {
		delete(c.sessions, key)
		return
	}
	c.sessions[key] = value
	c.puts++
}

// stored returns how many sessions have been stored so far.
func (c *recordingCache) stored() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.puts
}

// empty reports whether the cache holds no session to offer.
func (c *recordingCache) empty() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sessions) == 0
}
