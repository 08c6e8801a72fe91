package gotls_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"
)

// payload returns n deterministic pseudo-random bytes named by seed.
func payload(seed string, n int) []byte {
	out := make([]byte, 0, n+32)
	block := sha256.Sum256([]byte(seed))
	for len(out) < n {
		out = append(out, block[:]...)
		block = sha256.Sum256(block[:])
	}
	return out[:n]
}

// exchange sends send over c while reading len(want) bytes, then checks
// what arrived. Both directions run at once, so neither side can block
// the other.
func exchange(c net.Conn, send, want []byte) error {
	c.SetDeadline(time.Now().Add(30 * time.Second))
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(send)
		errc <- err
	}()
	got := make([]byte, len(want))
	_, rerr := io.ReadFull(c, got)
	werr := <-errc
	if err := errors.Join(rerr, werr); err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("received %d bytes that differ from what was sent", len(got))
	}
	return nil
}

// bothEnds runs the two ends of a connection at once and joins their errors.
func bothEnds(a, b func() error) error {
	errc := make(chan error, 1)
	go func() { errc <- a() }()
	errB := b()
	return errors.Join(<-errc, errB)
}

// tcpPair returns two connected loopback TCP connections.
func tcpPair(t testing.TB) (net.Conn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := l.Accept()
		ch <- res{c, err}
	}()
	a, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { a.Close(); r.c.Close() })
	return a, r.c
}
