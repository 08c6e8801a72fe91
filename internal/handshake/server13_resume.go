package handshake

import (
	"crypto/hmac"
	"encoding/binary"
	"slices"
	"time"

	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/wire"
)

// This file is TLS 1.3 resumption on the server: choosing a PSK from the
// ClientHello's pre_shared_key and checking its binder (RFC 8446, Section
// 4.2.11), accepting or declining 0-RTT data (Section 4.2.10), and
// issuing NewSessionTicket after the handshake (Section 4.6.1).

// maxPSKIdentities bounds how many offered identities the server tries to
// open: each costs an AEAD open.
const maxPSKIdentities = 4

// earlyDataWindow is how far the client's view of a ticket's age may be
// from the server's for 0-RTT data to be accepted (RFC 8446, Section 8.3).
const earlyDataWindow = 10 * time.Second

// serverPSK13 is the PSK the server selected from the ClientHello.
type serverPSK13 struct {
	state    *SessionState
	identity uint16
	early    keysched.EarlySecret
	// dhe says psk_dhe_ke was chosen; psk_ke otherwise.
	dhe bool
	// ticketAge is the client's view of the ticket's age.
	ticketAge time.Duration
	// earlyTraffic is the client_early_traffic_secret when 0-RTT data
	// was accepted, else nil.
	earlyTraffic *keysched.EarlyTrafficSecret
}

// choosePSKMode picks the key exchange mode for a PSK: psk_dhe_ke when
// both sides allow it, else psk_ke when both do (RFC 8446, Section 4.2.9).
func choosePSKMode(cfg *Config, offered []wire.PSKKeyExchangeMode) (dhe, ok bool) {
	ours := cfg.pskModes()
	if slices.Contains(ours, wire.PSKModeDHEKE) && slices.Contains(offered, wire.PSKModeDHEKE) {
		return true, true
	}
	if slices.Contains(ours, wire.PSKModeKE) && slices.Contains(offered, wire.PSKModeKE) {
		return false, true
	}
	return false, false
}

// resumeSession13 selects the first offered ticket the server can resume
// with suite and checks its binder over t, the transcript before this
// ClientHello. It returns nil, with no error, when the handshake is to be
// a full one.
func resumeSession13(c *Conn, ch *msg.ClientHello, suite *record.Suite, t *keysched.Transcript) (*serverPSK13, error) {
	if len(ch.PSKIdentities) == 0 {
		return nil, nil
	}
	if !slices.Contains(ch.Extensions, wire.ExtPSKKeyExchangeModes) {
		// RFC 8446, Section 4.2.9: pre_shared_key without psk_key_exchange_modes MUST abort the handshake.
		return nil, wire.Fatalf(wire.AlertMissingExtension, "client offered a pre_shared_key without psk_key_exchange_modes")
	}
	if !c.cfg.ticketsEnabled() {
		c.trace("resumption", "client offered %d ticket(s); tickets are disabled: full handshake", len(ch.PSKIdentities))
		return nil, nil
	}
	dhe, ok := choosePSKMode(c.cfg, ch.PSKModes)
	if !ok {
		c.trace("resumption", "no PSK key exchange mode in common (client offered %v): full handshake", ch.PSKModes)
		return nil, nil
	}
	now := c.cfg.now()
	for i, id := range ch.PSKIdentities[:min(len(ch.PSKIdentities), maxPSKIdentities)] {
		st := openServerSession(c, id.Identity, wire.VersionTLS13)
		if st == nil || !usableTicket13(c, ch, st, suite, now) {
			continue
		}
		early := keysched.NewEarlySecret(suite.Hash, st.Secret)
		want := keysched.Binder(suite.Hash, early.ResumptionBinderKey(), t.SumWith(ch.TruncatedForBinders()))
		if !hmac.Equal(want, ch.PSKBinders[i]) {
			// RFC 8446, Section 4.2.11: a binder that does not verify MUST abort with decrypt_error.
			return nil, wire.Fatalf(wire.AlertDecryptError, "psk binder of identity %d does not verify", i)
		}
		age := time.Duration(id.ObfuscatedTicketAge-st.AgeAdd) * time.Millisecond
		c.trace("resumption", "ticket %d accepted: binder verifies, session of %v created %s ago",
			i, st.CipherSuite, now.Sub(st.CreatedAt).Round(time.Millisecond))
		return &serverPSK13{state: st, identity: uint16(i), early: early, dhe: dhe, ticketAge: age}, nil
	}
	c.trace("resumption", "none of the %d offered ticket(s) can be resumed: full handshake", len(ch.PSKIdentities))
	return nil, nil
}

