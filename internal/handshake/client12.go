package handshake

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"slices"

	"gotls/internal/kex"
	"gotls/internal/msg"
	"gotls/internal/sig"
	"gotls/internal/wire"
)

// This file is the TLS 1.2 client from the ServerHello to the server's
// ServerKeyExchange: what a ClientHello adds for TLS 1.2, the version
// branch out of the TLS 1.3 client, the ServerHello checks, and the
// server's Certificate, CertificateStatus and ServerKeyExchange. The
// client's flight and the end of the handshake are in client12_flight.go.

// addTLS12Offer adds what a ClientHello needs to offer TLS 1.2: the
// enabled TLS 1.2 suites after any TLS 1.3 ones, extended_master_secret,
// an empty renegotiation_info and ec_point_formats.
func addTLS12Offer(cfg *Config, ch *msg.ClientHello) {
	ch.CipherSuites = append(ch.CipherSuites, suiteIDs12(enabledSuites12(cfg, !hasAESGCMHardware()))...)
	ch.ExtendedMasterSecret = true
	// RFC 5077, Section 3.2: an empty session_ticket asks for a ticket.
	ch.TicketSupported = cfg.ClientSessions != nil && !cfg.SessionTicketsDisabled
	// RFC 5746, Section 3.4: the initial ClientHello signals secure
	// renegotiation, here with an empty renegotiation_info extension.
	ch.SecureRenegotiationSupported = true
	// RFC 8422, Section 5.1.2: uncompressed is the only point format left.
	ch.ECPointFormats = []uint8{0}
}

// clientHS12 is what a TLS 1.2 client handshake knows once the
// ServerHello has been accepted; the states after ServerHello share it.
type clientHS12 struct {
	offer      *clientOffer
	suite      *suite12
	transcript *transcript12
	// serverRandom is ServerHello.random.
	serverRandom []byte
	// ems is true when the server agreed to the extended master secret.
	ems bool
	// stapling is true when the server acknowledged status_request, so a
	// CertificateStatus may follow its Certificate (RFC 6066, Section 8).
	stapling bool
	// ticketExpected is true when the server acknowledged session_ticket,
	// so a NewSessionTicket comes before its change_cipher_spec (RFC
	// 5077, Section 3.3); newTicket is that message once received.
	ticketExpected bool
	newTicket      *msg.NewSessionTicket
	// sessionID is ServerHello.session_id.
	sessionID []byte
}

// clientRandom returns ClientHello.random.
func (hs *clientHS12) clientRandom() []byte { return hs.offer.hello.Random }

// clientKX12 is the client's side of the key exchange, ready to send:
// the pre-master secret and the ClientKeyExchange that conveys it.
type clientKX12 struct {
	preMaster []byte
	cke       *msg.ClientKeyExchange
}

// isTLS12ServerHello reports whether sh selects TLS 1.2 or older: a
// ServerHello without supported_versions (RFC 8446, Section 4.2.1). A
// HelloRetryRequest always belongs to TLS 1.3.
func isTLS12ServerHello(sh *msg.ServerHello) bool {
	return !sh.IsHelloRetryRequest() && !slices.Contains(sh.Extensions, wire.ExtSupportedVersions)
}

// clientServerHello12 continues a handshake in TLS 1.2 after a ServerHello
// that selects it. hrr is the HelloRetryRequest the offer answered, if
// any.
func clientServerHello12(c *Conn, o *clientOffer, hrr, sh *msg.ServerHello) (State, error) {
	if o.earlySent {
		// RFC 8446, Appendix D.3: a client that sent 0-RTT data MUST fail on a ServerHello with TLS 1.2 or older.
		return nil, wire.Fatalf(wire.AlertProtocolVersion, "server selected %s after we sent early data", sh.Version)
	}
	if err := checkServerVersion12(c.cfg, hrr, sh); err != nil {
		return nil, err
	}
	if err := checkServerHello12(c.cfg, o, sh); err != nil {
		return nil, err
	}
	if sameSessionID(o.hello.SessionID, sh.SessionID) {
		return clientResume12(c, o, sh)
	}
	suite := suite12ByID(sh.CipherSuite)
	t := &transcript12{}
	t.write(o.hello.Raw)
	t.write(sh.Raw)
	// The version is recorded before the next message arrives: it selects
	// the TLS 1.2 form of Certificate and CertificateRequest.
	c.result.Version = wire.VersionTLS12
	c.result.CipherSuite = sh.CipherSuite
	c.result.NegotiatedProtocol = sh.ALPNProtocol
	c.result.SCTs = sh.SCTs
	hs := &clientHS12{
		offer:        o,
		suite:        suite,
		transcript:   t,
		serverRandom: sh.Random,
		ems:          sh.ExtendedMasterSecret,
		stapling:     sh.OCSPStapling,

		ticketExpected: sh.TicketSupported,
		sessionID:      sh.SessionID,
	}
	traceServerHello12(c, hs, sh)
	return &clientExpectCertificate12{hs: hs}, nil
}

