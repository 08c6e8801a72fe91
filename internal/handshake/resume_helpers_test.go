package handshake_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"gotls/internal/handshake"
)

// Test doubles for the resumption interfaces: an AES-GCM ticket sealer
// with one key, a map store with Take, and a map client cache.

// testSealer seals tickets with AES-256-GCM under one key.
type testSealer struct {
	aead  cipher.AEAD
	fail  bool
	seals int
}

func newTestSealer(t testing.TB) *testSealer {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return &testSealer{aead: aead}
}

func (s *testSealer) Seal(state []byte) ([]byte, error) {
	if s.fail {
		return nil, errors.New("sealer down")
	}
	s.seals++
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, state, nil), nil
}

func (s *testSealer) Open(ticket []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(ticket) < n {
		return nil, errors.New("short ticket")
	}
	return s.aead.Open(nil, ticket[:n], ticket[n:], nil)
}

// testStore is an in-memory SessionStore without expiry.
type testStore struct {
	mu   sync.Mutex
	m    map[string][]byte
	down bool
	puts int
}

var errTestNotFound = errors.New("not found")

func newTestStore() *testStore { return &testStore{m: map[string][]byte{}} }

func (s *testStore) Put(key string, v []byte, _ time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return errors.New("store down")
	}
	s.puts++
	s.m[key] = append([]byte(nil), v...)
	return nil
}

func (s *testStore) Get(key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return nil, errors.New("store down")
	}
	v, ok := s.m[key]
	if !ok {
		return nil, errTestNotFound
	}
	return v, nil
}

func (s *testStore) Take(key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return nil, errors.New("store down")
	}
	v, ok := s.m[key]
	if !ok {
		return nil, errTestNotFound
	}
	delete(s.m, key)
	return v, nil
}

// testCache is an in-memory ClientSessionCache.
type testCache struct {
	m map[string][]byte
}

func newTestCache() *testCache { return &testCache{m: map[string][]byte{}} }

func (c *testCache) Get(key string) ([]byte, bool) {
	v, ok := c.m[key]
	return v, ok
}

func (c *testCache) Put(key string, v []byte) {
	if v == nil {
		delete(c.m, key)
		return
	}
	c.m[key] = v
}

// session returns the decoded session cached under key, or nil.
func (c *testCache) session(t testing.TB, key string) *handshake.SessionState {
	t.Helper()
	raw, ok := c.m[key]
	if !ok {
		return nil
	}
	st, err := handshake.ParseSessionState(raw)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// resumeEnv is a client and server configuration pair set up for
// resumption: a sealer and store on the server, a cache on the client,
// and a clock both share.
type resumeEnv struct {
	pki    *testPKI
	sealer *testSealer
	store  *testStore
	cache  *testCache
	now    time.Time
}

func newResumeEnv(t testing.TB) *resumeEnv {
	return &resumeEnv{
		pki:    newTestPKI(t, keyECDSAP256),
		sealer: newTestSealer(t),
		store:  newTestStore(),
		cache:  newTestCache(),
		now:    time.Now(),
	}
}

// configs returns fresh configurations wired to the environment.
func (env *resumeEnv) configs() (client, server *handshake.Config) {
	client, server = env.pki.configs()
	clock := func() time.Time { return env.now }
	client.Time, server.Time = clock, clock
	client.ClientSessions = env.cache
	client.SessionKey = "localhost"
	server.TicketSealer = env.sealer
	server.SessionStore = env.store
	return client, server
}

// handshakeOnce runs one in-memory handshake with the configurations
// and requires it to succeed.
func handshakeOnce(t testing.TB, ccfg, scfg *handshake.Config) (client, server *peer) {
	t.Helper()
	client, server = runHandshake(t, ccfg, scfg)
	mustSucceed(t, client, server)
	return client, server
}
