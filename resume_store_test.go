package gotls_test

import (
	"crypto/tls"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"gotls"
	"gotls/internal/testenv"
	"gotls/session"
	"gotls/session/redistest"
)

// TestRedisKilledMidRun kills the Redis server under a running server:
// every handshake still completes, quickly, and no goroutine is left
// behind.
func TestRedisKilledMidRun(t *testing.T) {
	addr, stop := redistest.StartRedis(t)
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	before := runtime.NumGoroutine()
	store, err := session.NewRedisStore(session.RedisOptions{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	scfg := &gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}, SessionStore: store, MaxEarlyData: 1024}
	// One client of each kind: TLS 1.3 with 0-RTT data, TLS 1.2 with a
	// session ID, so that every kind of store call is made.
	clients := []*gotls.Config{
		{ServerName: "localhost", RootCAs: ca.Pool, ClientSessionCache: session.NewLRUClientCache(0)},
		{ServerName: "localhost", RootCAs: ca.Pool, ClientSessionCache: session.NewLRUClientCache(0),
			MaxVersion: gotls.VersionTLS12, SessionTicketsDisabled: true},
	}
	const rounds, killAt = 12, 4
	var slowest time.Duration
	for i := range rounds {
		if i == killAt {
			stop()
		}
		for k, ccfg := range clients {
			start := time.Now()
			cs, _ := pingPong(t,
				func(c net.Conn) stateConn {
					cl := gotls.Client(c, ccfg)
					if k == 0 {
						cl.SetEarlyData([]byte("early"))
					}
					return cl
				},
				func(c net.Conn) stateConn { return gotls.Server(c, scfg) })
			d := time.Since(start)
			slowest = max(slowest, d)
			// A handshake makes a few store calls of at most 50 ms each.
			if d > time.Second {
				t.Errorf("round %d, client %d: handshake took %v", i, k, d)
			}
			if i > 0 && i < killAt && !cs.DidResume {
				t.Errorf("round %d, client %d: not resumed while Redis runs", i, k)
			}
		}
	}
	t.Logf("slowest handshake: %v", slowest)
	store.Close()
	checkNoGoroutineLeak(t, before)
}

// checkNoGoroutineLeak waits for the goroutine count to come back to
// before.
func checkNoGoroutineLeak(t *testing.T, before int) {
	t.Helper()
	var now int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if now = runtime.NumGoroutine(); now <= before {
			return
		}
	}
	buf := make([]byte, 1<<16)
	t.Fatalf("%d goroutines before, %d after:\n%s", before, now, buf[:runtime.Stack(buf, true)])
}

// TestTicketKeyRotation checks rotation end to end: a ticket issued under
// one key resumes after one rotation, and not once its key has left the
// window.
func TestTicketKeyRotation(t *testing.T) {
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	advance := func(d time.Duration) {
		mu.Lock()
		now = now.Add(d)
		mu.Unlock()
	}
	scfg := &gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}, Time: clock, TicketLifetime: 30 * 24 * time.Hour}
	steps := []struct {
		name    string
		advance time.Duration
		resumed bool
	}{
		{"first", 0, false},
		{"after one rotation", session.DefaultRotationPeriod + time.Hour, true},
		{"after the window", time.Duration(session.DefaultKeyWindow+1) * session.DefaultRotationPeriod, false},
	}
	for _, v := range []uint16{gotls.VersionTLS13, gotls.VersionTLS12} {
		ccfg := &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool, ClientSessionCache: session.NewLRUClientCache(0), MaxVersion: v}
		for _, step := range steps {
			advance(step.advance)
			// The client's ticket is from the previous step's handshake; a
			// fresh cache entry for each step's original ticket is kept by
			// not letting the client store a new one after the first.
			cs, ss := pingPong(t,
				func(c net.Conn) stateConn { return gotls.Client(c, ccfg) },
				func(c net.Conn) stateConn { return gotls.Server(c, scfg) })
			if cs.DidResume != step.resumed || ss.DidResume != step.resumed {
				t.Errorf("%x %s: resumed %v/%v, want %v", v, step.name, cs.DidResume, ss.DidResume, step.resumed)
			}
			if step.name == "first" {
				// Keep this ticket for the later steps.
				ccfg.ClientSessionCache = frozenCache{ccfg.ClientSessionCache}
			}
		}
	}
}

// frozenCache serves the sessions already in a cache and stores no more.
type frozenCache struct{ gotls.ClientSessionCache }

func (frozenCache) Put(string, []byte) {}

// TestRedisUnresponsive points the store at a server that accepts
// connections and never answers, so that every store call runs into its
// timeout: handshakes complete as full handshakes within a few timeouts,
// and no goroutine is left behind.
func TestRedisUnresponsive(t *testing.T) {
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	before := runtime.NumGoroutine()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	store, err := session.NewRedisStore(session.RedisOptions{Addr: l.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	scfg := &gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}, SessionStore: store, MaxEarlyData: 1024}
	ccfg := &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool, ClientSessionCache: session.NewLRUClientCache(0)}
	for i := range 4 {
		start := time.Now()
		cs, _ := pingPong(t,
			func(c net.Conn) stateConn { return gotls.Client(c, ccfg) },
			func(c net.Conn) stateConn { return gotls.Server(c, scfg) })
		d := time.Since(start)
		t.Logf("handshake %d: %v, resumed %v", i, d, cs.DidResume)
		if d > time.Second {
			t.Errorf("handshake %d took %v", i, d)
		}
	}
	store.Close()
	l.Close()
	mu.Lock()
	for _, c := range held {
		c.Close()
	}
	mu.Unlock()
	checkNoGoroutineLeak(t, before)
}
