package gotls_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gotls"
	"gotls/internal/testenv"
	"gotls/internal/wire"
	"gotls/session"
)

// interopResumeCases are the kinds of resumption tested against
// openssl: TLS 1.3 tickets, TLS 1.2 tickets and TLS 1.2 session IDs
// (openssl's -no_ticket).
var interopResumeCases = []struct {
	name     string
	version  wire.Version
	noTicket bool
}{
	{"TLS 1.3", wire.VersionTLS13, false},
	{"TLS 1.2 ticket", wire.VersionTLS12, false},
	{"TLS 1.2 session id", wire.VersionTLS12, true},
}

// TestInteropOpenSSLClientResume resumes openssl s_client sessions
// (-sess_out, then -sess_in) on our server.
func TestInteropOpenSSLClientResume(t *testing.T) {
	testenv.Binary(t, "openssl")
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	for _, rc := range interopResumeCases {
		for _, hrr := range []bool{false, true} {
			if hrr && rc.version != wire.VersionTLS13 {
				continue
			}
			t.Run(fmt.Sprintf("%s/hrr=%v", rc.name, hrr), func(t *testing.T) {
				cfg := &gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}}
				// No group restriction without a retry: a TLS 1.2 client
				// refuses an ECDSA P-256 certificate when P-256 is not among
				// its groups (RFC 8422, Section 5.1).
				var groups []wire.Group
				if hrr {
					cfg.CurvePreferences = []tls.CurveID{tls.CurveP384}
					groups = []wire.Group{wire.GroupX25519, wire.GroupSecp384r1}
				}
				sess := filepath.Join(t.TempDir(), "session.pem")
				for i, args := range [][]string{{"-sess_out", sess}, {"-sess_in", sess}} {
					if rc.noTicket {
						args = append(args, "-no_ticket")
					}
					srv := serveOnePeer(t, cfg, func(addr string) *testenv.Proc {
						return testenv.OpenSSLClient(t, addr, testenv.ClientOpts{CA: ca, Version: rc.version, Groups: groups,
							Send: testenv.ClientPayload(), Args: args})
					})
					st := srv.ConnectionState()
					if st.DidResume != (i == 1) || st.HelloRetryRequest != hrr {
						t.Fatalf("connection %d: DidResume %v, HelloRetryRequest %v", i, st.DidResume, st.HelloRetryRequest)
					}
				}
			})
		}
	}
}

// TestInteropOpenSSLServerResume resumes our client's sessions with
// openssl s_server, whose -www page says whether the session was reused.
func TestInteropOpenSSLServerResume(t *testing.T) {
	testenv.Binary(t, "openssl")
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	for _, rc := range interopResumeCases {
		t.Run(rc.name, func(t *testing.T) {
			args := []string{"-www", "-naccept", "4"}
			if rc.noTicket {
				args = append(args, "-no_ticket")
			}
			_, addr := testenv.OpenSSLServer(t, testenv.ServerOpts{Leaf: leaf, Version: rc.version, Args: args})
			cfg := &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool, ClientSessionCache: session.NewLRUClientCache(0)}
			for i := range 2 {
				c := dialPeer(t, addr, cfg)
				page := getStatusPage(t, c)
				// s_server serves one connection at a time: close this one.
				c.Close()
				resumed := c.ConnectionState().DidResume
				if resumed != (i == 1) {
					t.Fatalf("connection %d: DidResume %v", i, resumed)
				}
				if want := map[bool]string{false: "New, ", true: "Reused, "}[resumed]; !strings.Contains(page, want) {
					t.Fatalf("connection %d: s_server page lacks %q:\n%s", i, want, page)
				}
			}
		})
	}
}

// getStatusPage asks s_server -www for its status page and returns it.
func getStatusPage(t *testing.T, c *gotls.Conn) string {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("GET / HTTP/1.0\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(c)
	if len(page) == 0 {
		t.Fatalf("no status page: %v", err)
	}
	return string(page)
}

// TestInteropOpenSSLEarlyData sends openssl s_client's -early_data to our
// server, which accepts it once.
func TestInteropOpenSSLEarlyData(t *testing.T) {
	testenv.Binary(t, "openssl")
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	dir := t.TempDir()
	sess, file := filepath.Join(dir, "session.pem"), filepath.Join(dir, "early.txt")
	early := []byte("GET /early HTTP/1.1\r\nHost: localhost\r\n\r\n")
	if err := os.WriteFile(file, early, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}, MaxEarlyData: 16384}
	steps := []struct {
		args   []string
		accept bool
	}{
		{args: []string{"-sess_out", sess}},
		{args: []string{"-sess_in", sess, "-early_data", file}, accept: true},
		// The same session again: its ticket's single-use record is gone.
		{args: []string{"-sess_in", sess, "-early_data", file}},
	}
	for i, step := range steps {
		srv := serveOnePeer(t, cfg, func(addr string) *testenv.Proc {
			return testenv.OpenSSLClient(t, addr, testenv.ClientOpts{CA: ca, Version: wire.VersionTLS13,
				Send: testenv.ClientPayload(), Args: step.args})
		})
		if srv.EarlyDataAccepted() != step.accept {
			t.Fatalf("connection %d: early data accepted %v, want %v", i, srv.EarlyDataAccepted(), step.accept)
		}
		if step.accept && !bytes.Equal(srv.EarlyData(), early) {
			t.Fatalf("connection %d: early data %q, want %q", i, srv.EarlyData(), early)
		}
		if i > 0 && !srv.ConnectionState().DidResume {
			t.Fatalf("connection %d did not resume", i)
		}
	}
}

// TestInteropOpenSSLServerEarlyData sends our client's 0-RTT data to
// openssl s_server -early_data, which prints it before the 1-RTT data.
func TestInteropOpenSSLServerEarlyData(t *testing.T) {
	testenv.Binary(t, "openssl")
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	p, addr := testenv.OpenSSLServer(t, testenv.ServerOpts{Leaf: leaf, Version: wire.VersionTLS13,
		Args: []string{"-early_data", "-naccept", "4"}})
	cfg := &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool, ClientSessionCache: session.NewLRUClientCache(0)}
	early := []byte("early:")
	var want []byte
	for i := range 2 {
		raw, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c := gotls.Client(raw, cfg)
		if err := c.SetEarlyData(early); err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if err := c.Handshake(); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		if c.EarlyDataAccepted() != (i == 1) || c.ConnectionState().DidResume != (i == 1) {
			t.Fatalf("connection %d: early data accepted %v, resumed %v", i, c.EarlyDataAccepted(), c.ConnectionState().DidResume)
		}
		if i == 1 {
			want = append(want, early...)
		}
		line := []byte(fmt.Sprintf("1-RTT %d;", i))
		want = append(want, line...)
		if _, err := c.Write(line); err != nil {
			t.Fatal(err)
		}
		// Reading takes in the server's NewSessionTicket; s_server sends
		// no data, so the read ends at its deadline.
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		c.Read(make([]byte, 1))
		c.Close()
		waitStdout(t, p, want)
	}
}

// waitStdout waits until p has printed want.
func waitStdout(t *testing.T, p *testenv.Proc, want []byte) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if bytes.Equal(p.Stdout(), want) {
			return
		}
	}
	t.Fatalf("s_server printed %q, want %q", p.Stdout(), want)
}
