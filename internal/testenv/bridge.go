package testenv

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// bridge accepts TCP connections on a listener on 127.0.0.1 and relays
// each one, byte for byte in both directions, to a new connection that
// dial makes. It is how a server confined to a network namespace of its
// own is reached from the test's namespace.
type bridge struct {
	ln   net.Listener
	dial func() (net.Conn, error)
	wg   sync.WaitGroup // the accept loop and every relay

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{} // open connections on both sides
	err    error                 // first failure to reach the target
}

// startBridge listens on 127.0.0.1 with a port the kernel chooses, relays
// every connection to one that dial makes, and returns the listening
// address. Everything is closed when the test ends.
func startBridge(t testing.TB, dial func() (net.Conn, error)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: bridge listener: %v", err)
	}
	b := newBridge(ln, dial)
	t.Cleanup(func() {
		if err := b.close(ExitTimeout); err != nil {
			t.Errorf("testenv: bridge on %s: %v", ln.Addr(), err)
		}
		if err := b.failure(); err != nil && t.Failed() {
			t.Logf("testenv: bridge on %s could not reach its target: %v", ln.Addr(), err)
		}
	})
	return ln.Addr().String()
}

// newBridge starts relaying the connections ln accepts to ones that dial
// makes; close stops it.
func newBridge(ln net.Listener, dial func() (net.Conn, error)) *bridge {
	b := &bridge{ln: ln, dial: dial, conns: make(map[net.Conn]struct{})}
	b.wg.Add(1)
	go b.serve()
	return b
}

// serve accepts connections until the listener is closed.
func (b *bridge) serve() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.wg.Add(1)
		go b.relay(c)
	}
}

// relay connects client to a new connection to the target and copies
// between them until both directions have ended.
func (b *bridge) relay(client net.Conn) {
	defer b.wg.Done()
	if !b.track(client) {
		return
	}
	defer b.untrack(client)
	target, err := b.dial()
	if err != nil {
		b.fail(err)
		return
	}
	if !b.track(target) {
		return
	}
	defer b.untrack(target)
	done := make(chan struct{})
	go func() {
		copyHalf(target, client)
		close(done)
	}()
	copyHalf(client, target)
	<-done
}

// halfCloser is the part of *net.TCPConn that ends one direction only.
type halfCloser interface {
	CloseWrite() error
}

// copyHalf copies src to dst until src ends. A clean end of src is
// passed on as a half-close of dst, so the other direction can go on; an
// error closes both connections, which ends the other direction too.
func copyHalf(dst, src net.Conn) {
	_, err := io.Copy(dst, src)
	if hc, ok := dst.(halfCloser); ok && err == nil {
		if hc.CloseWrite() == nil {
			return
		}
	}
	_ = dst.Close()
	_ = src.Close()
}

// track records c as open, or closes it and returns false once the bridge
// is closing.
func (b *bridge) track(c net.Conn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		_ = c.Close()
		return false
	}
	b.conns[c] = struct{}{}
	return true
}

// untrack closes c and forgets it.
func (b *bridge) untrack(c net.Conn) {
	_ = c.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.conns, c)
}

// fail records the first failure to reach the target.
func (b *bridge) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err = err
	}
}

// failure returns the first failure to reach the target, if any.
func (b *bridge) failure() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// close stops accepting, closes every open connection and waits up to
// timeout for the accept loop and the relays to end.
func (b *bridge) close(timeout time.Duration) error {
	err := b.ln.Close()
	b.mu.Lock()
	b.closed = true
	for c := range b.conns {
		_ = c.Close()
	}
	b.mu.Unlock()
	ended := make(chan struct{})
	go func() {
		b.wg.Wait()
		close(ended)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-ended:
	case <-timer.C:
		err = errors.Join(err, fmt.Errorf("relays still running after %v", timeout))
	}
	return err
}
