package gotls

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"gotls/internal/engine"
)

// readBufferSize is the size of the big read buffer: the largest record
// the engine accepts (a TLS 1.2 one) with its header, so that every
// record fits whole.
const readBufferSize = 5 + 16384 + 2048

// smallReadSize is how much a connection that has caught up with its peer
// asks for: enough for alerts, KeyUpdates and short messages, and for the
// header of any record. It is held by every connection, idle or not.
const smallReadSize = 128

// Conn is a TLS connection over a net.Conn. It implements net.Conn. Read
// and Write may be called concurrently with each other; the handshake runs
// on first use or through Handshake.
type Conn struct {
	conn     net.Conn
	config   *Config
	isClient bool

	// engMu guards eng; it is never held across socket I/O.
	engMu sync.Mutex
	eng   *engine.Engine

	// handshakeMu serialises handshakes; hsErr is the sticky result.
	// hsDone is set once the handshake has succeeded, and read without
	// the lock on every Read and Write.
	handshakeMu sync.Mutex
	hsDone      atomic.Bool
	hsErr       error

	// readMu serialises readers and guards the read buffers: rbuf is
	// borrowed from a pool while data streams in, rsmall serves reads
	// after the connection has caught up (drained), and pending is what
	// the engine has not taken yet.
	readMu  sync.Mutex
	rbuf    *[readBufferSize]byte
	rsmall  [smallReadSize]byte
	drained bool
	pending []byte
	// framed is how many bytes at the front of pending are known to form
	// whole records (see framedLocked).
	framed int

	// writeMu serialises everything that sends records, so records reach
	// the socket in the order they were sealed.
	writeMu sync.Mutex
	// flushWanted is set by a reader that queued records while a writer
	// held writeMu; unlockWrite sends them.
	flushWanted atomic.Bool
	werr        error

	closeOnce sync.Once

	// early is the 0-RTT data a client sends (see earlydata.go).
	early []byte
}

// Client returns a client-side TLS connection over conn.
func Client(conn net.Conn, config *Config) *Conn {
	return &Conn{conn: conn, config: config, isClient: true}
}

// Server returns a server-side TLS connection over conn.
func Server(conn net.Conn, config *Config) *Conn {
	return &Conn{conn: conn, config: config}
}

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.conn }

// LocalAddr returns the local network address.
func (c *Conn) LocalAddr() net.Addr { return c.conn.LocalAddr() }

// RemoteAddr returns the remote network address.
func (c *Conn) RemoteAddr() net.Addr { return c.conn.RemoteAddr() }

// SetDeadline sets the read and write deadlines of the underlying connection.
func (c *Conn) SetDeadline(t time.Time) error { return c.conn.SetDeadline(t) }

// SetReadDeadline sets the read deadline of the underlying connection.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }

// SetWriteDeadline sets the write deadline of the underlying connection.
// A write that times out leaves the connection unusable for writing.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.conn.SetWriteDeadline(t) }

// ConnectionState returns what the handshake agreed on so far.
func (c *Conn) ConnectionState() tls.ConnectionState {
	c.engMu.Lock()
	defer c.engMu.Unlock()
	if c.eng == nil {
		return tls.ConnectionState{}
	}
	return c.stateFrom(c.eng.Handshake().Result(), c.eng.HandshakeComplete())
}

// HandshakeHistory lists the handshake states this connection passed
// through, such as "client:expect ServerHello". It serves tests and traces.
func (c *Conn) HandshakeHistory() []string {
	c.engMu.Lock()
	defer c.engMu.Unlock()
	if c.eng == nil {
		return nil
	}
	return append([]string(nil), c.eng.Handshake().History()...)
}

// ExportKeyingMaterial returns length bytes of keying material derived from
// the connection's secrets, as RFC 8446, Section 7.5 and RFC 5705 describe.
func (c *Conn) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	c.engMu.Lock()
	defer c.engMu.Unlock()
	if c.eng == nil {
		return nil, errors.New("tls: handshake has not run")
	}
	return c.eng.Handshake().ExportKeyingMaterial(label, context, length)
}

// SendKeyUpdate sends a TLS 1.3 KeyUpdate and switches to new write keys.
// With requestPeer, the peer is asked to update its keys as well.
func (c *Conn) SendKeyUpdate(requestPeer bool) error {
	if err := c.Handshake(); err != nil {
		return err
	}
	c.writeMu.Lock()
	defer c.unlockWrite()
	c.engMu.Lock()
	err := c.eng.KeyUpdate(requestPeer)
	c.engMu.Unlock()
	if ferr := c.flushLocked(); err == nil {
		err = ferr
	}
	return err
}

// Handshake runs the handshake if it has not run yet.
func (c *Conn) Handshake() error {
	return c.HandshakeContext(context.Background())
}

// HandshakeContext runs the handshake, giving up when ctx is done.
func (c *Conn) HandshakeContext(ctx context.Context) error {
	if c.hsDone.Load() {
		return nil
	}
	c.handshakeMu.Lock()
	defer c.handshakeMu.Unlock()
	if c.hsDone.Load() || c.hsErr != nil {
		return c.hsErr
	}
	if c.config != nil && c.config.HandshakeTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.config.HandshakeTimeout)
		defer cancel()
	}
	stop := c.interruptOn(ctx)
	err := c.runHandshake()
	if stop() && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		c.hsErr = err
		return err
	}
	c.hsDone.Store(true)
	return nil
}

// interruptOn closes the connection when ctx is done, which makes blocked
// socket I/O return, as crypto/tls does. The returned function stops
// watching and reports whether ctx fired.
func (c *Conn) interruptOn(ctx context.Context) func() bool {
	if ctx.Done() == nil {
		return func() bool { return false }
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		c.conn.Close()
		close(fired)
	})
	return func() bool {
		if stop() {
			return false
		}
		<-fired
		return true
	}
}
