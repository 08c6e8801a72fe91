package gotls

import (
	"bytes"
	"errors"
)

// This file is the public face of TLS 1.3 0-RTT data (RFC 8446, Section
// 2.3): explicit on both sides. A client hands its early data over before
// the handshake and learns afterwards whether the server took it; nothing
// is resent behind the application's back. A server keeps accepted early
// data apart from what Read returns, since 0-RTT data can be replayed by
// an attacker to a server that does not remember it: only requests that
// are safe to replay belong there.

// SetEarlyData gives a client data to send as 0-RTT data right after its
// ClientHello. It is sent only when the cached session for the server
// allows early data, its application protocol is among NextProtos, and
// the data fits the server's limit. Call it before the handshake; after
// it, EarlyDataAccepted says whether the server took the data. Data that
// was not accepted is not resent: the application decides what to do.
func (c *Conn) SetEarlyData(data []byte) error {
	if !c.isClient {
		return errors.New("tls: SetEarlyData is for client connections")
	}
	c.handshakeMu.Lock()
	defer c.handshakeMu.Unlock()
	c.engMu.Lock()
	started := c.eng != nil
	c.engMu.Unlock()
	if started || c.hsDone.Load() || c.hsErr != nil {
		return errors.New("tls: SetEarlyData after the handshake started")
	}
	c.early = bytes.Clone(data)
	return nil
}

// EarlyDataAccepted reports whether the server accepted the client's
// 0-RTT data (on a client) or whether this server accepted the client's
// (on a server). It is false until the handshake completes.
func (c *Conn) EarlyDataAccepted() bool {
	c.engMu.Lock()
	defer c.engMu.Unlock()
	return c.eng != nil && c.eng.HandshakeComplete() && c.eng.EarlyDataAccepted()
}

// EarlyData returns the 0-RTT data a server accepted, at most
// Config.MaxEarlyData bytes, once the handshake is complete. It is never
// returned by Read. It may have been replayed: see SetEarlyData.
func (c *Conn) EarlyData() []byte {
	c.engMu.Lock()
	defer c.engMu.Unlock()
	if c.eng == nil || !c.eng.HandshakeComplete() {
		return nil
	}
	return c.eng.EarlyData()
}
