package handshake

import (
	"slices"

	"gotls/internal/kex"
	"gotls/internal/msg"
	"gotls/internal/sig"
	"gotls/internal/wire"
)

// This file sends the TLS 1.2 server's first flight: ServerHello,
// Certificate, CertificateStatus, ServerKeyExchange, CertificateRequest
// and ServerHelloDone (RFC 5246, Section 7.3).

// Certificate types a TLS 1.2 CertificateRequest lists (RFC 5246,
// Section 7.4.4; RFC 8422, Section 5.5).
const (
	certTypeRSASign   = 1
	certTypeECDSASign = 64
)

// serverHS12 is what the TLS 1.2 server keeps from its flight until the
// client's Finished.
type serverHS12 struct {
	transcript   *transcript12
	params       serverParams12
	clientRandom []byte
	serverRandom []byte
	// clientVersion is ClientHello.legacy_version, which an RSA-encrypted
	// pre-master secret must begin with (RFC 5246, Section 7.4.7.1).
	clientVersion wire.Version
	// share is the server's ephemeral ECDHE key; nil for RSA key transport.
	share kex.KeyShare
	// requested lists the schemes sent in CertificateRequest, or nil when
	// no client certificate was requested.
	requested []wire.SignatureScheme
	// sessionID is the session ID of the ServerHello; ticket says a
	// NewSessionTicket will carry the session (RFC 5077).
	sessionID []byte
	ticket    bool
}

// serverFlight12 sends the server's flight and returns the state that
// waits for the client's.
func serverFlight12(c *Conn, ch *msg.ClientHello, t *transcript12, p serverParams12) (State, error) {
	hs := &serverHS12{transcript: t, params: p, clientRandom: c.clientRandom, clientVersion: ch.Version}
	if err := sendServerHello12(c, ch, hs); err != nil {
		return nil, err
	}
	if err := sendServerCertificate12(c, hs); err != nil {
		return nil, err
	}
	if p.staple != nil {
		if err := c.send12(t, &msg.CertificateStatus{Response: p.staple}); err != nil {
			return nil, err
		}
		c.trace("send CertificateStatus", "stapled OCSP response of %d bytes", len(p.staple))
	}
	if p.suite.ecdhe() {
		if err := sendServerKeyExchange12(c, hs); err != nil {
			return nil, err
		}
	}
	if c.cfg.ClientAuth != NoClientCert {
		if err := sendCertificateRequest12(c, hs); err != nil {
			return nil, err
		}
	}
	if err := c.send12(t, &msg.ServerHelloDone{}); err != nil {
		return nil, err
	}
	c.trace("send ServerHelloDone", "server flight complete; waiting for the client's key exchange")
	if hs.requested != nil {
		return serverExpectCertificate12{hs: hs}, nil
	}
	return serverExpectClientKeyExchange12{hs: hs}, nil
}

// serverRandom12 returns a fresh ServerHello.random. When the server
// could have negotiated TLS 1.3 its last eight bytes are the TLS 1.2
// downgrade sentinel, which a TLS 1.3 client checks.
func serverRandom12(c *Conn) ([]byte, bool, error) {
	random, err := readRandom(c.cfg, 32)
	if err != nil {
		return nil, false, err
	}
	if slices.Contains(serverVersions(c.cfg), wire.VersionTLS13) {
		// RFC 8446, Section 4.1.3: a TLS 1.3 server negotiating TLS 1.2 MUST set the sentinel.
		copy(random[24:], wire.DowngradeTLS12[:])
		return random, true, nil
	}
	return random, false, nil
}

// sendServerHello12 sends the ServerHello with a fresh session ID (under
// which cacheSession12 stores the session when no ticket carries it) and
// the TLS 1.2 extensions the client asked for.
func sendServerHello12(c *Conn, ch *msg.ClientHello, hs *serverHS12) error {
	random, sentinel, err := serverRandom12(c)
	if err != nil {
		return err
	}
	sessionID, err := readRandom(c.cfg, 32)
	if err != nil {
		return err
	}
	hs.serverRandom = random
	hs.sessionID = sessionID
	hs.ticket = ch.TicketSupported && c.cfg.ticketsEnabled()
	p := hs.params
	sh := &msg.ServerHello{
		Version:                      wire.VersionTLS12,
		Random:                       random,
		SessionID:                    sessionID,
		CipherSuite:                  p.suite.id,
		ALPNProtocol:                 p.alpn,
		ServerNameAck:                p.cert.usedSNI,
		OCSPStapling:                 p.staple != nil,
		ExtendedMasterSecret:         p.ems,
		SecureRenegotiationSupported: p.secureRenegotiation,
		TicketSupported:              hs.ticket,
	}
	if p.pointFormats {
		sh.ECPointFormats = []uint8{0} // uncompressed
	}
	if ch.SCTs && len(p.cert.cert.SCTs) > 0 {
		sh.SCTs = p.cert.cert.SCTs
	}
	if err := c.send12(hs.transcript, sh); err != nil {
		return err
	}
	c.trace("send ServerHello", "%v, %v, extended master secret %t, secure renegotiation %t, ALPN %q, downgrade sentinel %t, new %d-byte session id",
		wire.VersionTLS12, p.suite.id, p.ems, p.secureRenegotiation, p.alpn, sentinel, len(sessionID))
	return nil
}