// checkServerVersion12 checks that TLS 1.2 may be negotiated: we offered
// it, the server did not send a HelloRetryRequest first, and the server
// random carries no downgrade sentinel when we offered TLS 1.3.
func checkServerVersion12(cfg *Config, hrr, sh *msg.ServerHello) error {
	versions, err := clientOfferVersions(cfg)
	if err != nil {
		return wire.Fatal(wire.AlertInternalError, "no versions enabled", err)
	}
	if sh.Version != wire.VersionTLS12 || !slices.Contains(versions, wire.VersionTLS12) {
		// RFC 5246, Appendix E.1: a version the client does not support ends the handshake with protocol_version.
		return wire.Fatalf(wire.AlertProtocolVersion, "server selected %s, which is not enabled", sh.Version)
	}
	if hrr != nil {
		// RFC 8446, Section 4.1.4: the ServerHello after a HelloRetryRequest MUST keep its version.
		return wire.Fatalf(wire.AlertIllegalParameter, "server selected %s after a hello_retry_request", sh.Version)
	}
	if versions[0] == wire.VersionTLS13 {
		tail := sh.Random[len(sh.Random)-len(wire.DowngradeTLS12):]
		// RFC 8446, Section 4.1.3: a TLS 1.3 client MUST check the downgrade sentinels and abort with illegal_parameter.
		if bytes.Equal(tail, wire.DowngradeTLS12[:]) || bytes.Equal(tail, wire.DowngradeTLS11[:]) {
			return wire.Fatalf(wire.AlertIllegalParameter, "server random carries a downgrade sentinel: a tls 1.3 server negotiated %s", sh.Version)
		}
	}
	return nil
}

// checkServerHello12 applies the TLS 1.2 rules to the rest of a
// ServerHello: suite, compression and extensions.
func checkServerHello12(cfg *Config, o *clientOffer, sh *msg.ServerHello) error {
	// RFC 5246, Section 7.4.1.3: the cipher suite MUST be one the client offered.
	if s := suite12ByID(sh.CipherSuite); s == nil || !suiteEnabled12(cfg, s) || !slices.Contains(o.hello.CipherSuites, sh.CipherSuite) {
		return wire.Fatalf(wire.AlertIllegalParameter, "server selected %s, which was not offered for tls 1.2", sh.CipherSuite)
	}
	// RFC 5246, Section 7.4.1.3: the compression method MUST be one the client offered (only null).
	if sh.CompressionMethod != 0 {
		return wire.Fatalf(wire.AlertIllegalParameter, "server selected compression method %d", sh.CompressionMethod)
	}
	if err := msg.CheckAllowed(wire.HandshakeServerHello, false, wire.VersionTLS12, sh.Extensions); err != nil {
		return err
	}
	// RFC 5246, Section 7.4.1.4: an extension the client did not offer is unsupported_extension.
	if err := checkAnswered(o, sh.Extensions, false); err != nil {
		return err
	}
	return checkServerExtensions12(cfg, o, sh)
}

// checkServerExtensions12 checks the values of the extensions a TLS 1.2
// ServerHello answered with.
func checkServerExtensions12(cfg *Config, o *clientOffer, sh *msg.ServerHello) error {
	if !sh.ExtendedMasterSecret && !cfg.InsecureAllowNoExtendedMasterSecret {
		// RFC 7627, Section 5.2: a client SHOULD abort a full handshake without the extension unless it accepts legacy servers.
		return wire.Fatalf(wire.AlertHandshakeFailure, "peer does not support extended master secret")
	}
	// RFC 5746, Section 3.4: the renegotiated_connection field MUST be empty in an initial handshake.
	// A missing extension is accepted: gotls never renegotiates, so the
	// attack RFC 5746 answers cannot reach it (crypto/tls does the same).
	if len(sh.SecureRenegotiation) != 0 {
		return wire.Fatalf(wire.AlertHandshakeFailure, "server sent a non-empty renegotiation_info in an initial handshake")
	}
	// RFC 8422, Section 5.2: a server's ec_point_formats MUST contain uncompressed.
	if slices.Contains(sh.Extensions, wire.ExtECPointFormats) && !slices.Contains(sh.ECPointFormats, 0) {
		return wire.Fatalf(wire.AlertIllegalParameter, "server does not support uncompressed points")
	}
	// RFC 7301, Section 3.2: the selected protocol must be one the client offered.
	if p := sh.ALPNProtocol; p != "" && !slices.Contains(o.hello.ALPNProtocols, p) {
		return wire.Fatalf(wire.AlertIllegalParameter, "server selected ALPN protocol %q, which was not offered", p)
	}
	return nil
}

