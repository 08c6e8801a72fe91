package testenv

import (
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

// replyServer accepts connections on l until it is closed; for each it
// reads everything up to end of stream, then answers "got N" and closes.
func replyServer(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(IOTimeout))
			n, err := io.Copy(io.Discard, c)
			if err == nil {
				_, _ = io.WriteString(c, "got "+strconv.FormatInt(n, 10))
			}
		}()
	}
}

// askReply sends data over a new connection to addr, half-closes it and
// returns all that comes back before the far end closes.
func askReply(addr string, data []byte) (string, error) {
	c, err := net.DialTimeout("tcp", addr, StartTimeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(IOTimeout))
	if _, err := c.Write(data); err != nil {
		return "", err
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return "", err
	}
	got, err := io.ReadAll(c)
	return string(got), err
}

// TestBridgeRelays checks that the bridge carries data both ways and
// passes a half-close on, for several connections at once.
func TestBridgeRelays(t *testing.T) {
	target := Listen(t)
	go replyServer(target)
	addr := startBridge(t, func() (net.Conn, error) { return net.Dial("tcp", target.Addr().String()) })
	if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.1" {
		t.Errorf("bridge listens on %s, want 127.0.0.1", addr)
	}
	sizes := []int{0, 1, MiB}
	type reply struct {
		s   string
		err error
	}
	done := make(chan reply, len(sizes))
	for _, n := range sizes {
		go func() {
			s, err := askReply(addr, Payload("bridge", n))
			done <- reply{s, err}
		}()
	}
	want := map[string]bool{"got 0": true, "got 1": true, "got 1048576": true}
	for range sizes {
		r := <-done
		if r.err != nil {
			t.Errorf("relay: %v", r.err)
			continue
		}
		got := r.s
		if !want[got] {
			t.Errorf("reply %q, want one of %v", got, want)
		}
		delete(want, got)
	}
}

// TestBridgeDialFailure checks that a client whose connection cannot be
// relayed sees it closed, and that the failure is recorded.
func TestBridgeDialFailure(t *testing.T) {
	dialErr := errors.New("no target")
	b := newBridge(Listen(t), func() (net.Conn, error) { return nil, dialErr })
	if got, err := askReply(b.ln.Addr().String(), []byte("x")); got != "" {
		t.Errorf("reply %q, %v; want none", got, err)
	}
	if err := b.close(ExitTimeout); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := b.failure(); !errors.Is(err, dialErr) {
		t.Errorf("failure = %v, want %v", err, dialErr)
	}
}

// TestBridgeClose checks that closing the bridge ends open relays
// promptly and stops accepting.
func TestBridgeClose(t *testing.T) {
	target := Listen(t)
	held := make(chan net.Conn, 1)
	go func() {
		if c, err := target.Accept(); err == nil {
			held <- c // never answers
		}
	}()
	t.Cleanup(func() {
		select {
		case c := <-held:
			_ = c.Close()
		default:
		}
	})
	b := newBridge(Listen(t), func() (net.Conn, error) { return net.Dial("tcp", target.Addr().String()) })
	c, err := net.Dial("tcp", b.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := b.close(ExitTimeout); err != nil {
		t.Errorf("close: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("close took %v", d)
	}
	_ = c.SetReadDeadline(time.Now().Add(StartTimeout))
	if n, err := c.Read(make([]byte, 1)); err == nil {
		t.Errorf("Read after close = %d, nil; want the connection closed", n)
	}
	if c2, err := net.DialTimeout("tcp", b.ln.Addr().String(), time.Second); err == nil {
		c2.Close()
		t.Errorf("bridge still accepts after close")
	}
}
