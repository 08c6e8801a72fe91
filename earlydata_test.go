package gotls_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"gotls"
	"gotls/internal/testenv"
	"gotls/session"
)

// recordingConn keeps a copy of everything written through it.
type recordingConn struct {
	net.Conn
	mu      sync.Mutex
	written bytes.Buffer
}

func (r *recordingConn) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.written.Write(p)
	r.mu.Unlock()
	return r.Conn.Write(p)
}

// firstWrite returns what the connection wrote first: a client's
// ClientHello, compatibility change_cipher_spec and 0-RTT data.
func (r *recordingConn) recorded() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.written.Bytes())
}

// earlyFleet is two server Configs that share a store and ticket keys,
// like two servers behind one load balancer, and a client that caches
// sessions.
type earlyFleet struct {
	a, b   *gotls.Config
	client *gotls.Config
	cache  *session.LRUClientCache
}

func newEarlyFleet(t *testing.T) *earlyFleet {
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	store := session.NewMemoryStore(nil)
	keys := [][32]byte{{7, 7, 7}}
	server := func() *gotls.Config {
		c := &gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}, MaxEarlyData: 4096, SessionStore: store}
		c.SetSessionTicketKeys(keys)
		return c
	}
	cache := session.NewLRUClientCache(0)
	return &earlyFleet{a: server(), b: server(), cache: cache,
		client: &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool, ClientSessionCache: cache}}
}

// earlyConn runs one connection from the fleet's client to server cfg,
// with early data when early is not nil, and returns both ends after
// a ping and pong, with what the server received through Read.
func (f *earlyFleet) earlyConn(t *testing.T, cfg *gotls.Config, early []byte) (*gotls.Conn, *gotls.Conn, *recordingConn) {
	t.Helper()
	a, b := tcpPair(t)
	rec := &recordingConn{Conn: a}
	cl, srv := gotls.Client(rec, f.client), gotls.Server(b, cfg)
	if early != nil {
		if err := cl.SetEarlyData(early); err != nil {
			t.Fatal(err)
		}
	}
	err := bothEnds(
		func() error {
			if _, err := cl.Write([]byte("ping")); err != nil {
				return err
			}
			_, err := io.ReadFull(cl, make([]byte, 4))
			return err
		},
		func() error {
			got := make([]byte, 4)
			if _, err := io.ReadFull(srv, got); err != nil {
				return err
			}
			if string(got) != "ping" {
				t.Errorf("server read %q, want the 1-RTT data only", got)
			}
			_, err := srv.Write([]byte("pong"))
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close(); srv.Close() })
	return cl, srv, rec
}

func TestEarlyDataOurs(t *testing.T) {
	f := newEarlyFleet(t)
	early := []byte("GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n")
	f.earlyConn(t, f.a, nil)
	saved, ok := f.cache.Get("localhost")
	if !ok {
		t.Fatal("no session cached")
	}

	// Accepted once: delivered apart from Read, exactly as sent.
	cl, srv, _ := f.earlyConn(t, f.a, early)
	if !cl.ConnectionState().DidResume || !cl.EarlyDataAccepted() || !srv.EarlyDataAccepted() {
		t.Fatalf("early data not accepted (resumed %v)", cl.ConnectionState().DidResume)
	}
	if got := srv.EarlyData(); !bytes.Equal(got, early) {
		t.Fatalf("server early data %q, want %q", got, early)
	}

	// The same ticket on the other server of the fleet: the shared
	// single-use record is gone, so the data is refused; the session
	// still resumes.
	f.cache.Put("localhost", saved)
	cl, srv, _ = f.earlyConn(t, f.b, early)
	if !cl.ConnectionState().DidResume || cl.EarlyDataAccepted() || srv.EarlyData() != nil {
		t.Fatalf("early data accepted twice (resumed %v)", cl.ConnectionState().DidResume)
	}

	// SetEarlyData is refused once the handshake ran, and on servers.
	if err := cl.SetEarlyData([]byte("late")); err == nil {
		t.Error("SetEarlyData after the handshake succeeded")
	}
	if err := srv.SetEarlyData([]byte("x")); err == nil {
		t.Error("SetEarlyData on a server succeeded")
	}
}

func TestEarlyDataReplay(t *testing.T) {
	f := newEarlyFleet(t)
	f.earlyConn(t, f.a, nil)
	early := []byte("POST /transfer amount=100")
	_, srv, rec := f.earlyConn(t, f.a, early)
	if !bytes.Equal(srv.EarlyData(), early) {
		t.Fatal("first server did not accept the early data")
	}
	// An attacker replays the client's first flight to server B.
	flight := rec.recorded()
	a, b := tcpPair(t)
	replayed := gotls.Server(b, f.b)
	go func() {
		a.Write(flight)
		time.Sleep(300 * time.Millisecond)
		a.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := replayed.HandshakeContext(ctx); err == nil {
		t.Fatal("replayed handshake completed")
	}
	if replayed.EarlyData() != nil || replayed.EarlyDataAccepted() {
		t.Fatal("replayed early data was accepted")
	}
}
