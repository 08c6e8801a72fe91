package handshake

import (
	"bytes"
	"slices"
	"time"

	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/wire"
)

// This file is TLS 1.2 resumption on the server: session tickets (RFC
// 5077) and session IDs kept in the session store (RFC 5246, Section
// 7.3), the abbreviated handshake, and the issuing of both after a full
// handshake. The extended master secret must be the same in the original
// and the resumed session (RFC 7627, Section 5.3).

// resumeSession12 returns the session ch resumes, from its ticket or else
// its session ID, or nil for a full handshake.
func resumeSession12(c *Conn, ch *msg.ClientHello) (*SessionState, error) {
	var st *SessionState
	switch {
	case len(ch.SessionTicket) > 0:
		if !c.cfg.ticketsEnabled() {
			return nil, nil
		}
		st = openServerSession(c, ch.SessionTicket, wire.VersionTLS12)
	case len(ch.SessionID) > 0 && c.cfg.SessionStore != nil:
		raw, err := c.cfg.SessionStore.Get(sessionIDKey(ch.SessionID))
		if err != nil {
			c.trace("resumption", "session id not found in the store: %v", err)
			return nil, nil
		}
		st = parseServerSession(c, raw, wire.VersionTLS12)
	}
	if st == nil {
		return nil, nil
	}
	if ok, err := checkSession12(c, ch, st); !ok {
		return nil, err
	}
	return st, nil
}

// checkSession12 reports whether ch may resume st. It returns an error
// when the handshake must stop.
func checkSession12(c *Conn, ch *msg.ClientHello, st *SessionState) (bool, error) {
	if st.ExtendedMasterSecret && !ch.ExtendedMasterSecret {
		// RFC 7627, Section 5.3: resuming an extended master secret session without the extension MUST abort.
		return false, wire.Fatalf(wire.AlertHandshakeFailure, "client resumes an extended master secret session without the extension")
	}
	suite := suite12ByID(st.CipherSuite)
	switch {
	case !st.ExtendedMasterSecret && ch.ExtendedMasterSecret:
		// RFC 7627, Section 5.3: a session without the extension is not resumed by a client that has it.
		c.trace("resumption", "session lacks the extended master secret the client now offers")
	case suite == nil || !suiteEnabled12(c.cfg, suite) || !slices.Contains(ch.CipherSuites, st.CipherSuite):
		c.trace("resumption", "session's suite %v is not offered or not enabled", st.CipherSuite)
	case !sessionFresh(st, c.cfg.now()):
		c.trace("resumption", "session has expired")
	case st.ServerName != ch.ServerName:
		c.trace("resumption", "session was made for server name %q, not %q", st.ServerName, ch.ServerName)
	case !serverAuthAllows(c.cfg, st):
		c.trace("resumption", "session's client authentication does not meet the current policy")
	default:
		return true, nil
	}
	return false, nil
}

// serverResume12 runs the server's side of an abbreviated handshake
// (RFC 5246, Section 7.3): ServerHello, NewSessionTicket when a ticket is
// renewed, change_cipher_spec and Finished.
func serverResume12(c *Conn, ch *msg.ClientHello, st *SessionState) (State, error) {
	suite := suite12ByID(st.CipherSuite)
	alpn, err := negotiateALPN(c.cfg.NextProtos, ch.ALPNProtocols)
	if err != nil {
		return nil, err
	}
	if !restorePeer(c, st) {
		return nil, wire.Fatalf(wire.AlertInternalError, "resumed session holds unparsable certificates")
	}
	c.resumed = st
	c.result.DidResume = true
	c.result.CipherSuite = suite.id
	// An abbreviated handshake runs no key exchange: report the session's.
	c.result.Group = st.Group
	c.result.NegotiatedProtocol = alpn
	c.result.ServerName = ch.ServerName
	random, _, err := serverRandom12(c)
	if err != nil {
		return nil, err
	}
	renew := len(ch.SessionTicket) > 0
	sh := &msg.ServerHello{
		Version:                      wire.VersionTLS12,
		Random:                       random,
		SessionID:                    ch.SessionID,
		CipherSuite:                  suite.id,
		ALPNProtocol:                 alpn,
		ExtendedMasterSecret:         st.ExtendedMasterSecret,
		SecureRenegotiationSupported: offersSecureRenegotiation(ch),
		TicketSupported:              renew,
	}
	t := &transcript12{}
	t.write(ch.Raw)
	if err := c.send12(t, sh); err != nil {
		return nil, err
	}
	c.trace("send ServerHello", "%v, %v, resuming the session (abbreviated handshake, extended master secret %t)",
		wire.VersionTLS12, suite.id, st.ExtendedMasterSecret)
	sess := &session12{suite: suite, master: st.Secret, clientRandom: c.clientRandom, serverRandom: random, ems: st.ExtendedMasterSecret}
	if renew {
		if err := sendTicket12(c, t, sess); err != nil {
			return nil, err
		}
	}
	return sendServerFinishedResumed12(c, t, sess)
}

