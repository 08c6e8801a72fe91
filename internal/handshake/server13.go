package handshake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"io"
	"slices"
	"strings"

	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/wire"
)

// This file holds the TLS 1.3 server up to its first flight: the
// ClientHello, its checks, negotiation and the HelloRetryRequest round.
// server13_flight.go sends the flight; server13_auth.go reads the
// client's second flight.

// rejectedEarlyDataLimit bounds how many bytes of 0-RTT records a server
// that does not accept early data skips (RFC 8446, Section 4.2.10), on top
// of twice the MaxEarlyData its own tickets allow: it absorbs what a
// client resuming a session from another server might send.
const rejectedEarlyDataLimit = 1 << 14

// serverParams13 is what a TLS 1.3 server decided from the first
// ClientHello; it holds through a HelloRetryRequest.
type serverParams13 struct {
	suite *record.Suite
	// group is the key exchange group, or 0 in psk_ke mode.
	group wire.Group
	// cert is the certificate to present; unset when a PSK was selected
	// and no HelloRetryRequest can make the handshake a full one.
	cert certChoice
	alpn string
	// psk is the resumed session, or nil for a full handshake.
	psk *serverPSK13
}

// expectClientHello is the server's initial state.
type expectClientHello struct{}

// Name names the state.
func (expectClientHello) Name() string { return "server:expect ClientHello" }

// Handle processes the first ClientHello: it negotiates and either sends
// the server's flight or a HelloRetryRequest.
func (s expectClientHello) Handle(c *Conn, m msg.Message) (State, error) {
	ch, ok := m.(*msg.ClientHello)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	c.clientRandom = bytes.Clone(ch.Random)
	if c.tracing() {
		c.trace("receive ClientHello", "%s", describeClientHello(ch))
	}
	version, why, err := negotiateVersion(c.cfg, ch)
	if err != nil {
		return nil, err
	}
	c.result.Version = version
	if c.tracing() {
		c.trace("choose version", "%s", why)
	}
	if c.cfg.ClientAuth != NoClientCert {
		// Fail before sending anything when no CertificateRequest can be made.
		if _, err := clientAuthSchemes(c.cfg, version); err != nil {
			return nil, err
		}
	}
	if version == wire.VersionTLS12 {
		// The TLS 1.3-only extensions are ignored (RFC 8446, Section 4.2),
		// even when malformed: see msg.ClientHello.TLS13ExtensionsError.
		return serverHello12(c, ch)
	}
	if err := checkClientHello13(ch); err != nil {
		return nil, err
	}
	t := keysched.NewTranscript()
	p, group, err := negotiate13(c, ch, t)
	if err != nil {
		return nil, err
	}
	t.Write(ch.Raw)
	if p.group != 0 && group.share == nil {
		return sendHelloRetryRequest(c, ch, t, p)
	}
	if ch.EarlyData {
		decideEarlyData13(c, ch, t, p)
	}
	return serverFlight13(c, ch, t, p, group.share, false)
}

// checkClientHello13 enforces the RFC 8446 rules on a ClientHello that
// offers TLS 1.3 that negotiation does not cover.
func checkClientHello13(ch *msg.ClientHello) error {
	if err := ch.TLS13ExtensionsError(); err != nil {
		return err
	}
	if len(ch.CompressionMethods) != 1 || ch.CompressionMethods[0] != 0 {
		// RFC 8446, Section 4.1.2: a TLS 1.3 ClientHello MUST offer only the null compression method.
		return wire.Fatalf(wire.AlertIllegalParameter, "client offered compression methods %v", ch.CompressionMethods)
	}
	if len(ch.SecureRenegotiation) != 0 {
		// RFC 5746, Section 3.6: an initial handshake carries an empty renegotiated_connection.
		return wire.Fatalf(wire.AlertHandshakeFailure, "initial client hello has a non-empty renegotiation_info")
	}
	if len(ch.PSKIdentities) > 0 {
		// With a PSK the certificate extensions are optional; checkCertHello13
		// runs if the handshake turns out to be a full one.
		return nil
	}
	return checkCertHello13(ch)
}

