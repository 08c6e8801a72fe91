package handshake

import (
	"slices"

	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/wire"
)

// clientHS13 is what a TLS 1.3 client handshake knows once the
// ServerHello has been accepted: the offer, the transcript, the suite and
// the handshake secrets. The states after ServerHello share it.
type clientHS13 struct {
	offer      *clientOffer
	transcript *keysched.Transcript
	suite      *record.Suite
	secret     keysched.HandshakeSecret
	clientHTS  keysched.HandshakeTrafficSecret
	serverHTS  keysched.HandshakeTrafficSecret
}

// clientExpectServerHello waits for the answer to a ClientHello: a
// ServerHello or, once, a HelloRetryRequest.
type clientExpectServerHello struct {
	offer      *clientOffer
	transcript *keysched.Transcript
	// hrr is the HelloRetryRequest the offer answers, or nil.
	hrr *msg.ServerHello
}

// Name names the state.
func (s *clientExpectServerHello) Name() string {
	if s.hrr != nil {
		return "client:expect ServerHello (retry)"
	}
	return "client:expect ServerHello"
}

// Handle processes a ServerHello or HelloRetryRequest.
func (s *clientExpectServerHello) Handle(c *Conn, m msg.Message) (State, error) {
	sh, ok := m.(*msg.ServerHello)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	if isTLS12ServerHello(sh) {
		// Without supported_versions the server selects TLS 1.2 or older
		// (RFC 8446, Section 4.2.1): continue in client12.go.
		return clientServerHello12(c, s.offer, s.hrr, sh)
	}
	hrr := sh.IsHelloRetryRequest()
	if err := checkServerHello(s.offer, sh, hrr); err != nil {
		return nil, err
	}
	if hrr {
		return s.handleRetry(c, sh)
	}
	return s.handleServerHello(c, sh)
}

// clientSelectedVersion returns the version a TLS 1.3 ServerHello (or a
// HelloRetryRequest) selects. A ServerHello without supported_versions
// has already branched off to TLS 1.2 (see isTLS12ServerHello); a
// HelloRetryRequest without it selects no version we know.
func clientSelectedVersion(o *clientOffer, sh *msg.ServerHello) (wire.Version, error) {
	if sh.SupportedVersion == 0 {
		return 0, wire.Fatalf(wire.AlertProtocolVersion, "server selected %s, which is not enabled", sh.Version)
	}
	// RFC 8446, Section 4.2.1: a version we did not offer, or one below TLS 1.3, is illegal_parameter.
	if sh.SupportedVersion < wire.VersionTLS13 || !slices.Contains(o.hello.SupportedVersions, sh.SupportedVersion) {
		return 0, wire.Fatalf(wire.AlertIllegalParameter, "server selected %s in supported_versions, which was not offered", sh.SupportedVersion)
	}
	// RFC 8446, Section 4.1.3: legacy_version MUST be 0x0303 in TLS 1.3.
	if sh.Version != wire.VersionTLS12 {
		return 0, wire.Fatalf(wire.AlertIllegalParameter, "server sent legacy_version %s with TLS 1.3", sh.Version)
	}
	return sh.SupportedVersion, nil
}

// checkServerHello applies the checks a ServerHello and a
// HelloRetryRequest share (RFC 8446, Section 4.1.3 and 4.1.4).
func checkServerHello(o *clientOffer, sh *msg.ServerHello, hrr bool) error {
	v, err := clientSelectedVersion(o, sh)
	if err != nil {
		return err
	}
	if err := msg.CheckAllowed(wire.HandshakeServerHello, hrr, v, sh.Extensions); err != nil {
		return err
	}
	if err := checkAnswered(o, sh.Extensions, hrr); err != nil {
		return err
	}
	// RFC 8446, Section 4.1.3: legacy_session_id_echo MUST match what we sent.
	if string(sh.SessionID) != string(o.hello.SessionID) {
		return wire.Fatalf(wire.AlertIllegalParameter, "server did not echo our legacy_session_id")
	}
	// RFC 8446, Section 4.1.3: a cipher suite we did not offer is illegal_parameter.
	if !slices.Contains(o.hello.CipherSuites, sh.CipherSuite) {
		return wire.Fatalf(wire.AlertIllegalParameter, "server selected %s, which was not offered", sh.CipherSuite)
	}
	// RFC 8446, Section 4.1.3: legacy_compression_method MUST be 0.
	if sh.CompressionMethod != 0 {
		return wire.Fatalf(wire.AlertIllegalParameter, "server selected compression method %d", sh.CompressionMethod)
	}
	return nil
}

// checkAnswered rejects extensions in a server message that the
// ClientHello did not offer; only a HelloRetryRequest may carry a cookie
// unasked.
func checkAnswered(o *clientOffer, exts []wire.ExtensionType, hrr bool) error {
	for _, e := range exts {
		if hrr && e == wire.ExtCookie {
			continue
		}
		// RFC 8446, Section 4.2: a response to an extension we did not send is unsupported_extension.
		if !o.didOffer(e) {
			return wire.Fatalf(wire.AlertUnsupportedExtension, "server sent the %s extension, which was not offered", e)
		}
	}
	return nil
}

