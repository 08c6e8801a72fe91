package handshake

import (
	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/wire"
)

// connected13 is the state of a TLS 1.3 connection after the handshake,
// for both roles. It holds the current application traffic secrets so
// that KeyUpdate can derive the next ones (RFC 8446, Section 7.2).
type connected13 struct {
	client bool
	suite  *record.Suite
	// read is the peer's current application traffic secret, write ours.
	read, write keysched.ApplicationTrafficSecret
	// resumption is the client's resumption_master_secret, kept for the
	// session tickets that resumption will accept; zero on the server.
	resumption keysched.ResumptionMasterSecret
	// updateOwed is set when the peer asked for a KeyUpdate that we have
	// not answered yet; a burst of requests gets one answer.
	updateOwed bool
}

// newConnected13 returns the post-handshake state. read is the peer's
// application traffic secret and write ours; the caller has installed the
// keys and set c.done.
func newConnected13(c *Conn, suite *record.Suite, read, write keysched.ApplicationTrafficSecret) State {
	return &connected13{client: c.client, suite: suite, read: read, write: write}
}

// Name names the state for the role.
func (s *connected13) Name() string {
	if s.client {
		return "client:connected"
	}
	return "server:connected"
}

// Handle processes a post-handshake message (RFC 8446, Section 4.6).
func (s *connected13) Handle(c *Conn, m msg.Message) (State, error) {
	switch m := m.(type) {
	case *msg.KeyUpdate:
		return s, s.receiveKeyUpdate(c, m)
	case *msg.NewSessionTicket:
		// RFC 8446, Section 4.6.1: only servers send NewSessionTicket.
		if !s.client {
			return nil, unexpected(s.Name(), m)
		}
		storeTicket13(c, s, m)
		return s, nil
	}
	return nil, unexpected(s.Name(), m)
}

// receiveKeyUpdate switches to the peer's next read keys and, when asked,
// answers with a KeyUpdate of our own (RFC 8446, Section 4.6.3).
func (s *connected13) receiveKeyUpdate(c *Conn, m *msg.KeyUpdate) error {
	// RFC 8446, Section 4.6.3: a request_update other than 0 or 1 is illegal_parameter.
	if m.Request != wire.KeyUpdateNotRequested && m.Request != wire.KeyUpdateRequested {
		return wire.Fatalf(wire.AlertIllegalParameter, "key_update with request_update %d", m.Request)
	}
	s.read = s.read.Next()
	if err := setReadKeys13(c, s.suite, s.read); err != nil {
		return err
	}
	c.trace("receive KeyUpdate", "peer updated its traffic keys; reading with the next generation")
	if m.Request == wire.KeyUpdateRequested {
		// RFC 8446, Section 4.6.3: answered with update_not_requested, once
		// for several requests received while we were silent (see flushKeyUpdate).
		s.updateOwed = true
	}
	return nil
}

// flushKeyUpdate sends the KeyUpdate the peer asked for, if one is owed.
func (s *connected13) flushKeyUpdate(c *Conn) error {
	if !s.updateOwed {
		return nil
	}
	return s.sendKeyUpdate(c, false)
}

// sendKeyUpdate sends a KeyUpdate under the current write keys, then
// switches to the next ones (RFC 8446, Section 4.6.3).
func (s *connected13) sendKeyUpdate(c *Conn, requestPeer bool) error {
	req := wire.KeyUpdateNotRequested
	if requestPeer {
		req = wire.KeyUpdateRequested
	}
	if err := c.send(nil, &msg.KeyUpdate{Request: req}); err != nil {
		return err
	}
	s.updateOwed = false
	s.write = s.write.Next()
	if err := setWriteKeys13(c, s.suite, s.write); err != nil {
		return err
	}
	c.trace("send KeyUpdate", "updated our traffic keys (peer asked to update too: %v)", requestPeer)
	return nil
}
