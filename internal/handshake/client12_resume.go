package handshake

import (
	"slices"
	"time"

	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/wire"
)

// This file is TLS 1.2 resumption on the client: offering a cached
// session by ticket (RFC 5077) or session ID, the abbreviated handshake
// when the server resumes it, and keeping sessions and tickets for later.

// offerSession12 offers st in the ClientHello: its ticket in
// session_ticket, with a fresh session ID the server echoes when it
// resumes (RFC 5077, Section 3.4), or else its session ID.
func offerSession12(c *Conn, o *clientOffer, st *SessionState) error {
	ch := o.hello
	suite := suite12ByID(st.CipherSuite)
	if suite == nil || !suiteEnabled12(c.cfg, suite) || !slices.Contains(ch.CipherSuites, st.CipherSuite) {
		return nil
	}
	if !st.ExtendedMasterSecret && !c.cfg.InsecureAllowNoExtendedMasterSecret {
		return nil
	}
	switch {
	case len(st.Ticket) > 0 && !c.cfg.SessionTicketsDisabled:
		if len(ch.SessionID) == 0 {
			id, err := readRandom(c.cfg, sessionIDLen)
			if err != nil {
				return err
			}
			ch.SessionID = id
		}
		ch.TicketSupported = true
		ch.SessionTicket = st.Ticket
		if c.tracing() {
			c.trace("resumption", "offering a TLS 1.2 session ticket of %d bytes (%v)", len(st.Ticket), st.CipherSuite)
		}
	case len(st.SessionID) > 0:
		ch.SessionID = st.SessionID
		if c.tracing() {
			c.trace("resumption", "offering TLS 1.2 session id %x (%v)", st.SessionID, st.CipherSuite)
		}
	default:
		return nil
	}
	o.session12 = st
	return nil
}

// clientResume12 continues after a ServerHello that echoes the session
// ID of the session we offered: an abbreviated handshake (RFC 5246,
// Section 7.3) with the session's master secret.
func clientResume12(c *Conn, o *clientOffer, sh *msg.ServerHello) (State, error) {
	st := o.session12
	if st == nil {
		// RFC 5246, Section 7.4.1.3: the server echoes a session ID only to
		// resume that session. With no TLS 1.2 session offered, the ID is
		// the random one of RFC 8446, Appendix D.4, which names no session.
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "server echoed our random legacy_session_id: it resumed a session that was not offered")
	}
	if sh.CipherSuite != st.CipherSuite {
		// RFC 5246, Section 7.4.1.3: a resumed session keeps its cipher suite.
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "server resumed the session with %v instead of %v", sh.CipherSuite, st.CipherSuite)
	}
	if sh.ExtendedMasterSecret != st.ExtendedMasterSecret {
		// RFC 7627, Section 5.3: the resumed session's use of the extension MUST match the original's.
		return nil, wire.Fatalf(wire.AlertHandshakeFailure, "server resumed the session with a different extended master secret setting")
	}
	if !restorePeer(c, st) {
		return nil, wire.Fatalf(wire.AlertInternalError, "cached session holds unparsable certificates")
	}
	suite := suite12ByID(st.CipherSuite)
	t := &transcript12{}
	t.write(o.hello.Raw)
	t.write(sh.Raw)
	c.resumed = st
	c.result.Version = wire.VersionTLS12
	c.result.CipherSuite = sh.CipherSuite
	c.result.NegotiatedProtocol = sh.ALPNProtocol
	c.result.DidResume = true
	// An abbreviated handshake runs no key exchange: report the session's.
	c.result.Group = st.Group
	hs := &clientHS12{offer: o, suite: suite, transcript: t, serverRandom: sh.Random, ems: sh.ExtendedMasterSecret,
		ticketExpected: sh.TicketSupported, sessionID: sh.SessionID}
	pending, err := newPending12(c, suite, st.Secret, o.hello.Random, sh.Random)
	if err != nil {
		return nil, err
	}
	c.logSecret(keysched.LabelTLS12, st.Secret)
	if c.tracing() {
		c.trace("receive ServerHello", "server resumes our %v session (abbreviated handshake, extended master secret %t)", suite.id, hs.ems)
	}
	return &clientExpectResumeCCS12{hs: hs, master: st.Secret, pending: pending}, nil
}

// receiveTicket12 takes the NewSessionTicket a ServerHello announced
// (RFC 5077, Section 3.3); any other message, or a second ticket, is
// unexpected.
func receiveTicket12(c *Conn, hs *clientHS12, state string, m msg.Message) error {
	nst, ok := m.(*msg.NewSessionTicket)
	if !ok || !hs.ticketExpected || hs.newTicket != nil {
		return unexpected(state, m)
	}
	hs.transcript.write(nst.Raw)
	hs.newTicket = nst
	if c.tracing() {
		c.trace("receive NewSessionTicket", "session ticket of %d bytes, lifetime hint %ds", len(nst.Ticket), nst.Lifetime)
	}
	return nil
}