// handleRetry answers a HelloRetryRequest with a second ClientHello
// (RFC 8446, Section 4.1.4).
func (s *clientExpectServerHello) handleRetry(c *Conn, hrr *msg.ServerHello) (State, error) {
	// RFC 8446, Section 4.1.4: a second HelloRetryRequest is unexpected_message.
	if s.hrr != nil {
		return nil, wire.Fatalf(wire.AlertUnexpectedMessage, "second hello_retry_request")
	}
	if err := checkRetryGroup(s.offer, hrr); err != nil {
		return nil, err
	}
	suite := record.Suite13(hrr.CipherSuite)
	if suite == nil {
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "server selected unknown suite %s", hrr.CipherSuite)
	}
	t := s.transcript
	t.SetHash(suite.Hash)
	// RFC 8446, Section 4.4.1: ClientHello1 is replaced by message_hash.
	t.ReplaceWithMessageHash()
	t.Write(hrr.Raw)
	c.result.HelloRetry = true
	traceRetry(c, hrr)
	offer, err := retryClientHello(c, s.offer, hrr)
	if err != nil {
		return nil, err
	}
	if s.offer.earlySent {
		// The server declined our 0-RTT data; the second ClientHello goes
		// out in the clear again (RFC 8446, Section 4.2.10).
		c.link.SetWriteProtector(record.Plaintext(wire.VersionTLS12))
	}
	if !s.offer.sentCCS {
		// Middlebox compatibility (RFC 8446, Appendix D.4): our first
		// change_cipher_spec goes right before the second ClientHello.
		c.link.WriteChangeCipherSpec()
	}
	if err := sendClientHello(c, t, offer); err != nil {
		return nil, err
	}
	if c.tracing() {
		c.trace("send ClientHello", "second ClientHello with %s", describeRetryChange(hrr))
	}
	return &clientExpectServerHello{offer: offer, transcript: t, hrr: hrr}, nil
}

// checkRetryGroup checks what a HelloRetryRequest asks to change.
func checkRetryGroup(o *clientOffer, hrr *msg.ServerHello) error {
	if g := hrr.SelectedGroup; g != 0 {
		// RFC 8446, Section 4.2.8: the group must be one we offered in supported_groups...
		if !slices.Contains(o.hello.SupportedGroups, g) {
			return wire.Fatalf(wire.AlertIllegalParameter, "hello_retry_request selected %s, which was not offered", g)
		}
		// ...and not one we already sent a key share for.
		if o.share(g) != nil {
			return wire.Fatalf(wire.AlertIllegalParameter, "hello_retry_request selected %s, for which a key share was sent", g)
		}
		return nil
	}
	// RFC 8446, Section 4.1.4: a HelloRetryRequest that changes nothing is illegal_parameter.
	if len(hrr.Cookie) == 0 {
		return wire.Fatalf(wire.AlertIllegalParameter, "hello_retry_request would not change the client_hello")
	}
	return nil
}

// handleServerHello completes the key exchange, derives the handshake
// traffic secrets and installs the server's handshake read keys.
func (s *clientExpectServerHello) handleServerHello(c *Conn, sh *msg.ServerHello) (State, error) {
	if err := checkAfterRetry(s.hrr, sh); err != nil {
		return nil, err
	}
	suite := record.Suite13(sh.CipherSuite)
	if suite == nil {
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "server selected unknown suite %s", sh.CipherSuite)
	}
	psk, err := acceptedPSK(c, s.offer, sh, suite)
	if err != nil {
		return nil, err
	}
	shared, err := clientKeyExchange(s.offer, sh, psk != nil)
	if err != nil {
		return nil, err
	}
	t := s.transcript
	t.SetHash(suite.Hash)
	t.Write(sh.Raw)
	c.result.Version = wire.VersionTLS13
	c.result.CipherSuite = sh.CipherSuite
	c.result.Group = sh.ServerShare.Group
	traceServerHello(c, s.offer, sh, len(shared))

	// Without resumption the key schedule starts from a zero PSK.
	early := keysched.NewEarlySecret(suite.Hash, psk)
	hs := &clientHS13{offer: s.offer, transcript: t, suite: suite, secret: early.HandshakeSecret(shared)}
	th := t.Sum()
	hs.clientHTS = hs.secret.ClientHandshakeTrafficSecret(th)
	hs.serverHTS = hs.secret.ServerHandshakeTrafficSecret(th)
	c.logSecret(keysched.LabelClientHandshake, hs.clientHTS.Bytes())
	c.logSecret(keysched.LabelServerHandshake, hs.serverHTS.Bytes())
	if err := setReadKeys13(c, suite, hs.serverHTS); err != nil {
		return nil, err
	}
	// Middlebox compatibility (RFC 8446, Appendix D.4): the
	// change_cipher_spec goes before our first protected record, unless
	// one went before the second ClientHello. Our write keys switch now,
	// so that an alert during the server's flight is protected as the
	// server expects.
	if !c.result.HelloRetry && !s.offer.sentCCS {
		c.link.WriteChangeCipherSpec()
	}
	if s.offer.earlySent {
		// Our 0-RTT data keeps the early traffic keys until
		// EncryptedExtensions says whether it was accepted.
		return &clientExpectEncryptedExtensions{hs: hs}, nil
	}
	if err := setWriteKeys13(c, suite, hs.clientHTS); err != nil {
		return nil, err
	}
	if c.tracing() {
		c.trace("install keys", "handshake traffic keys installed for %s in both directions", suite.ID)
	}
	return &clientExpectEncryptedExtensions{hs: hs}, nil
}

