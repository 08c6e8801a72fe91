package testenv

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"
)

// MiB is the size of the standard payloads.
const MiB = 1 << 20

// payloadLine is the number of base64 characters on one payload line.
const payloadLine = 76

// Payload returns n bytes of deterministic, printable data derived from
// seed: lines of base64 text, each ending in '\n'. It holds no '\r' and no
// '*', so no peer tool mistakes it for a command or rewrites line ends.
func Payload(seed string, n int) []byte {
	rng := rand.NewChaCha8(sha256.Sum256([]byte(seed)))
	raw := make([]byte, payloadLine*3/4)
	text := make([]byte, payloadLine)
	out := make([]byte, 0, n+payloadLine+1)
	for len(out) < n {
		_, _ = rng.Read(raw)
		base64.StdEncoding.Encode(text, raw)
		out = append(out, text...)
		out = append(out, '\n')
	}
	return out[:n]
}

// ClientPayload returns the 1 MiB a client under test sends in RunAsClient
// and a peer client is given to send.
func ClientPayload() []byte { return Payload("gotls client to server", MiB) }

// ServerPayload returns the 1 MiB a server under test sends in RunAsServer
// and a peer server is given to send.
func ServerPayload() []byte { return Payload("gotls server to client", MiB) }

// writeSizes are the chunk sizes Exchange cycles through, chosen to cross
// TLS record boundaries (16384 bytes of plaintext) in different ways.
var writeSizes = [...]int{1, 2, 100, 1000, 4096, 16383, 16384, 16385, 40000, 65536}

// deadliner is the part of net.Conn that Exchange uses when present.
type deadliner interface {
	SetDeadline(time.Time) error
}

// Exchange writes send to conn while it reads len(want) bytes from it, and
// fails the test unless it read exactly want. Writes come in chunks of
// varied sizes. Both directions together are bounded by IOTimeout: if conn
// has SetDeadline it is used, and if the time runs out anyway conn is
// closed when it is an io.Closer.
func Exchange(t testing.TB, conn io.ReadWriter, send, want []byte) {
	t.Helper()
	if d, ok := conn.(deadliner); ok {
		if err := d.SetDeadline(time.Now().Add(IOTimeout)); err != nil {
			t.Fatalf("testenv: setting deadline: %v", err)
		}
		defer func() { _ = d.SetDeadline(time.Time{}) }()
	}
	writeDone := make(chan error, 1)
	readDone := make(chan error, 1)
	got := make([]byte, len(want))
	var nread int
	go func() { writeDone <- writeChunks(conn, send) }()
	go func() {
		var err error
		nread, err = io.ReadFull(conn, got)
		readDone <- err
	}()
	timer := time.NewTimer(IOTimeout + 5*time.Second)
	defer timer.Stop()
	var errs []error
	for range 2 {
		select {
		case err := <-writeDone:
			errs = append(errs, wrapErr("writing", len(send), err))
		case err := <-readDone:
			errs = append(errs, wrapErr("reading", len(want), err))
		case <-timer.C:
			if c, ok := conn.(io.Closer); ok {
				_ = c.Close()
			}
			t.Fatalf("testenv: exchange timed out after %v", IOTimeout)
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("testenv: exchange failed (%d of %d bytes read): %v", nread, len(want), err)
	}
	if d := describeDiff(got, want); d != "" {
		t.Fatalf("testenv: exchange received wrong data: %s", d)
	}
}

// writeChunks writes data to w in chunks of the sizes in writeSizes.
func writeChunks(w io.Writer, data []byte) error {
	for i := 0; len(data) > 0; i++ {
		n := min(writeSizes[i%len(writeSizes)], len(data))
		if _, err := w.Write(data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// wrapErr labels an I/O error with its direction, passing nil through.
func wrapErr(what string, n int, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %d bytes: %w", what, n, err)
}

// describeDiff returns "" when got equals want, and otherwise where and
// how they first differ.
func describeDiff(got, want []byte) string {
	if bytes.Equal(got, want) {
		return ""
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	return fmt.Sprintf("got %d bytes, want %d; first difference at offset %d: got %q, want %q",
		len(got), len(want), i, excerpt(got, i), excerpt(want, i))
}

// excerpt returns up to 32 bytes of b starting at i.
func excerpt(b []byte, i int) []byte {
	if i >= len(b) {
		return nil
	}
	return b[i:min(i+32, len(b))]
}

// RunAsClient runs the standard bulk check for a TLS client under test:
// conn is its connection to p, a peer server from OpenSSLServer or
// GnuTLSServer. It sends ClientPayload while reading what p sends (or
// echoes), compares, closes conn and, when p prints what it receives,
// waits for p to exit and compares its output with ClientPayload.
func RunAsClient(t testing.TB, conn io.ReadWriteCloser, p *Proc) {
	t.Helper()
	send := ClientPayload()
	want := p.peer.sends
	if p.peer.echoes {
		want = send
	}
	Exchange(t, conn, send, want)
	if err := conn.Close(); err != nil {
		t.Errorf("testenv: closing connection: %v", err)
	}
	if p.peer.prints {
		p.ExpectStdout(t, send)
	}
}

// RunAsServer runs the standard bulk check for a TLS server under test:
// conn is the connection it accepted from p, a peer client from
// OpenSSLClient or GnuTLSClient. It sends ServerPayload while reading
// what p was told to send, compares, closes conn, waits for p to exit and
// compares p's output with ServerPayload.
func RunAsServer(t testing.TB, conn io.ReadWriteCloser, p *Proc) {
	t.Helper()
	send := ServerPayload()
	Exchange(t, conn, send, p.peer.sends)
	if err := conn.Close(); err != nil {
		t.Errorf("testenv: closing connection: %v", err)
	}
	p.ExpectStdout(t, send)
}

// ExpectStdout waits up to ExitTimeout for p to exit, then fails the test
// unless p exited with status 0 and its standard output equals want.
func (p *Proc) ExpectStdout(t testing.TB, want []byte) {
	t.Helper()
	err := p.Wait(ExitTimeout)
	if errors.Is(err, ErrTimeout) {
		t.Fatalf("testenv: %v (it has printed %d of %d expected bytes)", err, len(p.Stdout()), len(want))
	}
	if d := describeDiff(p.Stdout(), want); d != "" {
		t.Errorf("testenv: %s printed the wrong data: %s", p, d)
	}
	if err != nil {
		t.Errorf("testenv: %s exited with %v", p, err)
	}
}
