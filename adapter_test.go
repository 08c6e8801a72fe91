package gotls_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"gotls"
	"gotls/internal/testenv"
)

// ourPair returns a handshaken gotls client and server over loopback TCP.
func ourPair(t *testing.T, ccfg, scfg *gotls.Config) (*gotls.Conn, *gotls.Conn) {
	t.Helper()
	a, b := tcpPair(t)
	cl, srv := gotls.Client(a, ccfg), gotls.Server(b, scfg)
	if err := bothEnds(srv.Handshake, cl.Handshake); err != nil {
		t.Fatal(err)
	}
	return cl, srv
}

func ourPairDefault(t *testing.T) (*gotls.Conn, *gotls.Conn) {
	ccfg, scfg := ourConfigs(t)
	return ourPair(t, ccfg, scfg)
}

func ourConfigs(t *testing.T) (*gotls.Config, *gotls.Config) {
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	return &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool},
		&gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}}
}

func TestConcurrentReadWrite(t *testing.T) {
	cl, srv := ourPairDefault(t)
	const writers, each = 4, 64 << 10
	var wg sync.WaitGroup
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := cl.Write(bytes.Repeat([]byte{'x'}, each)); err != nil {
				t.Error(err)
			}
		}()
	}
	go func() { io.Copy(srv, srv) }()
	got := 0
	buf := make([]byte, 8192)
	cl.SetReadDeadline(time.Now().Add(20 * time.Second))
	for got < writers*each {
		n, err := cl.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Count(buf[:n], []byte{'x'}) != n {
			t.Fatal("corrupted echo")
		}
		got += n
	}
	wg.Wait()
}

func TestHandshakeContextCancel(t *testing.T) {
	a, _ := tcpPair(t) // the far end never answers
	cl := gotls.Client(a, &gotls.Config{ServerName: "localhost"})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := cl.HandshakeContext(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v; want context.DeadlineExceeded", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("cancellation took too long")
	}
}

func TestHandshakeTimeout(t *testing.T) {
	a, _ := tcpPair(t)
	cl := gotls.Client(a, &gotls.Config{ServerName: "localhost", HandshakeTimeout: 150 * time.Millisecond})
	if err := cl.Handshake(); err == nil {
		t.Fatal("handshake with a silent peer succeeded")
	}
}

func TestKeyUpdateBothWays(t *testing.T) {
	cl, srv := ourPairDefault(t)
	for i := 0; i < 5; i++ {
		if err := cl.SendKeyUpdate(i%2 == 0); err != nil {
			t.Fatal(err)
		}
		msg := []byte(strings.Repeat("k", 100+i))
		if err := bothEnds(
			func() error { return exchange(srv, msg, msg) },
			func() error { return exchange(cl, msg, msg) }); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if err := srv.SendKeyUpdate(false); err != nil {
			t.Fatal(err)
		}
	}
}

func TestExporterMatchesCryptoTLS(t *testing.T) {
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	a, b := tcpPair(t)
	srv := tls.Server(b, &tls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}})
	cl := gotls.Client(a, &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool})
	if err := bothEnds(srv.Handshake, cl.Handshake); err != nil {
		t.Fatal(err)
	}
	st := srv.ConnectionState()
	want, err := st.ExportKeyingMaterial("EXPERIMENTAL gotls", []byte("ctx"), 42)
	if err != nil {
		t.Fatal(err)
	}
	got, err := cl.ExportKeyingMaterial("EXPERIMENTAL gotls", []byte("ctx"), 42)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("exporter %x, %v; want %x", got, err, want)
	}
}