// checkAfterRetry checks that a ServerHello after a HelloRetryRequest
// keeps what the HelloRetryRequest chose.
func checkAfterRetry(hrr, sh *msg.ServerHello) error {
	if hrr == nil {
		return nil
	}
	// RFC 8446, Section 4.1.4: the cipher suite MUST be the one of the HelloRetryRequest.
	if sh.CipherSuite != hrr.CipherSuite {
		return wire.Fatalf(wire.AlertIllegalParameter, "server_hello selected %s after hello_retry_request selected %s", sh.CipherSuite, hrr.CipherSuite)
	}
	// RFC 8446, Section 4.1.4: selected_version MUST be retained.
	if sh.SupportedVersion != hrr.SupportedVersion {
		return wire.Fatalf(wire.AlertIllegalParameter, "server_hello changed the version selected by hello_retry_request")
	}
	// RFC 8446, Section 4.2.8: the group MUST be the one the HelloRetryRequest selected.
	if hrr.SelectedGroup != 0 && sh.ServerShare.Group != 0 && sh.ServerShare.Group != hrr.SelectedGroup {
		return wire.Fatalf(wire.AlertIllegalParameter, "server_hello key share for %s after hello_retry_request selected %s", sh.ServerShare.Group, hrr.SelectedGroup)
	}
	return nil
}

// clientKeyExchange completes the (EC)DHE or KEM exchange with the
// server's key share and returns the shared secret, or nil when a PSK is
// used in psk_ke mode, which we offered.
func clientKeyExchange(o *clientOffer, sh *msg.ServerHello, resumed bool) ([]byte, error) {
	g := sh.ServerShare.Group
	if g == 0 && resumed && slices.Contains(o.hello.PSKModes, wire.PSKModeKE) {
		return nil, nil
	}
	if g == 0 {
		// Without a PSK the key_share extension is required (RFC 8446, Section 9.2).
		return nil, wire.Fatalf(wire.AlertMissingExtension, "server_hello has no key_share")
	}
	share := o.share(g)
	if share == nil {
		// RFC 8446, Section 4.2.8: the server's share must be for a group we sent a share for.
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "server sent a key share for %s, which we did not send", g)
	}
	shared, err := share.Complete(sh.ServerShare.Data)
	if err != nil {
		return nil, fatalOr(err, wire.AlertIllegalParameter, "invalid server key share")
	}
	return shared, nil
}

// clientExpectEncryptedExtensions waits for the server's
// EncryptedExtensions.
type clientExpectEncryptedExtensions struct{ hs *clientHS13 }

// Name names the state.
func (s *clientExpectEncryptedExtensions) Name() string {
	return "client:expect EncryptedExtensions"
}

// Handle processes EncryptedExtensions (RFC 8446, Section 4.3.1).
func (s *clientExpectEncryptedExtensions) Handle(c *Conn, m msg.Message) (State, error) {
	ee, ok := m.(*msg.EncryptedExtensions)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	if err := msg.CheckAllowed(wire.HandshakeEncryptedExtensions, false, wire.VersionTLS13, ee.Extensions); err != nil {
		return nil, err
	}
	if err := checkAnswered(s.hs.offer, ee.Extensions, false); err != nil {
		return nil, err
	}
	if p := ee.ALPNProtocol; p != "" {
		// RFC 7301, Section 3.2: the server's protocol must be one the client offered.
		if !slices.Contains(s.hs.offer.hello.ALPNProtocols, p) {
			return nil, wire.Fatalf(wire.AlertIllegalParameter, "server selected ALPN protocol %q, which was not offered", p)
		}
		c.result.NegotiatedProtocol = p
	}
	s.hs.transcript.Write(ee.Raw)
	traceEncryptedExtensions(c, ee)
	if ee.EarlyData {
		if err := checkEarlyDataAccepted(c, s.hs); err != nil {
			return nil, err
		}
	} else if s.hs.offer.earlySent {
		c.trace("early data", "server declined our 0-RTT data; writing with the client handshake keys")
		if err := setWriteKeys13(c, s.hs.suite, s.hs.clientHTS); err != nil {
			return nil, err
		}
	}
	if c.result.DidResume {
		// RFC 8446, Section 2.2: a PSK handshake has no certificate messages.
		return &clientExpectFinished{hs: s.hs}, nil
	}
	return &clientExpectCertificateOrRequest{hs: s.hs}, nil
}
