package handshake

import (
	"crypto"
	"slices"
	"time"

	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/wire"
)

// This file is TLS 1.3 resumption on the client: offering a cached
// session in pre_shared_key with its binder (RFC 8446, Section 4.2.11),
// sending 0-RTT data (Section 4.2.10), checking the server's choice, and
// keeping the tickets of NewSessionTicket (Section 4.6.1).

// clientPSK13 is the session a ClientHello offers as its only PSK.
type clientPSK13 struct {
	state *SessionState
	hash  crypto.Hash
	early keysched.EarlySecret
}

// offerSession13 adds st to the ClientHello as its PSK, with a
// placeholder binder that sendClientHello fills in, and announces 0-RTT
// data when the configuration has some and the session allows it.
func offerSession13(c *Conn, o *clientOffer, st *SessionState) {
	suite := record.Suite13(st.CipherSuite)
	if suite == nil || c.cfg.SessionTicketsDisabled || len(st.Ticket) == 0 || !offersHash(o.hello.CipherSuites, suite.Hash) {
		return
	}
	o.psk = &clientPSK13{state: st, hash: suite.Hash, early: keysched.NewEarlySecret(suite.Hash, st.Secret)}
	ch := o.hello
	ch.PSKModes = slices.Clone(c.cfg.pskModes())
	ch.PSKIdentities = []msg.PSKIdentity{{Identity: st.Ticket, ObfuscatedTicketAge: obfuscatedAge(c, st)}}
	ch.PSKBinders = [][]byte{make([]byte, suite.Hash.Size())}
	if wantEarlyData(c, st, suite) {
		ch.EarlyData = true
		o.earlySuite = suite
	}
	if c.tracing() {
		c.trace("resumption", "offering a %v session ticket of %d bytes, received %s ago; 0-RTT data: %t",
			st.CipherSuite, len(st.Ticket), c.cfg.now().Sub(st.CreatedAt).Round(time.Millisecond), ch.EarlyData)
	}
}

// offersHash reports whether one of the TLS 1.3 suites offered has hash h.
func offersHash(suites []wire.CipherSuite, h crypto.Hash) bool {
	return slices.ContainsFunc(suites, func(id wire.CipherSuite) bool {
		s := record.Suite13(id)
		return s != nil && s.Hash == h
	})
}

// obfuscatedAge returns the ticket's age in milliseconds plus its
// ticket_age_add, modulo 2^32 (RFC 8446, Section 4.2.11.1).
func obfuscatedAge(c *Conn, st *SessionState) uint32 {
	age := c.cfg.now().Sub(st.CreatedAt).Milliseconds()
	return uint32(age) + st.AgeAdd
}

// wantEarlyData reports whether the client sends its 0-RTT data with
// session st: the session allows that much, its suite is offered, and
// its application protocol is one we offer (RFC 8446, Section 4.2.10).
func wantEarlyData(c *Conn, st *SessionState, suite *record.Suite) bool {
	n := len(c.cfg.EarlyData)
	if n == 0 || uint64(n) > uint64(st.MaxEarlyData) || !slices.Contains(clientSuites13(c.cfg), suite.ID) {
		return false
	}
	if st.ALPN == "" {
		return len(c.cfg.NextProtos) == 0
	}
	return slices.Contains(c.cfg.NextProtos, st.ALPN)
}

// writeBinders computes the PSK binder over the transcript t and the
// truncated ClientHello and writes it into the encoded message. Before a
// HelloRetryRequest t has no hash yet and holds nothing.
func writeBinders(o *clientOffer, t *keysched.Transcript) error {
	truncated := o.hello.TruncatedForBinders()
	var th []byte
	if t.Hash() == 0 {
		d := o.psk.hash.New()
		d.Write(truncated)
		th = d.Sum(nil)
	} else {
		th = t.SumWith(truncated)
	}
	binder := keysched.Binder(o.psk.hash, o.psk.early.ResumptionBinderKey(), th)
	return o.hello.SetBinders([][]byte{binder})
}

// startEarlyData switches writing to the client early traffic keys right
// after the first ClientHello, raw, and releases the 0-RTT data for the
// engine to send (see TakeEarlyData). The compatibility
// change_cipher_spec goes first (RFC 8446, Appendix D.4).
func startEarlyData(c *Conn, o *clientOffer, raw []byte) error {
	d := o.psk.hash.New()
	d.Write(raw)
	secret := o.psk.early.ClientEarlyTrafficSecret(d.Sum(nil))
	c.logSecret(keysched.LabelClientEarly, secret.Bytes())
	c.link.WriteChangeCipherSpec()
	o.sentCCS = true
	if err := setWriteKeys13(c, o.earlySuite, secret); err != nil {
		return err
	}
	c.earlyOut = c.cfg.EarlyData
	o.earlySent = true
	if c.tracing() {
		c.trace("send early data", "%d bytes of 0-RTT data under the client early traffic keys (%v)", len(c.earlyOut), o.earlySuite.ID)
	}
	return nil
}

// TakeEarlyData returns, once, the 0-RTT data a client sends right after
// its ClientHello under the early traffic keys now installed.
func (c *Conn) TakeEarlyData() []byte {
	d := c.earlyOut
	c.earlyOut = nil
	return d
}