// sendServerCertificate12 sends the certificate chain in the TLS 1.2 form.
func sendServerCertificate12(c *Conn, hs *serverHS12) error {
	cert := hs.params.cert
	entries := make([]msg.CertificateEntry, len(cert.cert.Chain))
	for i, der := range cert.cert.Chain {
		entries[i].Data = der
	}
	if err := c.send12(hs.transcript, &msg.Certificate{Entries: entries}); err != nil {
		return err
	}
	if c.tracing() {
		c.trace("send Certificate", "%d certificate(s); leaf %s", len(entries), describeCert(cert.leaf))
	}
	return nil
}

// sendServerKeyExchange12 generates the server's ephemeral ECDHE key and
// sends it, signed together with both randoms (RFC 8422, Section 5.4).
func sendServerKeyExchange12(c *Conn, hs *serverHS12) error {
	p := hs.params
	share, err := kex.Generate(p.group, randReader(c.cfg))
	if err != nil {
		return wire.Fatal(wire.AlertInternalError, "cannot generate an ecdhe key for "+p.group.String(), err)
	}
	params := msg.ECDHEParams{CurveType: msg.CurveTypeNamedCurve, Group: p.group, Public: share.Public(), Scheme: p.cert.scheme}
	signed := signedParams12(hs.clientRandom, hs.serverRandom, params.SignedParams())
	params.Signature, err = sig.Sign(p.cert.cert.PrivateKey, p.cert.scheme, randReader(c.cfg), signed)
	if err != nil {
		return fatalOr(err, wire.AlertInternalError, "signing the server key exchange failed")
	}
	body, err := msg.MarshalECDHEParams(params, true)
	if err != nil {
		return wire.Fatal(wire.AlertInternalError, "cannot encode the server key exchange", err)
	}
	if err := c.send12(hs.transcript, &msg.ServerKeyExchange{Body: body}); err != nil {
		return err
	}
	hs.share = share
	c.trace("send ServerKeyExchange", "%v public key (%d bytes), signed with %v over both randoms and the parameters (%d-byte signature)",
		p.group, len(params.Public), p.cert.scheme, len(params.Signature))
	return nil
}

// sendCertificateRequest12 asks the client for a certificate, listing the
// signature schemes we verify and the distinguished names of ClientCAs.
func sendCertificateRequest12(c *Conn, hs *serverHS12) error {
	requested, err := clientAuthSchemes(c.cfg, wire.VersionTLS12)
	if err != nil {
		return err
	}
	cr := &msg.CertificateRequest{
		CertificateTypes:    []uint8{certTypeECDSASign, certTypeRSASign},
		SignatureAlgorithms: requested,
	}
	if c.cfg.ClientCAs != nil {
		cr.CertificateAuthorities = acceptableCAs12(c.cfg.ClientCAs.Subjects())
	}
	if err := c.send12(hs.transcript, cr); err != nil {
		return err
	}
	hs.requested = requested
	c.trace("send CertificateRequest", "client certificate policy %s; accepted schemes %v; %d acceptable CA name(s)",
		authPolicyName(c.cfg.ClientAuth), requested, len(cr.CertificateAuthorities))
	return nil
}

// acceptableCAs12 returns the CA names to list in a CertificateRequest:
// all of names, or none when they do not fit the 16-bit length of
// certificate_authorities (RFC 5246, Section 7.4.4). An empty list lets
// the client choose any certificate.
func acceptableCAs12(names [][]byte) [][]byte {
	total := 0
	for _, n := range names {
		total += 2 + len(n)
	}
	if total > 0xffff {
		return nil
	}
	return names
}