// checkCertHello13 checks that a ClientHello can have a certificate-based
// handshake.
func checkCertHello13(ch *msg.ClientHello) error {
	if !slices.Contains(ch.Extensions, wire.ExtSignatureAlgorithms) {
		// RFC 8446, Section 9.2: without a PSK, signature_algorithms MUST be present.
		return wire.Fatalf(wire.AlertMissingExtension, "client hello without signature_algorithms")
	}
	if !slices.Contains(ch.Extensions, wire.ExtSupportedGroups) {
		// RFC 8446, Section 9.2: without a PSK, supported_groups MUST be present.
		return wire.Fatalf(wire.AlertMissingExtension, "client hello without supported_groups")
	}
	return nil
}

// negotiate13 chooses suite, PSK, group, certificate and application
// protocol for ch, tracing each choice. It sets the hash of t, which
// must be empty: the binders of ch are checked over it.
func negotiate13(c *Conn, ch *msg.ClientHello, t *keysched.Transcript) (serverParams13, groupChoice, error) {
	suite, err := chooseSuite13(c.cfg, ch.CipherSuites)
	if err != nil {
		return serverParams13{}, groupChoice{}, err
	}
	if c.tracing() {
		c.trace("choose cipher suite", "%s", suite.why)
	}
	t.SetHash(suite.suite.Hash)
	p := serverParams13{suite: suite.suite}
	if p.psk, err = resumeSession13(c, ch, suite.suite, t); err != nil {
		return serverParams13{}, groupChoice{}, err
	}
	if p.psk == nil {
		if err := checkCertHello13(ch); err != nil {
			return serverParams13{}, groupChoice{}, err
		}
	}
	var group groupChoice
	if p.psk == nil || p.psk.dhe {
		if group, err = chooseGroup(c.cfg, ch); err != nil {
			return serverParams13{}, groupChoice{}, err
		}
		if c.tracing() {
			c.trace("choose group", "%s", group.why)
		}
		p.group = group.group
	}
	if p.alpn, err = negotiateALPN(c.cfg.NextProtos, ch.ALPNProtocols); err != nil {
		return serverParams13{}, groupChoice{}, err
	}
	if p.alpn != "" && c.tracing() {
		c.trace("choose application protocol", "%q: first of ours %q that the client offers %q", p.alpn, c.cfg.NextProtos, ch.ALPNProtocols)
	}
	if p.psk == nil || (p.group != 0 && group.share == nil) {
		// A HelloRetryRequest may turn a resumption into a full handshake.
		if p.cert, err = chooseCertificate13(c, ch); err != nil && p.psk == nil {
			return serverParams13{}, groupChoice{}, err
		}
	}
	c.result.CipherSuite = suite.suite.ID
	c.result.Group = p.group
	c.result.NegotiatedProtocol = p.alpn
	c.result.ServerName = ch.ServerName
	return p, group, nil
}

// chooseCertificate13 selects the certificate to present and traces it.
func chooseCertificate13(c *Conn, ch *msg.ClientHello) (certChoice, error) {
	cert, err := selectCertificate(c.cfg, ch, wire.VersionTLS13)
	if err != nil {
		return certChoice{}, err
	}
	if c.tracing() {
		c.trace("choose certificate", "%s; %s", cert.why, describeCert(cert.leaf))
	}
	return cert, nil
}

// describeClientHello summarizes what a ClientHello offers.
func describeClientHello(ch *msg.ClientHello) string {
	var b strings.Builder
	versions := versionList(offeredVersions(ch))
	if len(ch.SupportedVersions) == 0 {
		versions = fmt.Sprintf("up to %v (legacy_version, no supported_versions)", ch.Version)
	}
	fmt.Fprintf(&b, "versions %s, suites %v, groups %v, key shares [", versions, ch.CipherSuites, ch.SupportedGroups)
	for i, ks := range ch.KeyShares {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%v (%d bytes)", ks.Group, len(ks.Data))
	}
	b.WriteString("]")
	if ch.ServerName != "" {
		fmt.Fprintf(&b, ", server name %q", ch.ServerName)
	}
	if len(ch.ALPNProtocols) > 0 {
		fmt.Fprintf(&b, ", ALPN %q", ch.ALPNProtocols)
	}
	fmt.Fprintf(&b, ", signature schemes %v", ch.SignatureAlgorithms)
	return b.String()
}

// serverExpectClientHelloRetry waits for the ClientHello that answers a
// HelloRetryRequest.
type serverExpectClientHelloRetry struct {
	ch1        *msg.ClientHello
	transcript *keysched.Transcript
	params     serverParams13
	cookie     []byte
	// sentCCS is true when a change_cipher_spec followed the
	// HelloRetryRequest, so none follows the ServerHello.
	sentCCS bool
}