// usableTicket13 reports whether the session st of a ticket may be
// resumed by ch with suite at now.
func usableTicket13(c *Conn, ch *msg.ClientHello, st *SessionState, suite *record.Suite, now time.Time) bool {
	s := record.Suite13(st.CipherSuite)
	switch {
	case s == nil || s.Hash != suite.Hash:
		// RFC 8446, Section 4.2.11: the PSK's hash must be the suite's.
		c.trace("resumption", "ticket of %v does not fit %v", st.CipherSuite, suite.ID)
	case !sessionFresh(st, now):
		c.trace("resumption", "ticket has expired")
	case st.ServerName != ch.ServerName:
		c.trace("resumption", "ticket was issued for server name %q, not %q", st.ServerName, ch.ServerName)
	case !serverAuthAllows(c.cfg, st):
		c.trace("resumption", "ticket's client authentication does not meet the current policy")
	default:
		return true
	}
	return false
}

// decideEarlyData13 decides whether to accept the 0-RTT data a first
// ClientHello announces, and derives its keys when it does. t holds the
// ClientHello. Declined data is skipped as it arrives.
func decideEarlyData13(c *Conn, ch *msg.ClientHello, t *keysched.Transcript, p serverParams13) {
	if why := refuseEarlyData13(c, p); why != "" {
		c.trace("early data", "client sent 0-RTT data; declined (%s): its records are skipped", why)
		c.armEarlyDataSkip()
		return
	}
	secret := p.psk.early.ClientEarlyTrafficSecret(t.Sum())
	c.logSecret(keysched.LabelClientEarly, secret.Bytes())
	p.psk.earlyTraffic = &secret
	c.earlyDataLimit = int(p.psk.state.MaxEarlyData)
	c.trace("early data", "0-RTT data accepted (up to %d bytes); single-use record taken, ticket age within %s",
		p.psk.state.MaxEarlyData, earlyDataWindow)
}

// refuseEarlyData13 says why 0-RTT data cannot be accepted, or returns
// "" when it can. It takes the ticket's single-use record last, so that a
// refusal for another reason leaves it for a later connection.
func refuseEarlyData13(c *Conn, p serverParams13) string {
	psk := p.psk
	switch {
	case psk == nil:
		return "no ticket was resumed"
	case psk.identity != 0:
		// RFC 8446, Section 4.2.10: early data is accepted only with the first PSK.
		return "the resumed ticket is not the first offered"
	case c.cfg.MaxEarlyData == 0 || psk.state.MaxEarlyData == 0 || psk.state.MaxEarlyData > c.cfg.MaxEarlyData:
		return "early data is not enabled for this ticket"
	case psk.state.CipherSuite != p.suite.ID:
		// RFC 8446, Section 4.2.10: the cipher suite must be the ticket's.
		return "the cipher suite differs from the ticket's"
	case psk.state.ALPN != p.alpn:
		// RFC 8446, Section 4.2.10: the application protocol must be the ticket's.
		return "the application protocol differs from the ticket's"
	case !ageFresh(psk.ticketAge, c.cfg.now().Sub(psk.state.CreatedAt)):
		return "the client's ticket age is outside the freshness window"
	case c.cfg.SessionStore == nil:
		return "no store for anti-replay records"
	}
	if _, err := c.cfg.SessionStore.Take(earlyDataKey(psk.state.TicketID)); err != nil {
		return "the ticket's single-use record is gone (replay, or store unavailable)"
	}
	return ""
}

// ageFresh reports whether the client's ticket age and the server's are
// within earlyDataWindow of each other (RFC 8446, Section 8.3).
func ageFresh(client, server time.Duration) bool {
	d := client - server
	return d <= earlyDataWindow && d >= -earlyDataWindow
}

// serverExpectEndOfEarlyData reads accepted 0-RTT data until the
// client's EndOfEarlyData (RFC 8446, Section 4.5).
type serverExpectEndOfEarlyData struct {
	hs *serverHS13
}

// Name names the state.
func (serverExpectEndOfEarlyData) Name() string { return "server:expect EndOfEarlyData" }

// Handle switches reading to the client handshake traffic keys.
func (s serverExpectEndOfEarlyData) Handle(c *Conn, m msg.Message) (State, error) {
	eoed, ok := m.(*msg.EndOfEarlyData)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	s.hs.transcript.Write(eoed.Raw)
	if err := setReadKeys13(c, s.hs.suite, s.hs.clientHS); err != nil {
		return nil, err
	}
	c.trace("receive EndOfEarlyData", "%d bytes of 0-RTT data received; reading with the client handshake keys", len(c.earlyData))
	return serverExpectFinished(s), nil
}

// AcceptingEarlyData reports whether application data records now carry
// accepted 0-RTT data, which goes to ReceiveEarlyData.
func (c *Conn) AcceptingEarlyData() bool {
	_, ok := c.state.(serverExpectEndOfEarlyData)
	return ok
}