func TestKeyLogWriter(t *testing.T) {
	ccfg, scfg := ourConfigs(t)
	var log bytes.Buffer
	ccfg.KeyLogWriter = &log
	ourPair(t, ccfg, scfg)
	for _, label := range []string{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
		"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"} {
		if !strings.Contains(log.String(), label+" ") {
			t.Errorf("key log lacks %s:\n%s", label, log.String())
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		if f := strings.Fields(line); len(f) != 3 || len(f[1]) != 64 {
			t.Errorf("malformed key log line %q", line)
		}
	}
}

func TestCloseNotifyAndTruncation(t *testing.T) {
	cl, srv := ourPairDefault(t)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	cl.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := cl.Read(make([]byte, 10)); err != io.EOF {
		t.Fatalf("read after close_notify: %v; want io.EOF", err)
	}

	cl2, srv2 := ourPairDefault(t)
	srv2.NetConn().Close() // no close_notify
	cl2.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := cl2.Read(make([]byte, 10)); !errors.Is(err, gotls.ErrTruncated) {
		t.Fatalf("read after truncation: %v; want ErrTruncated", err)
	}
}

func TestVerificationErrorNamesCheck(t *testing.T) {
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	tests := []struct {
		name, serverName, check string
		roots                   bool
		alert                   string
	}{
		{"wrong host", "wrong.test", "hostname", true, "bad certificate"},
		{"unknown CA", "localhost", "chain", false, "unknown certificate authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tcpPair(t)
			srv := tls.Server(b, &tls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}})
			cfg := &gotls.Config{ServerName: tt.serverName, RootCAs: testenv.NewCA(t, testenv.ECDSAP256).Pool}
			if tt.roots {
				cfg.RootCAs = ca.Pool
			}
			cl := gotls.Client(a, cfg)
			var serr error
			err := bothEnds(func() error { serr = srv.Handshake(); return nil }, cl.Handshake)
			var cve *gotls.CertificateVerificationError
			if !errors.As(err, &cve) || cve.Check != tt.check {
				t.Fatalf("client error %v; want a %q CertificateVerificationError", err, tt.check)
			}
			if serr == nil || !strings.Contains(serr.Error(), tt.alert) {
				t.Fatalf("server saw %v; want alert %q", serr, tt.alert)
			}
		})
	}
}

var _ net.Conn = (*gotls.Conn)(nil)

// TestFullDuplexEchoNoDeadlock streams to an echo server while another
// goroutine reads the echo back: a reader must never wait for a writer that
// is blocked on a full socket.
func TestFullDuplexEchoNoDeadlock(t *testing.T) {
	cl, srv := ourPairDefault(t)
	go func() {
		buf := make([]byte, 16384)
		for {
			n, err := srv.Read(buf)
			if n > 0 {
				if _, werr := srv.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				srv.CloseWrite()
				return
			}
		}
	}()
	const total = 16 << 20
	done := make(chan error, 1)
	go func() {
		n, err := io.Copy(io.Discard, cl)
		if err == nil && n != total {
			err = errors.New("short echo")
		}
		done <- err
	}()
	cl.SetDeadline(time.Now().Add(60 * time.Second))
	chunk := make([]byte, 16384)
	for sent := 0; sent < total; sent += len(chunk) {
		if _, err := cl.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := cl.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("full-duplex echo deadlocked")
	}
}

// TestCloseNotifyDuringHandshake checks that a peer's close_notify ends
// the handshake at once even when more bytes follow on an open
// connection, instead of leaving the handshake loop with nothing to do.
func TestCloseNotifyDuringHandshake(t *testing.T) {
	_, scfg := ourConfigs(t)
	scfg.HandshakeTimeout = 5 * time.Second
	a, b := tcpPair(t)
	srv := gotls.Server(b, scfg)
	closeNotify := []byte{21, 3, 3, 0, 2, 1, 0}
	junk := []byte{22, 3, 3, 0, 1}
	if _, err := a.Write(append(closeNotify, junk...)); err != nil {
		t.Fatal(err)
	}
	err := srv.Handshake()
	var remote *gotls.RemoteAlertError
	if !errors.As(err, &remote) || remote.Alert != gotls.Alert(0) {
		t.Fatalf("handshake error = %v; want the peer's close_notify", err)
	}
}