// Name names the state.
func (serverExpectClientHelloRetry) Name() string { return "server:expect ClientHello (retry)" }

// Handle checks the second ClientHello against the first and the
// HelloRetryRequest, then sends the server's flight.
func (s serverExpectClientHelloRetry) Handle(c *Conn, m msg.Message) (State, error) {
	ch, ok := m.(*msg.ClientHello)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	c.StopSkippingEarlyData()
	if c.tracing() {
		c.trace("receive ClientHello", "second ClientHello: %s", describeClientHello(ch))
	}
	if err := ch.TLS13ExtensionsError(); err != nil {
		return nil, err
	}
	if err := checkRetryHello(s.ch1, ch, s.params, s.cookie); err != nil {
		return nil, err
	}
	if err := checkKeyShares(ch); err != nil {
		return nil, err
	}
	p, err := resumeAfterRetry13(c, ch, s.transcript, s.params)
	if err != nil {
		return nil, err
	}
	s.transcript.Write(ch.Raw)
	return serverFlight13(c, ch, s.transcript, p, ch.KeyShares[0].Data, s.sentCCS)
}

// resumeAfterRetry13 selects the PSK of the second ClientHello anew: its
// binder covers the HelloRetryRequest (RFC 8446, Section 4.2.11.2), in t.
// Without one the handshake is a full one and needs a certificate.
func resumeAfterRetry13(c *Conn, ch *msg.ClientHello, t *keysched.Transcript, p serverParams13) (serverParams13, error) {
	var err error
	if p.psk, err = resumeSession13(c, ch, p.suite, t); err != nil {
		return p, err
	}
	if p.psk != nil {
		return p, nil
	}
	if err := checkCertHello13(ch); err != nil {
		return p, err
	}
	if p.cert.cert == nil {
		if p.cert, err = chooseCertificate13(c, ch); err != nil {
			return p, err
		}
	}
	return p, nil
}

// sendHelloRetryRequest asks the client for a key share for p.group
// (RFC 8446, Section 4.1.4). The transcript's ClientHello1 is replaced by
// its message_hash (Section 4.4.1) before the HelloRetryRequest is added.
func sendHelloRetryRequest(c *Conn, ch *msg.ClientHello, t *keysched.Transcript, p serverParams13) (State, error) {
	cookie, err := retryCookie(randReader(c.cfg), t.Sum())
	if err != nil {
		return nil, err
	}
	t.ReplaceWithMessageHash()
	hrr := &msg.ServerHello{
		Version:          wire.VersionTLS12,
		Random:           bytes.Clone(wire.HelloRetryRequestRandom[:]),
		SessionID:        ch.SessionID,
		CipherSuite:      p.suite.ID,
		SupportedVersion: wire.VersionTLS13,
		SelectedGroup:    p.group,
		Cookie:           cookie,
	}
	if err := c.send(t, hrr); err != nil {
		return nil, err
	}
	c.result.HelloRetry = true
	c.trace("send HelloRetryRequest", "asking for a %v key share, with a %d-byte cookie the client must echo", p.group, len(cookie))
	// RFC 8446, Appendix D.4: the server sends a dummy change_cipher_spec
	// after its first handshake message, whatever the client's session ID
	// (clients drop it in any case, Section 5).
	c.link.WriteChangeCipherSpec()
	sentCCS := true
	if ch.EarlyData {
		// RFC 8446, Section 4.2.10: after a HelloRetryRequest the server skips
		// the client's protected 0-RTT records.
		c.armEarlyDataSkip()
	}
	return serverExpectClientHelloRetry{ch1: ch, transcript: t, params: p, cookie: cookie, sentCCS: sentCCS}, nil
}

// retryCookie returns a HelloRetryRequest cookie: an HMAC-SHA256 of the
// ClientHello1 hash under a fresh random key. The server keeps the
// cookie and only checks that it comes back unchanged; binding it to
// ClientHello1 leaves room for a stateless variant.
func retryCookie(rand io.Reader, ch1Hash []byte) ([]byte, error) {
	key := make([]byte, 32)
	if _, err := io.ReadFull(rand, key); err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "reading randomness for a cookie", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(ch1Hash)
	return mac.Sum(nil), nil
}