// ReceiveEarlyData keeps 0-RTT data apart from the application data. More
// than the ticket allows is an error.
func (c *Conn) ReceiveEarlyData(data []byte) error {
	if !c.AcceptingEarlyData() {
		return wire.Fatalf(wire.AlertUnexpectedMessage, "application data before the handshake completed")
	}
	if len(data) > c.earlyDataLimit-len(c.earlyData) {
		// RFC 8446, Section 4.2.10: more than max_early_data_size MUST abort with unexpected_message.
		return wire.Fatalf(wire.AlertUnexpectedMessage, "client sent more than %d bytes of early data", c.earlyDataLimit)
	}
	c.earlyData = append(c.earlyData, data...)
	return nil
}

// EarlyData returns the 0-RTT data a server accepted.
func (c *Conn) EarlyData() []byte { return c.earlyData }

// issueTickets13 sends a NewSessionTicket once the handshake is complete,
// when tickets are enabled and the client can use one. A ticket that
// cannot be made is traced and skipped: it never fails the handshake.
// resumption is the resumption_master_secret the tickets' PSKs come from.
func issueTickets13(c *Conn, hs *serverHS13, resumption keysched.ResumptionMasterSecret) error {
	if !c.cfg.ticketsEnabled() {
		return nil
	}
	if _, ok := choosePSKMode(c.cfg, hs.clientModes); !ok {
		// RFC 8446, Section 4.2.9: tickets must fit the modes the client offered.
		c.trace("send NewSessionTicket", "no ticket: the client offered no PSK mode we accept (%v)", hs.clientModes)
		return nil
	}
	nst, err := newTicket13(c, hs.suite, resumption, 0)
	if err != nil {
		c.trace("send NewSessionTicket", "no ticket: %v", err)
		return nil
	}
	if err := c.send(nil, nst); err != nil {
		return err
	}
	c.trace("send NewSessionTicket", "ticket of %d bytes, lifetime %ds, 0-RTT up to %d bytes", len(nst.Ticket), nst.Lifetime, nst.MaxEarlyData)
	return nil
}

// newTicket13 builds the NewSessionTicket with nonce n for the session
// that just completed, whose resumption_master_secret is resumption.
func newTicket13(c *Conn, suite *record.Suite, resumption keysched.ResumptionMasterSecret, n byte) (*msg.NewSessionTicket, error) {
	random, err := readRandom(c.cfg, 4+16)
	if err != nil {
		return nil, err
	}
	now := c.cfg.now()
	nonce := []byte{n}
	st := &SessionState{
		Version:         wire.VersionTLS13,
		CipherSuite:     suite.ID,
		Secret:          resumption.PSK(nonce),
		CreatedAt:       now,
		AuthenticatedAt: now,
		Lifetime:        uint32(c.cfg.ticketLifetime() / time.Second),
		AgeAdd:          binary.BigEndian.Uint32(random),
		ALPN:            c.result.NegotiatedProtocol,
		ServerName:      c.result.ServerName,
		TicketID:        random[4:],
	}
	recordPeer(c, st)
	st.MaxEarlyData = allowEarlyData13(c, st)
	ticket, err := sealSession(c, st)
	if err != nil {
		return nil, err
	}
	return &msg.NewSessionTicket{TLS13: true, Lifetime: st.Lifetime, AgeAdd: st.AgeAdd, Nonce: nonce,
		Ticket: ticket, MaxEarlyData: st.MaxEarlyData}, nil
}

// allowEarlyData13 returns the max_early_data_size of a new ticket: the
// configured limit once the ticket's single-use record is stored, else 0.
func allowEarlyData13(c *Conn, st *SessionState) uint32 {
	if c.cfg.MaxEarlyData == 0 || c.cfg.SessionStore == nil {
		return 0
	}
	ttl := time.Duration(st.Lifetime) * time.Second
	if err := c.cfg.SessionStore.Put(earlyDataKey(st.TicketID), []byte{1}, ttl); err != nil {
		c.trace("send NewSessionTicket", "ticket allows no 0-RTT data: the single-use record was not stored: %v", err)
		return 0
	}
	return c.cfg.MaxEarlyData
}

// sealSession encodes and seals a server session state into a ticket
// that fits the 16-bit ticket fields.
func sealSession(c *Conn, st *SessionState) ([]byte, error) {
	plain, err := st.Marshal()
	if err != nil {
		return nil, err
	}
	ticket, err := c.cfg.TicketSealer.Seal(plain)
	if err != nil {
		return nil, err
	}
	if len(ticket) == 0 || len(ticket) > 0xffff {
		return nil, wire.Fatalf(wire.AlertInternalError, "sealed ticket of %d bytes does not fit", len(ticket))
	}
	return ticket, nil
}