// clientExpectCertificate12 waits for the server's Certificate.
type clientExpectCertificate12 struct{ hs *clientHS12 }

// Name names the state.
func (s *clientExpectCertificate12) Name() string { return "client:expect Certificate" }

// Handle verifies the server's certificate chain (RFC 5246, Section
// 7.4.2) and checks that its key fits the suite.
func (s *clientExpectCertificate12) Handle(c *Conn, m msg.Message) (State, error) {
	cert, ok := m.(*msg.Certificate)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	hs := s.hs
	raw := make([][]byte, len(cert.Entries))
	for i, e := range cert.Entries {
		raw[i] = e.Data
	}
	opts := serverVerifyOptions(c)
	if hs.suite.kx == kxRSA {
		// RFC 5246, Section 7.4.2: the key encrypts the pre-master secret.
		opts.leafUse = x509.KeyUsageKeyEncipherment
	}
	if err := verifyChain(c, raw, opts); err != nil {
		return nil, err
	}
	pub := c.result.PeerCertificates[0].PublicKey
	// RFC 5246, Section 7.4.2: the certificate's key MUST fit the suite's key exchange.
	if !keyFitsSuite12(hs.suite, pub) {
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "server certificate has a %s, which %v cannot use",
			keyDescription(c.result.PeerCertificates[0]), hs.suite.id)
	}
	if g, ok := ecdsaGroup(pub); ok && !slices.Contains(hs.offer.hello.SupportedGroups, g) {
		// RFC 8422, Section 5.1: in TLS 1.2 supported_groups also bounds the curves of the server's ECDSA certificate.
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "server certificate's ECDSA key is on curve %v, which our supported_groups %v do not list",
			g, hs.offer.hello.SupportedGroups)
	}
	hs.transcript.write(cert.Raw)
	next, err := afterServerCertificate12(c, hs, pub)
	if err != nil {
		return nil, err
	}
	if hs.stapling {
		return &clientExpectCertificateStatus12{hs: hs, next: next}, nil
	}
	// No CertificateStatus can follow: revocation is checked without a staple.
	if err := checkServerRevocation(c); err != nil {
		return nil, err
	}
	return next, nil
}

// afterServerCertificate12 returns the state after the server's
// Certificate (and CertificateStatus): ServerKeyExchange for ECDHE. For
// RSA key transport, which has no ServerKeyExchange, the pre-master
// secret is encrypted to the certificate's key right away.
func afterServerCertificate12(c *Conn, hs *clientHS12, pub crypto.PublicKey) (State, error) {
	if hs.suite.ecdhe() {
		return &clientExpectServerKeyExchange12{hs: hs, pub: pub}, nil
	}
	rsaPub, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "rsa key exchange with a non-rsa server key")
	}
	// RFC 5246, Section 7.4.7.1: the pre-master secret starts with the version offered in ClientHello.
	preMaster, ct, err := kex.EncryptPreMaster(randReader(c.cfg), rsaPub, hs.offer.hello.Version)
	if err != nil {
		return nil, err
	}
	cke, err := msg.NewRSAClientKeyExchange(ct)
	if err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "cannot encode client_key_exchange", err)
	}
	if c.tracing() {
		c.trace("key exchange", "RSA key transport: 48-byte pre-master secret encrypted to the server's %d-bit key (no forward secrecy)",
			rsaPub.N.BitLen())
	}
	return &clientExpectCertificateRequest12{hs: hs, kx: clientKX12{preMaster: preMaster, cke: cke}}, nil
}

// clientExpectCertificateStatus12 waits for the optional
// CertificateStatus that may follow the server's Certificate when the
// server acknowledged status_request; any other message goes on to next.
type clientExpectCertificateStatus12 struct {
	hs   *clientHS12
	next State
}

// Name names the state.
func (s *clientExpectCertificateStatus12) Name() string { return "client:expect CertificateStatus" }

// Handle records a stapled OCSP response (RFC 6066, Section 8) or hands
// the message to the next state: the server MAY omit CertificateStatus.
func (s *clientExpectCertificateStatus12) Handle(c *Conn, m msg.Message) (State, error) {
	cs, ok := m.(*msg.CertificateStatus)
	if !ok {
		// No staple came: check revocation without one, then go on.
		if err := checkServerRevocation(c); err != nil {
			return nil, err
		}
		return s.next.Handle(c, m)
	}
	s.hs.transcript.write(cs.Raw)
	c.result.OCSPResponse = cs.Response
	if c.tracing() {
		c.trace("receive CertificateStatus", "stapled OCSP response of %d bytes", len(cs.Response))
	}
	if err := checkServerRevocation(c); err != nil {
		return nil, err
	}
	return s.next, nil
}