// checkRetryHello checks that ch2 is ch1 changed only as RFC 8446,
// Section 4.1.2 allows after a HelloRetryRequest for p.group.
func checkRetryHello(ch1, ch2 *msg.ClientHello, p serverParams13, cookie []byte) error {
	if !hmac.Equal(ch2.Cookie, cookie) {
		// RFC 8446, Section 4.2.2: the client MUST echo the cookie.
		return wire.Fatalf(wire.AlertIllegalParameter, "second client hello does not echo the cookie")
	}
	if len(ch2.KeyShares) != 1 || ch2.KeyShares[0].Group != p.group {
		// RFC 8446, Section 4.1.2: exactly one key share, for the selected group.
		return wire.Fatalf(wire.AlertIllegalParameter, "second client hello must carry one key share for %v, got %v", p.group, shareGroups(ch2.KeyShares))
	}
	if ch2.EarlyData {
		// RFC 8446, Section 4.2.10: no early_data in the second ClientHello.
		return wire.Fatalf(wire.AlertIllegalParameter, "second client hello offers early data")
	}
	if !slices.Contains(ch2.CipherSuites, p.suite.ID) {
		// RFC 8446, Section 4.1.4: the suite of the HelloRetryRequest must still be offered.
		return wire.Fatalf(wire.AlertIllegalParameter, "second client hello no longer offers %v", p.suite.ID)
	}
	if field := changedHelloField(ch1, ch2); field != "" {
		// RFC 8446, Section 4.1.2: the client MUST send the same ClientHello otherwise.
		return wire.Fatalf(wire.AlertIllegalParameter, "second client hello changed its %s", field)
	}
	return nil
}

// changedHelloField names the first field that differs between two
// ClientHellos among those that must not change after a HelloRetryRequest,
// or returns "".
func changedHelloField(a, b *msg.ClientHello) string {
	switch {
	case a.Version != b.Version:
		return "legacy_version"
	case !bytes.Equal(a.Random, b.Random):
		return "random"
	case !bytes.Equal(a.SessionID, b.SessionID):
		return "legacy_session_id"
	case !slices.Equal(a.CipherSuites, b.CipherSuites):
		return "cipher_suites"
	case !bytes.Equal(a.CompressionMethods, b.CompressionMethods):
		return "legacy_compression_methods"
	case !slices.Equal(a.SupportedVersions, b.SupportedVersions):
		return "supported_versions"
	case !slices.Equal(a.SupportedGroups, b.SupportedGroups):
		return "supported_groups"
	case !slices.Equal(a.SignatureAlgorithms, b.SignatureAlgorithms):
		return "signature_algorithms"
	case a.ServerName != b.ServerName:
		return "server_name"
	case !slices.Equal(a.ALPNProtocols, b.ALPNProtocols):
		return "application_layer_protocol_negotiation"
	case !slices.Equal(a.PSKModes, b.PSKModes):
		return "psk_key_exchange_modes"
	}
	return ""
}

// SkipRejectedEarlyData reports whether the engine should drop a record
// of n bytes that cannot be read because it is 0-RTT data we declined
// (RFC 8446, Section 4.2.10). Skipping more than rejectedEarlyDataLimit
// bytes in all is an error.
func (c *Conn) SkipRejectedEarlyData(n int) (bool, error) {
	if c.client || !c.skippingEarlyData {
		return false, nil
	}
	if n > c.earlyDataSkip {
		c.StopSkippingEarlyData()
		return false, wire.Fatalf(wire.AlertUnexpectedMessage, "too much skipped early data (over %d bytes)", c.skipLimit())
	}
	c.earlyDataSkip -= n
	return true, nil
}

// armEarlyDataSkip starts skipping declined 0-RTT records.
func (c *Conn) armEarlyDataSkip() {
	c.skippingEarlyData = true
	c.earlyDataSkip = c.skipLimit()
}

// skipLimit is how many bytes of declined 0-RTT records are skipped: the
// records of MaxEarlyData bytes, with room for their overhead, and more.
func (c *Conn) skipLimit() int {
	return rejectedEarlyDataLimit + 2*int(c.cfg.MaxEarlyData)
}

// StopSkippingEarlyData ends skipping of declined 0-RTT records: the engine
// calls it once a record decrypts under the handshake keys.
func (c *Conn) StopSkippingEarlyData() {
	c.skippingEarlyData = false
	c.earlyDataSkip = 0
}
