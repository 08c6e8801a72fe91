package gotls_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"gotls"
	"gotls/internal/testenv"
	"gotls/session"
	"gotls/session/redistest"
)

// A fleet of gotls servers in separate processes shares one real
// redis-server: tickets keys, TLS 1.2 sessions and 0-RTT anti-replay
// records. The server processes are this test binary run again with
// GOTLS_HELPER=1 (see TestHelperServer).

// TestHelperServer is not a test. Run by TestFleetRedis with
// GOTLS_HELPER=1, it is one server of the fleet: it prints "LISTEN addr",
// then serves until killed, answering each client with one status line
// and printing the 0-RTT decisions of its handshakes.
func TestHelperServer(t *testing.T) {
	if os.Getenv("GOTLS_HELPER") != "1" {
		t.Skip("helper process of TestFleetRedis")
	}
	if err := runFleetServer(); err != nil {
		fmt.Println("helper failed:", err)
		os.Exit(1)
	}
}

// runFleetServer serves TLS with a Redis-backed session store.
func runFleetServer() error {
	cert, err := tls.LoadX509KeyPair(os.Getenv("GOTLS_CERT"), os.Getenv("GOTLS_KEY"))
	if err != nil {
		return err
	}
	store, err := session.NewRedisStore(session.RedisOptions{Addr: os.Getenv("GOTLS_REDIS")})
	if err != nil {
		return err
	}
	var outMu sync.Mutex
	printf := func(format string, args ...any) {
		outMu.Lock()
		defer outMu.Unlock()
		fmt.Printf(format, args...)
	}
	cfg := &gotls.Config{Certificates: []tls.Certificate{cert}, SessionStore: store, MaxEarlyData: 1024,
		HandshakeTrace: func(ev gotls.HandshakeEvent) {
			if ev.Step == "early data" {
				printf("early-data: %s\n", ev.Detail)
			}
		}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	printf("LISTEN %s\n", l.Addr())
	for {
		raw, err := l.Accept()
		if err != nil {
			return err
		}
		go serveFleetConn(gotls.Server(raw, cfg))
	}
}

// serveFleetConn completes one handshake and reports it to the client.
func serveFleetConn(c *gotls.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if err := c.Handshake(); err != nil {
		return
	}
	st := c.ConnectionState()
	fmt.Fprintf(c, "resumed=%v version=%04x early=%q\n", st.DidResume, st.Version, c.EarlyData())
}

// fleetServer is one helper process.
type fleetServer struct {
	addr string
	mu   sync.Mutex
	out  []string
}

// startFleetServer starts a helper process that uses Redis at redisAddr.
func startFleetServer(t *testing.T, redisAddr string, leaf *testenv.Leaf) *fleetServer {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServer$")
	cmd.Env = append(os.Environ(), "GOTLS_HELPER=1", "GOTLS_REDIS="+redisAddr,
		"GOTLS_CERT="+leaf.ChainFile, "GOTLS_KEY="+leaf.KeyFile)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	f := &fleetServer{}
	ready := make(chan string, 1)
	go f.readOutput(stdout, ready)
	select {
	case f.addr = <-ready:
	case <-time.After(10 * time.Second):
		t.Fatalf("helper server did not start: %q", f.lines())
	}
	return f
}

// readOutput collects the helper's output lines and announces its address.
func (f *fleetServer) readOutput(r io.Reader, ready chan<- string) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		line := s.Text()
		if addr, ok := strings.CutPrefix(line, "LISTEN "); ok {
			ready <- addr
		}
		f.mu.Lock()
		f.out = append(f.out, line)
		f.mu.Unlock()
	}
}

// lines returns the helper's output so far.
func (f *fleetServer) lines() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.out...)
}

// waitLine waits for an output line containing want.
func (f *fleetServer) waitLine(t *testing.T, want string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, l := range f.lines() {
			if strings.Contains(l, want) {
				return
			}
		}
	}
	t.Fatalf("server never printed %q; output: %q", want, f.lines())
}

// connect runs one client connection to the server and returns the
// server's status line and what the client wrote first.
func (f *fleetServer) connect(t *testing.T, cfg *gotls.Config, early []byte) (string, *gotls.Conn, []byte) {
	t.Helper()
	raw, err := net.DialTimeout("tcp", f.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingConn{Conn: raw}
	c := gotls.Client(rec, cfg)
	defer c.Close()
	if early != nil {
		if err := c.SetEarlyData(early); err != nil {
			t.Fatal(err)
		}
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	status, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the status from %s: %v (server output %q)", f.addr, err, f.lines())
	}
	return strings.TrimSpace(status), c, rec.recorded()
}

func TestFleetRedis(t *testing.T) {
	redisAddr, _ := redistest.StartRedis(t)
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	a := startFleetServer(t, redisAddr, leaf)
	b := startFleetServer(t, redisAddr, leaf)
	tests := []struct {
		name    string
		version string
		adjust  func(*gotls.Config)
	}{
		{name: "TLS 1.3 ticket", version: "0304"},
		{name: "TLS 1.2 ticket", version: "0303", adjust: func(c *gotls.Config) { c.MaxVersion = gotls.VersionTLS12 }},
		{name: "TLS 1.2 session id", version: "0303", adjust: func(c *gotls.Config) {
			c.MaxVersion, c.SessionTicketsDisabled = gotls.VersionTLS12, true
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool, ClientSessionCache: session.NewLRUClientCache(0)}
			if tt.adjust != nil {
				tt.adjust(cfg)
			}
			for i, srv := range []*fleetServer{a, b} {
				status, _, _ := srv.connect(t, cfg, nil)
				want := fmt.Sprintf("resumed=%v version=%s", i == 1, tt.version)
				if !strings.HasPrefix(status, want) {
					t.Fatalf("connection %d: status %q, want %q", i, status, want)
				}
			}
		})
	}
	t.Run("0-RTT and replay", func(t *testing.T) {
		cfg := &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool, ClientSessionCache: session.NewLRUClientCache(0)}
		a.connect(t, cfg, nil)
		early := []byte("GET /once HTTP/1.1\r\n\r\n")
		status, c, flight := b.connect(t, cfg, early)
		if want := fmt.Sprintf("resumed=true version=0304 early=%q", early); status != want || !c.EarlyDataAccepted() {
			t.Fatalf("status %q (accepted %v), want %q", status, c.EarlyDataAccepted(), want)
		}
		// Replaying the client's flight to server A: the single-use record
		// that B took is gone from Redis, so A refuses the early data.
		raw, err := net.Dial("tcp", a.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		raw.Write(flight)
		a.waitLine(t, "single-use record is gone")
	})
}
