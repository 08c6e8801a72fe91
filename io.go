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
	defer c.unlockWrite()
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

// readOnceLocked feeds the engine the whole records at the front of the
// read buffer, reading from the socket until there is one. The engine
// opens them where they lie, so the buffer must stay untouched while the
// engine holds application data: the caller holds readMu and calls only
// once the engine's application data is drained.
func (c *Conn) readOnceLocked() error {
	for {
		c.engMu.Lock()
		n := c.framedLocked()
		if n != 0 {
			took, err := c.eng.FeedInPlace(c.pending[:n])
			c.engMu.Unlock()
			c.pending = c.pending[took:]
			c.framed -= min(took, c.framed)
			return err
		}
		c.engMu.Unlock()
		if err := c.fillLocked(); err != nil {
			return err
		}
	}
}

// framedLocked returns how many bytes at the front of pending form whole
// records, or len(pending) when the first header is one the engine will
// refuse, so that it gets to say why. It scans only past the records
// already counted in framed, so that a buffer of many small records is
// scanned once, not once per record. The caller holds engMu.
func (c *Conn) framedLocked() int {
	total := c.framed
	for b := c.pending[total:]; ; {
		n := c.eng.RecordLen(b)
		switch {
		case n < 0 && total == 0:
			return len(c.pending)
		case n <= 0 || n > len(b):
			c.framed = total
			return total
		}
		total += n
		b = b[n:]
	}
}

// fillLocked reads from the socket after the incomplete record (if any)
// in pending. A connection that has caught up with its peer gives its big
// read buffer back to the pool and reads into its small one, so that it
// holds no big buffer while it waits; when a record turns out not to fit,
// it borrows the big one again. The caller holds readMu.
func (c *Conn) fillLocked() error {
	if len(c.pending) == 0 && c.drained {
		c.releaseReadBuffer()
	}
	buf := c.rsmall[:]
	if c.rbuf != nil || len(c.pending) > 0 {
		if c.rbuf == nil {
			c.rbuf = readBuffers.Get().(*[readBufferSize]byte)
		}
		buf = c.rbuf[:]
	}
	// Move the incomplete record to the front; the engine holds nothing
	// that points into the buffer.
	start := copy(buf, c.pending)
	n, err := c.conn.Read(buf[start:])
	c.pending = buf[:start+n]
	c.drained = start+n < len(buf)
	if n == 0 && err != nil {
		return c.transportError(err)
	}
	return nil
}

// releaseReadBuffer gives the big read buffer back to the pool. Nothing
// points into it: pending is empty and the engine's data drained.
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
	for {
		if c.werr != nil {
			return c.werr
		}
		c.engMu.Lock()
		out := c.eng.Output()
		c.engMu.Unlock()
		if len(out) == 0 {
			return nil
		}
		// A reader may queue more records (a KeyUpdate answer, an alert)
		// while this write blocks; the loop sends them too.
		_, err := c.conn.Write(out)
		c.engMu.Lock()
		c.eng.Sent(len(out))
		c.engMu.Unlock()
		if err != nil {
			c.werr = err
			return err
		}
	}
}

// unlockWrite releases writeMu, then sends what a reader queued while the
// lock was held (see flushAsReader).
func (c *Conn) unlockWrite() {
	c.writeMu.Unlock()
	if c.flushWanted.Swap(false) && c.writeMu.TryLock() {
		c.flushLocked()
		c.unlockWrite()
	}
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
//
// A reader never waits for writeMu: a writer blocked on a full socket may
// hold it while its peer waits for us to read. When a writer holds the
// lock, its flushLocked loop or its unlockWrite sends our records.
func (c *Conn) flushAsReader() {
	if !c.writeMu.TryLock() {
		c.flushWanted.Store(true)
		if !c.writeMu.TryLock() {
			return
		}
	}
	c.flushLocked()
	c.unlockWrite()
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
	defer c.unlockWrite()
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
	c.unlockWrite()
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
		// Not under handshakeMu: a handshake blocked on the socket must
		// not hold up the Close that unblocks it.
		if c.hsDone.Load() {
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
	// The deadline goes first: it also bounds a Write blocked on a peer
	// that does not read, which holds writeMu.
	c.conn.SetWriteDeadline(closeNotifyDeadline())
	c.writeMu.Lock()
	defer c.unlockWrite()
	c.engMu.Lock()
	c.eng.CloseWrite()
	c.engMu.Unlock()
	return c.flushLocked()
}

var _ net.Conn = (*Conn)(nil)
