package gotls

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"gotls/internal/engine"
)

// ErrTruncated is returned by Read when the transport ends without the
// peer's close_notify: the data may have been cut short by an attacker.
var ErrTruncated = fmt.Errorf("tls: connection ended without close_notify: %w", io.ErrUnexpectedEOF)

// runHandshake drives the engine until the handshake completes or fails.
// The caller holds handshakeMu.
func (c *Conn) runHandshake() error {
	if c.config == nil {
		return errors.New("tls: nil Config")
	}
	c.readMu.Lock()
	defer c.readMu.Unlock()
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	hc, err := c.config.handshakeConfig(c)
	if err != nil {
		return err
	}
	c.engMu.Lock()
	c.eng = engine.New(hc, c.isClient)
	err = c.eng.Start()
	c.engMu.Unlock()
	for {
		if ferr := c.flushLocked(); ferr != nil && err == nil {
			err = ferr
		}
		if err != nil {
			return err
		}
		c.engMu.Lock()
		done := c.eng.HandshakeComplete()
		c.engMu.Unlock()
		if done {
			return nil
		}
		err = c.readOnceLocked()
	}
}

// readOnceLocked feeds the engine buffered ciphertext, reading from the
// socket when none is buffered. The caller holds readMu.
func (c *Conn) readOnceLocked() error {
	if len(c.pending) == 0 {
		if err := c.fillLocked(); err != nil {
			return err
		}
	}
	c.engMu.Lock()
	n, err := c.eng.Feed(c.pending)
	c.engMu.Unlock()
	c.pending = c.pending[n:]
	if len(c.pending) == 0 && c.drained {
		c.releaseReadBuffer()
	}
	return err
}

// fillLocked reads from the socket into pending. A connection that has
// caught up with its peer holds no read buffer and reads into its small
// one, so that it keeps no big buffer while it waits; when that fills up,
// more is on the way and the next read gets a big buffer from the pool.
// The caller holds readMu.
func (c *Conn) fillLocked() error {
	buf := c.rsmall[:]
	if c.rbuf != nil {
		buf = c.rbuf[:]
	}
	n, err := c.conn.Read(buf)
	c.pending = buf[:n]
	c.drained = n < len(buf)
	if n == len(buf) && c.rbuf == nil {
		c.rbuf = readBuffers.Get().(*[readBufferSize]byte)
	}
	if n == 0 && err != nil {
		return c.transportError(err)
	}
	return nil
}

// releaseReadBuffer gives the big read buffer back to the pool. The
// engine has copied what it needs, so nothing points into it.
func (c *Conn) releaseReadBuffer() {
	if c.rbuf != nil {
		readBuffers.Put(c.rbuf)
		c.rbuf = nil
	}
}

// readBuffers pools the big read buffers of connections that are
// receiving data.
var readBuffers = sync.Pool{New: func() any { return new([readBufferSize]byte) }}

// transportError maps a socket read error.
func (c *Conn) transportError(err error) error {
	if errors.Is(err, io.EOF) {
		c.engMu.Lock()
		done := c.eng.HandshakeComplete()
		c.engMu.Unlock()
		if !done {
			return fmt.Errorf("tls: connection closed during the handshake: %w", io.ErrUnexpectedEOF)
		}
		return ErrTruncated
	}
	return err
}

// flushLocked writes every queued record to the socket, straight from the
// engine's output: its bytes stay put until Sent, even if a reader queues
// more records meanwhile. The caller holds writeMu.
func (c *Conn) flushLocked() error {
	if c.werr != nil {
		return c.werr
	}
	c.engMu.Lock()
	out := c.eng.Output()
	c.engMu.Unlock()
	if len(out) == 0 {
		return nil
	}
	_, err := c.conn.Write(out)
	c.engMu.Lock()
	c.eng.Sent(len(out))
	c.engMu.Unlock()
	if err != nil {
		c.werr = err
	}
	return err
}

// Read reads application data, running the handshake first if needed.
func (c *Conn) Read(p []byte) (int, error) {
	if err := c.Handshake(); err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	c.readMu.Lock()
	defer c.readMu.Unlock()
	for {
		c.engMu.Lock()
		n, err := c.eng.Read(p)
		out := c.eng.HasOutput()
		c.engMu.Unlock()
		if out {
			c.flushAsReader()
		}
		if n > 0 || err != nil {
			return n, err
		}
		if err := c.readOnceLocked(); err != nil {
			if out := c.engineHasOutput(); out {
				c.flushAsReader()
			}
			return 0, err
		}
	}
}

// flushAsReader sends records the engine produced while reading, such as
// a KeyUpdate answer or an alert.
func (c *Conn) flushAsReader() {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.flushLocked()
}

func (c *Conn) engineHasOutput() bool {
	c.engMu.Lock()
	defer c.engMu.Unlock()
	return c.eng.HasOutput()
}

// Write writes application data, running the handshake first if needed.
func (c *Conn) Write(p []byte) (int, error) {
	if err := c.Handshake(); err != nil {
		return 0, err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.werr != nil {
		return 0, c.werr
	}
	written := 0
	for len(p) > 0 {
		chunk := p
		if len(chunk) > maxWriteBatch {
			chunk = chunk[:maxWriteBatch]
		}
		c.engMu.Lock()
		n, err := c.eng.Write(chunk)
		c.engMu.Unlock()
		if ferr := c.flushLocked(); err == nil {
			err = ferr
		}
		written += n
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// maxWriteBatch bounds how much plaintext is sealed before it is written
// out, so a large Write does not need a large buffer.
const maxWriteBatch = 4 * 16384

// CloseWrite sends close_notify and shuts down the writing side of the
// transport when it supports that.
func (c *Conn) CloseWrite() error {
	if err := c.Handshake(); err != nil {
		return err
	}
	c.writeMu.Lock()
	c.engMu.Lock()
	c.eng.CloseWrite()
	c.engMu.Unlock()
	err := c.flushLocked()
	c.writeMu.Unlock()
	if cw, ok := c.conn.(interface{ CloseWrite() error }); ok {
		if cerr := cw.CloseWrite(); err == nil {
			err = cerr
		}
	}
	return err
}

// Close sends close_notify when the handshake has completed, then closes
// the transport.
func (c *Conn) Close() error {
	var alertErr error
	c.closeOnce.Do(func() {
		c.handshakeMu.Lock()
		done := c.hsDone
		c.handshakeMu.Unlock()
		if done {
			alertErr = c.sendCloseNotify()
		}
	})
	if err := c.conn.Close(); err != nil {
		return err
	}
	return alertErr
}

// sendCloseNotify queues and sends close_notify, giving up quickly when
// the peer is not reading.
func (c *Conn) sendCloseNotify() error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.engMu.Lock()
	c.eng.CloseWrite()
	c.engMu.Unlock()
	c.conn.SetWriteDeadline(closeNotifyDeadline())
	return c.flushLocked()
}

var _ net.Conn = (*Conn)(nil)