// clientExpectServerKeyExchange12 waits for the signed ECDHE parameters
// of an ECDHE suite.
type clientExpectServerKeyExchange12 struct {
	hs *clientHS12
	// pub is the public key of the server's leaf certificate.
	pub crypto.PublicKey
}

// Name names the state.
func (s *clientExpectServerKeyExchange12) Name() string { return "client:expect ServerKeyExchange" }

// Handle verifies the ServerKeyExchange signature and completes the
// ECDHE exchange (RFC 8422, Section 5.4).
func (s *clientExpectServerKeyExchange12) Handle(c *Conn, m msg.Message) (State, error) {
	ske, ok := m.(*msg.ServerKeyExchange)
	if !ok {
		// RFC 8422, Section 5.4: ECDHE suites require a ServerKeyExchange.
		return nil, unexpected(s.Name(), m)
	}
	hs := s.hs
	p, err := msg.ParseECDHEParams(ske.Body, true)
	if err != nil {
		return nil, err
	}
	if err := checkECDHEParams12(hs.offer.hello, p); err != nil {
		return nil, err
	}
	signed := signedParams12(hs.clientRandom(), hs.serverRandom, p.SignedParams())
	if err := sig.Verify(wire.VersionTLS12, s.pub, p.Scheme, signed, p.Signature); err != nil {
		return nil, err
	}
	kx, err := clientECDHE12(c, p)
	if err != nil {
		return nil, err
	}
	hs.transcript.write(ske.Raw)
	c.result.Group = p.Group
	c.result.SignatureScheme = p.Scheme
	if c.tracing() {
		c.trace("receive ServerKeyExchange", "ECDHE over %s, server public key %d bytes, signed with %s: signature ok",
			p.Group, len(p.Public), p.Scheme)
	}
	return &clientExpectCertificateRequest12{hs: hs, kx: kx}, nil
}

// checkECDHEParams12 checks that the server's group and signature scheme
// are ones the ClientHello offered.
func checkECDHEParams12(ch *msg.ClientHello, p msg.ECDHEParams) error {
	// RFC 8422, Section 5.4: the server MUST pick a curve the client offered in supported_groups.
	if !ecdheGroup12(p.Group) || !slices.Contains(ch.SupportedGroups, p.Group) {
		return wire.Fatalf(wire.AlertIllegalParameter, "server_key_exchange uses group %s, which was not offered for tls 1.2", p.Group)
	}
	// RFC 5246, Section 7.4.3: the signature algorithm MUST be one the client offered in signature_algorithms.
	if !slices.Contains(ch.SignatureAlgorithms, p.Scheme) {
		return wire.Fatalf(wire.AlertIllegalParameter, "server_key_exchange signed with %s, which was not offered", p.Scheme)
	}
	return nil
}

// clientECDHE12 generates our ephemeral key for the server's group and
// computes the pre-master secret with the server's public key.
func clientECDHE12(c *Conn, p msg.ECDHEParams) (clientKX12, error) {
	share, err := kex.Generate(p.Group, randReader(c.cfg))
	if err != nil {
		return clientKX12{}, wire.Fatal(wire.AlertInternalError, "cannot generate a key share for "+p.Group.String(), err)
	}
	preMaster, err := share.Complete(p.Public)
	if err != nil {
		return clientKX12{}, fatalOr(err, wire.AlertIllegalParameter, "invalid server ecdhe public key")
	}
	cke, err := msg.NewECDHEClientKeyExchange(share.Public())
	if err != nil {
		return clientKX12{}, wire.Fatal(wire.AlertInternalError, "cannot encode client_key_exchange", err)
	}
	return clientKX12{preMaster: preMaster, cke: cke}, nil
}

// traceServerHello12 explains what a TLS 1.2 server chose.
func traceServerHello12(c *Conn, hs *clientHS12, sh *msg.ServerHello) {
	if c.cfg.Trace == nil {
		return
	}
	alpn := "no ALPN protocol"
	if sh.ALPNProtocol != "" {
		alpn = "ALPN protocol " + sh.ALPNProtocol
	}
	c.trace("receive ServerHello", "server chose %s and %s: %s; extended master secret %t; %s",
		wire.VersionTLS12, sh.CipherSuite, hs.suite.describe(), hs.ems, alpn)
}