// sendServerFinishedResumed12 switches to the resumed session's keys,
// sends change_cipher_spec and the server's Finished, and waits for the
// client's.
func sendServerFinishedResumed12(c *Conn, t *transcript12, sess *session12) (State, error) {
	c.logSecret(keysched.LabelTLS12, sess.master)
	pending, err := newPending12(c, sess.suite, sess.master, sess.clientRandom, sess.serverRandom)
	if err != nil {
		return nil, err
	}
	c.link.WriteChangeCipherSpec()
	c.link.SetWriteProtector(pending.write)
	verify := finishedVerifyData12(sess.suite, sess.master, false, t)
	if err := c.send12(t, &msg.Finished{VerifyData: verify}); err != nil {
		return nil, err
	}
	c.trace("send Finished", "change_cipher_spec and Finished sent under the resumed session's keys")
	return serverExpectResumeCCS12{t: t, sess: sess, read: pending}, nil
}

// serverExpectResumeCCS12 waits for the client's change_cipher_spec in
// an abbreviated handshake.
type serverExpectResumeCCS12 struct {
	t    *transcript12
	sess *session12
	read pending12
}

// Name names the state.
func (serverExpectResumeCCS12) Name() string { return "server:expect ChangeCipherSpec" }

// Handle refuses any handshake message before change_cipher_spec.
func (s serverExpectResumeCCS12) Handle(c *Conn, m msg.Message) (State, error) {
	return nil, unexpected(s.Name(), m)
}

// changeCipherSpec installs the client's write keys for reading.
func (s serverExpectResumeCCS12) changeCipherSpec(c *Conn) (State, error) {
	c.link.SetReadProtector(s.read.read)
	return serverExpectResumeFinished12(s), nil
}

// serverExpectResumeFinished12 waits for the client's Finished in an
// abbreviated handshake.
type serverExpectResumeFinished12 struct {
	t    *transcript12
	sess *session12
	read pending12
}

// Name names the state.
func (serverExpectResumeFinished12) Name() string { return "server:expect Finished" }

// Handle checks the client's Finished and completes the handshake.
func (s serverExpectResumeFinished12) Handle(c *Conn, m msg.Message) (State, error) {
	fin, ok := m.(*msg.Finished)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	if err := checkFinished12(s.sess.suite, s.sess.master, true, s.t, fin); err != nil {
		return nil, err
	}
	s.t.write(fin.Raw)
	c.trace("receive Finished", "client Finished verified; session resumed")
	if err := runVerifyConnection(c); err != nil {
		return nil, err
	}
	return finish12(c, s.sess), nil
}

// newSessionState12 returns the server session state of a completed or
// resumed TLS 1.2 session.
func newSessionState12(c *Conn, sess *session12) *SessionState {
	now := c.cfg.now()
	st := &SessionState{
		Version:              wire.VersionTLS12,
		CipherSuite:          sess.suite.id,
		Secret:               sess.master,
		ExtendedMasterSecret: sess.ems,
		CreatedAt:            now,
		AuthenticatedAt:      now,
		Lifetime:             uint32(c.cfg.ticketLifetime() / time.Second),
		ALPN:                 c.result.NegotiatedProtocol,
		ServerName:           c.result.ServerName,
	}
	recordPeer(c, st)
	return st
}

// sendTicket12 sends a NewSessionTicket (RFC 5077, Section 3.3) before
// the server's change_cipher_spec. A ticket that cannot be sealed is sent
// empty, which tells the client to keep none: the ServerHello promised
// the message.
func sendTicket12(c *Conn, t *transcript12, sess *session12) error {
	st := newSessionState12(c, sess)
	ticket, err := sealSession(c, st)
	if err != nil {
		c.trace("send NewSessionTicket", "empty ticket: %v", err)
		ticket = nil
	}
	if err := c.send12(t, &msg.NewSessionTicket{Lifetime: st.Lifetime, Ticket: ticket}); err != nil {
		return err
	}
	c.trace("send NewSessionTicket", "session ticket of %d bytes, lifetime hint %ds", len(ticket), st.Lifetime)
	return nil
}

// cacheSession12 keeps a completed full handshake's session in the store
// under its session ID, unless a ticket carries it. A store error only
// means the session cannot be resumed.
func cacheSession12(c *Conn, sessionID []byte, sess *session12) {
	if c.cfg.SessionStore == nil || len(sessionID) == 0 {
		return
	}
	st := newSessionState12(c, sess)
	raw, err := st.Marshal()
	if err == nil {
		err = c.cfg.SessionStore.Put(sessionIDKey(sessionID), raw, time.Duration(st.Lifetime)*time.Second)
	}
	if err != nil {
		c.trace("resumption", "session not stored under its session id: %v", err)
		return
	}
	c.trace("resumption", "session stored under its %d-byte session id", len(sessionID))
}

// sameSessionID reports whether a ServerHello echoes a non-empty session
// ID the ClientHello offered.
func sameSessionID(offered, echoed []byte) bool {
	return len(offered) > 0 && bytes.Equal(offered, echoed)
}