// retryPSK13 updates the PSK offer of a second ClientHello (RFC 8446,
// Section 4.1.2): a fresh ticket age and a new binder, or no PSK when
// the suite the server chose has another hash.
func retryPSK13(c *Conn, o *clientOffer, suite *record.Suite) {
	ch := o.hello
	if o.psk == nil || suite.Hash != o.psk.hash {
		ch.PSKIdentities, ch.PSKBinders, o.psk = nil, nil, nil
		return
	}
	ch.PSKIdentities = []msg.PSKIdentity{{Identity: o.psk.state.Ticket, ObfuscatedTicketAge: obfuscatedAge(c, o.psk.state)}}
	ch.PSKBinders = [][]byte{make([]byte, o.psk.hash.Size())}
}

// acceptedPSK checks the server's pre_shared_key answer and returns the
// PSK to start the key schedule from, or nil for a full handshake.
func acceptedPSK(c *Conn, o *clientOffer, sh *msg.ServerHello, suite *record.Suite) ([]byte, error) {
	if !sh.SelectedIdentityPresent {
		return nil, nil
	}
	if o.psk == nil || int(sh.SelectedIdentity) >= len(o.hello.PSKIdentities) {
		// RFC 8446, Section 4.2.11: a selected_identity we did not offer is illegal_parameter.
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "server selected psk identity %d, which was not offered", sh.SelectedIdentity)
	}
	if suite.Hash != o.psk.hash {
		// RFC 8446, Section 4.2.11: the suite's hash must be the PSK's.
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "server selected %v for a psk of another hash", suite.ID)
	}
	if !restorePeer(c, o.psk.state) {
		return nil, wire.Fatalf(wire.AlertInternalError, "cached session holds unparsable certificates")
	}
	c.resumed = o.psk.state
	c.result.DidResume = true
	c.trace("resumption", "server accepted our session ticket: no certificate, keys from the PSK")
	return o.psk.state.Secret, nil
}

// checkEarlyDataAccepted checks an EncryptedExtensions that accepts our
// 0-RTT data (RFC 8446, Section 4.2.10).
func checkEarlyDataAccepted(c *Conn, hs *clientHS13) error {
	o := hs.offer
	if !o.earlySent || !c.result.DidResume {
		// RFC 8446, Section 4.2.10: early_data in EncryptedExtensions answers only our 0-RTT offer.
		return wire.Fatalf(wire.AlertIllegalParameter, "server accepted early data that was not sent")
	}
	if c.result.NegotiatedProtocol != o.psk.state.ALPN || c.result.CipherSuite != o.psk.state.CipherSuite {
		// RFC 8446, Section 4.2.10: early data is bound to the session's suite and protocol.
		return wire.Fatalf(wire.AlertIllegalParameter, "server accepted early data with another suite or application protocol")
	}
	c.result.EarlyData = true
	return nil
}

// sendEndOfEarlyData ends accepted 0-RTT data after the server's
// Finished (RFC 8446, Section 4.5) under the early traffic keys, then
// switches writing to the client handshake keys.
func sendEndOfEarlyData(c *Conn, hs *clientHS13) error {
	if err := c.send(hs.transcript, &msg.EndOfEarlyData{}); err != nil {
		return err
	}
	c.trace("send EndOfEarlyData", "end of 0-RTT data; writing with the client handshake keys from now on")
	return setWriteKeys13(c, hs.suite, hs.clientHTS)
}

// storeTicket13 keeps a NewSessionTicket in the client's session cache
// with the PSK it stands for (RFC 8446, Section 4.6.1).
func storeTicket13(c *Conn, s *connected13, m *msg.NewSessionTicket) {
	if c.cfg.ClientSessions == nil || c.cfg.SessionTicketsDisabled {
		if c.tracing() {
			c.trace("receive NewSessionTicket", "ticket of %d bytes ignored: no session cache", len(m.Ticket))
		}
		return
	}
	if m.Lifetime == 0 {
		// RFC 8446, Section 4.6.1: a lifetime of zero means to discard the ticket.
		return
	}
	now := c.cfg.now()
	st := &SessionState{
		Client:          true,
		Version:         wire.VersionTLS13,
		CipherSuite:     s.suite.ID,
		Secret:          s.resumption.PSK(m.Nonce),
		CreatedAt:       now,
		AuthenticatedAt: now,
		// RFC 8446, Section 4.6.1: a ticket is kept no longer than 7 days.
		Lifetime:     min(m.Lifetime, uint32(maxTicketLifetime/time.Second)),
		AgeAdd:       m.AgeAdd,
		MaxEarlyData: m.MaxEarlyData,
		ALPN:         c.result.NegotiatedProtocol,
		ServerName:   c.result.ServerName,
		Ticket:       m.Ticket,
	}
	recordPeer(c, st)
	storeClientSession(c, st)
	if c.tracing() {
		c.trace("receive NewSessionTicket", "session ticket of %d bytes stored, lifetime %ds, 0-RTT up to %d bytes",
			len(m.Ticket), st.Lifetime, m.MaxEarlyData)
	}
}
