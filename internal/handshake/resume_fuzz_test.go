package handshake_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"sync"
	"testing"
	"time"

	"gotls/internal/engine"
	"gotls/internal/handshake"
	"gotls/internal/wire"
)

// fuzzSealer seals with a fixed key and a counter nonce, so that tickets
// in the seed corpus keep opening from one run to the next.
type fuzzSealer struct {
	aead cipher.AEAD
	mu   sync.Mutex
	n    byte
}

func newFuzzSealer() *fuzzSealer {
	block, err := aes.NewCipher(bytes.Repeat([]byte{0x42}, 32))
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &fuzzSealer{aead: aead}
}

func (s *fuzzSealer) Seal(state []byte) ([]byte, error) {
	s.mu.Lock()
	s.n++
	nonce := make([]byte, s.aead.NonceSize())
	nonce[0] = s.n
	s.mu.Unlock()
	return s.aead.Seal(nonce, nonce, state, nil), nil
}

func (s *fuzzSealer) Open(ticket []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(ticket) < n {
		return nil, errTestNotFound
	}
	return s.aead.Open(nil, ticket[:n], ticket[n:], nil)
}

// fuzzStore lets every single-use record be taken, so that each fuzz run
// can accept early data; nothing is stored.
type fuzzStore struct{}

func (fuzzStore) Put(string, []byte, time.Duration) error { return nil }
func (fuzzStore) Get(string) ([]byte, error)              { return nil, errTestNotFound }
func (fuzzStore) Take(string) ([]byte, error)             { return []byte{1}, nil }

// fuzzClock is the fixed time of resumption fuzzing.
var fuzzClock = time.Unix(1_700_000_000, 0)

var resumeFuzzConfig struct {
	once sync.Once
	cfg  *handshake.Config
	pki  *testPKI
}

// resumeFuzzServer returns the server configuration of FuzzServerResume:
// tickets, 0-RTT, both PSK modes, TLS 1.3 and 1.2.
func resumeFuzzServer(t testing.TB) *handshake.Config {
	resumeFuzzConfig.once.Do(func() {
		pki := newTestPKI(t, keyECDSAP256)
		_, s := pki.configs()
		s.Time = func() time.Time { return fuzzClock }
		s.TicketSealer = newFuzzSealer()
		s.SessionStore = fuzzStore{}
		s.MaxEarlyData = 1024
		s.PSKModes = []wire.PSKKeyExchangeMode{wire.PSKModeDHEKE, wire.PSKModeKE}
		resumeFuzzConfig.cfg, resumeFuzzConfig.pki = s, pki
	})
	return resumeFuzzConfig.cfg
}

// resumeSeeds returns client flights that resume sessions with the fuzz
// server: TLS 1.3 with 0-RTT data, TLS 1.3 psk_ke, and a TLS 1.2 ticket.
func resumeSeeds(t testing.TB) map[string][]byte {
	s := resumeFuzzServer(t)
	seeds := map[string][]byte{}
	variants := map[string]func(c *handshake.Config){
		"tls13_early_data": func(c *handshake.Config) { c.EarlyData = []byte("early data") },
		"tls13_psk_ke":     func(c *handshake.Config) { c.PSKModes = []wire.PSKKeyExchangeMode{wire.PSKModeKE} },
		"tls12_ticket":     func(c *handshake.Config) { c.MaxVersion = wire.VersionTLS12 },
	}
	for name, adjust := range variants {
		cache := newTestCache()
		c, _ := resumeFuzzConfig.pki.configs()
		// The fixed clock is outside the test certificates' validity.
		c.Time, c.InsecureSkipVerify = s.Time, true
		c.ClientSessions, c.SessionKey = cache, "localhost"
		adjust(c)
		client, server := runHandshake(t, c, s)
		mustSucceed(t, client, server)
		next := newPeer(c, true)
		seeds[name] = append([]byte{0x3f}, next.E.Output()...)
	}
	return seeds
}

// FuzzServerResume feeds arbitrary bytes to a server that resumes
// sessions and accepts 0-RTT data. The first byte picks the chunk size.
// It must never panic or hang, and it fails with an error carrying an
// alert.
func FuzzServerResume(f *testing.F) {
	cfg := resumeFuzzServer(f)
	for _, seed := range resumeSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		chunk := int(data[0])%64 + 1
		e := engine.New(cfg, false)
		if err := e.Start(); err != nil {
			t.Fatal(err)
		}
		for rest := data[1:]; len(rest) > 0 && e.Err() == nil; {
			n := min(chunk, len(rest))
			took, _ := e.Feed(rest[:n])
			if took == 0 {
				break
			}
			rest = rest[took:]
		}
		if len(e.EarlyData()) > int(cfg.MaxEarlyData) {
			t.Fatalf("%d bytes of early data kept, over the limit", len(e.EarlyData()))
		}
		if err := e.Err(); err != nil && alertOf(err) == 0xff {
			if _, remote := err.(*engine.RemoteAlertError); !remote {
				t.Fatalf("error without an alert: %v", err)
			}
		}
	})
}

// TestResumeSeedsResume checks that the fuzz seeds reach the paths they
// are for: each resumes, and the first accepts its 0-RTT data.
func TestResumeSeedsResume(t *testing.T) {
	for name, seed := range resumeSeeds(t) {
		e := engine.New(resumeFuzzServer(t), false)
		if err := e.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Feed(seed[1:]); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !e.Handshake().Result().DidResume {
			t.Errorf("%s: server did not resume", name)
		}
		if name == "tls13_early_data" && string(e.EarlyData()) != "early data" {
			t.Errorf("%s: early data %q", name, e.EarlyData())
		}
	}
}