// checkTicketReceived12 fails a change_cipher_spec that comes before the
// NewSessionTicket the ServerHello announced.
func checkTicketReceived12(hs *clientHS12) error {
	if hs.ticketExpected && hs.newTicket == nil {
		// RFC 5077, Section 3.3: a server that acknowledged session_ticket MUST send NewSessionTicket.
		return wire.Fatalf(wire.AlertUnexpectedMessage, "change_cipher_spec before the announced new_session_ticket")
	}
	return nil
}

// clientExpectResumeCCS12 waits for the server's change_cipher_spec in an
// abbreviated handshake, after a NewSessionTicket when one was announced.
type clientExpectResumeCCS12 struct {
	hs      *clientHS12
	master  []byte
	pending pending12
}

// Name names the state.
func (s *clientExpectResumeCCS12) Name() string { return "client:expect ChangeCipherSpec" }

// Handle accepts only the announced NewSessionTicket.
func (s *clientExpectResumeCCS12) Handle(c *Conn, m msg.Message) (State, error) {
	if err := receiveTicket12(c, s.hs, s.Name(), m); err != nil {
		return nil, err
	}
	return s, nil
}

// changeCipherSpec installs the server's write keys for reading.
func (s *clientExpectResumeCCS12) changeCipherSpec(c *Conn) (State, error) {
	if err := checkTicketReceived12(s.hs); err != nil {
		return nil, err
	}
	c.link.SetReadProtector(s.pending.read)
	return &clientExpectResumeFinished12{hs: s.hs, master: s.master, write: s.pending}, nil
}

// clientExpectResumeFinished12 waits for the server's Finished in an
// abbreviated handshake.
type clientExpectResumeFinished12 struct {
	hs     *clientHS12
	master []byte
	write  pending12
}

// Name names the state.
func (s *clientExpectResumeFinished12) Name() string { return "client:expect Finished" }

// Handle verifies the server's Finished, then sends change_cipher_spec and
// our Finished, and completes the handshake.
func (s *clientExpectResumeFinished12) Handle(c *Conn, m msg.Message) (State, error) {
	hs := s.hs
	if err := receiveServerFinished12(hs, s.master, s.Name(), m); err != nil {
		return nil, err
	}
	if err := runVerifyConnection(c); err != nil {
		return nil, err
	}
	c.link.WriteChangeCipherSpec()
	c.link.SetWriteProtector(s.write.write)
	verify := finishedVerifyData12(hs.suite, s.master, true, hs.transcript)
	if err := c.send12(hs.transcript, &msg.Finished{VerifyData: verify}); err != nil {
		return nil, err
	}
	c.trace("send Finished", "server Finished verified; change_cipher_spec and Finished sent: session resumed")
	return completeClient12(c, hs, s.master), nil
}

// receiveServerFinished12 checks that m, received in state, is the
// server's Finished and that it matches the transcript (RFC 5246, Section
// 7.4.9), then adds it to the transcript.
func receiveServerFinished12(hs *clientHS12, master []byte, state string, m msg.Message) error {
	fin, ok := m.(*msg.Finished)
	if !ok {
		return unexpected(state, m)
	}
	if err := checkFinished12(hs.suite, master, false, hs.transcript, fin); err != nil {
		return err
	}
	hs.transcript.write(fin.Raw)
	return nil
}

// completeClient12 caches the session of a completed TLS 1.2 client
// handshake, full or abbreviated, and returns the connected state.
func completeClient12(c *Conn, hs *clientHS12, master []byte) State {
	storeSession12(c, hs, master)
	return finish12(c, &session12{
		suite:        hs.suite,
		master:       master,
		clientRandom: hs.clientRandom(),
		serverRandom: hs.serverRandom,
		ems:          hs.ems,
	})
}

// storeSession12 keeps the session of a completed TLS 1.2 handshake in
// the client's cache, with the ticket the server sent or else its session
// ID. A resumed session is stored again only with a new ticket.
func storeSession12(c *Conn, hs *clientHS12, master []byte) {
	if c.cfg.ClientSessions == nil {
		return
	}
	now := c.cfg.now()
	st := &SessionState{
		Client:               true,
		Version:              wire.VersionTLS12,
		CipherSuite:          hs.suite.id,
		Secret:               master,
		ExtendedMasterSecret: hs.ems,
		CreatedAt:            now,
		AuthenticatedAt:      now,
		Lifetime:             uint32(defaultTicketLifetime / time.Second),
		ALPN:                 c.result.NegotiatedProtocol,
		ServerName:           c.result.ServerName,
	}
	switch {
	case hs.newTicket != nil && len(hs.newTicket.Ticket) > 0:
		st.Ticket = hs.newTicket.Ticket
		if hint := hs.newTicket.Lifetime; hint > 0 {
			st.Lifetime = min(hint, uint32(maxTicketLifetime/time.Second))
		}
	case c.resumed != nil || hs.ticketExpected || len(hs.sessionID) == 0:
		return
	default:
		st.SessionID = hs.sessionID
	}
	recordPeer(c, st)
	storeClientSession(c, st)
	if c.tracing() {
		c.trace("resumption", "TLS 1.2 session cached (ticket: %t)", len(st.Ticket) > 0)
	}
}
