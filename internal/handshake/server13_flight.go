package handshake

import (
	"fmt"
	"slices"

	"gotls/internal/kex"
	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/sig"
	"gotls/internal/wire"
)

// This file sends the TLS 1.3 server's flight: ServerHello,
// EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify
// and Finished (RFC 8446, Section 2), and derives the keys in between.

// serverHS13 is what the server keeps from its flight until the client's
// Finished: everything in it is known once the server's Finished is sent.
type serverHS13 struct {
	transcript *keysched.Transcript
	suite      *record.Suite
	// clientHS is the client's handshake traffic secret, which keys the
	// records of the client's second flight and its Finished.
	clientHS keysched.HandshakeTrafficSecret
	app      serverAppSecrets13
	// requested lists the schemes sent in CertificateRequest, or nil when
	// no client certificate was requested.
	requested []wire.SignatureScheme
	// clientModes are the PSK modes the client offered, which the
	// tickets issued after the handshake must fit.
	clientModes []wire.PSKKeyExchangeMode
}

// serverAppSecrets13 are the secrets derived from the transcript through
// the server's Finished (RFC 8446, Section 7.1).
type serverAppSecrets13 struct {
	master    keysched.MasterSecret
	clientApp keysched.ApplicationTrafficSecret
	serverApp keysched.ApplicationTrafficSecret
	exporter  keysched.ExporterMasterSecret
}

// serverFlight13 completes the key exchange with the client's share and
// sends the whole server flight. sentCCS says a change_cipher_spec has
// already been sent after a HelloRetryRequest.
func serverFlight13(c *Conn, ch *msg.ClientHello, t *keysched.Transcript, p serverParams13, clientShare []byte, sentCCS bool) (State, error) {
	serverShare, shared, err := serverKeyExchange13(c, p, clientShare)
	if err != nil {
		return nil, err
	}
	if err := startResumed13(c, p); err != nil {
		return nil, err
	}
	if err := sendServerHello13(c, ch, t, p, serverShare); err != nil {
		return nil, err
	}
	if !sentCCS {
		// RFC 8446, Appendix D.4: a dummy change_cipher_spec right after
		// the server's first handshake message, in every TLS 1.3 handshake.
		c.link.WriteChangeCipherSpec()
	}
	hsSecret := keysched.NewEarlySecret(p.suite.Hash, nil).HandshakeSecret(shared)
	if p.psk != nil {
		hsSecret = p.psk.early.HandshakeSecret(shared)
	}
	th := t.Sum()
	clientHS := hsSecret.ClientHandshakeTrafficSecret(th)
	serverHS := hsSecret.ServerHandshakeTrafficSecret(th)
	if c.logsSecrets() {
		c.logSecret(keysched.LabelClientHandshake, clientHS.Bytes())
		c.logSecret(keysched.LabelServerHandshake, serverHS.Bytes())
	}
	if err := installServerKeys13(c, p, clientHS, serverHS); err != nil {
		return nil, err
	}
	requested, err := sendEncryptedFlight13(c, ch, t, p)
	if err != nil {
		return nil, err
	}
	app, err := sendServerFinished13(c, t, p.suite, hsSecret, serverHS)
	if err != nil {
		return nil, err
	}
	hs := &serverHS13{transcript: t, suite: p.suite, clientHS: clientHS, app: app, requested: requested, clientModes: ch.PSKModes}
	switch {
	case p.psk != nil && p.psk.earlyTraffic != nil:
		return serverExpectEndOfEarlyData{hs: hs}, nil
	case requested != nil:
		return serverExpectCertificate{hs: hs}, nil
	}
	return serverExpectFinished{hs: hs}, nil
}

// serverKeyExchange13 answers the client's key share, unless a PSK is
// used in psk_ke mode, which has no key exchange.
func serverKeyExchange13(c *Conn, p serverParams13, clientShare []byte) (serverShare, shared []byte, err error) {
	if p.group == 0 {
		c.trace("key exchange", "psk_ke: no (EC)DHE; the keys come from the PSK alone")
		return nil, nil, nil
	}
	serverShare, shared, err = kex.Respond(p.group, randReader(c.cfg), clientShare)
	if err != nil {
		return nil, nil, keyShareError(err)
	}
	if c.tracing() {
		c.trace("key exchange", "%v: client share %d bytes, server share %d bytes, shared secret %d bytes",
			p.group, len(clientShare), len(serverShare), len(shared))
	}
	return serverShare, shared, nil
}

// startResumed13 records a resumed session in the result: the client's
// certificates come from it.
func startResumed13(c *Conn, p serverParams13) error {
	if p.psk == nil {
		return nil
	}
	if !restorePeer(c, p.psk.state) {
		return wire.Fatalf(wire.AlertInternalError, "resumed session holds unparsable certificates")
	}
	c.resumed = p.psk.state
	c.result.DidResume = true
	c.result.EarlyData = p.psk.earlyTraffic != nil
	return nil
}

// installServerKeys13 installs the server's handshake write keys and the
// read keys of what the client sends next: its 0-RTT data when accepted,
// else its handshake messages.
func installServerKeys13(c *Conn, p serverParams13, clientHS, serverHS keysched.HandshakeTrafficSecret) error {
	if err := setWriteKeys13(c, p.suite, serverHS); err != nil {
		return err
	}
	if p.psk != nil && p.psk.earlyTraffic != nil {
		if err := setReadKeys13(c, p.suite, *p.psk.earlyTraffic); err != nil {
			return err
		}
		c.trace("install keys", "server handshake keys installed for writing; client early traffic keys for reading 0-RTT data (%v)", p.suite.ID)
		return nil
	}
	if err := setReadKeys13(c, p.suite, clientHS); err != nil {
		return err
	}
	if c.tracing() {
		c.trace("install keys", "handshake traffic keys installed for both directions (%v)", p.suite.ID)
	}
	return nil
}

// keyShareError reports a client key share that kex rejected: the share
// is the peer's fault, so anything but a *wire.Error becomes
// illegal_parameter (RFC 8446, Section 4.2.8).
func keyShareError(err error) error {
	return fatalOr(err, wire.AlertIllegalParameter, "invalid client key share")
}

// sendServerHello13 sends the ServerHello.
func sendServerHello13(c *Conn, ch *msg.ClientHello, t *keysched.Transcript, p serverParams13, serverShare []byte) error {
	random, err := readRandom(c.cfg, 32)
	if err != nil {
		return err
	}
	sh := &msg.ServerHello{
		// RFC 8446, Section 4.1.3: legacy_version is 0x0303 and the version goes in supported_versions.
		Version:          wire.VersionTLS12,
		Random:           random,
		SessionID:        ch.SessionID,
		CipherSuite:      p.suite.ID,
		SupportedVersion: wire.VersionTLS13,
	}
	if p.group != 0 {
		sh.ServerShare = msg.KeyShare{Group: p.group, Data: serverShare}
	}
	if p.psk != nil {
		sh.SelectedIdentityPresent = true
		sh.SelectedIdentity = p.psk.identity
	}
	if err := c.send(t, sh); err != nil {
		return err
	}
	if c.tracing() {
		c.trace("send ServerHello", "%v, %v, %v key share (%d bytes), session id echoed (%d bytes)%s",
			wire.VersionTLS13, p.suite.ID, p.group, len(serverShare), len(ch.SessionID), describePSK(p.psk))
	}
	return nil
}

// describePSK says which PSK a ServerHello selects, for its trace.
func describePSK(psk *serverPSK13) string {
	if psk == nil {
		return ""
	}
	mode := wire.PSKModeKE
	if psk.dhe {
		mode = wire.PSKModeDHEKE
	}
	return fmt.Sprintf(", PSK identity %d selected (%v)", psk.identity, mode)
}

// sendEncryptedFlight13 sends EncryptedExtensions, CertificateRequest
// when client authentication is configured, Certificate and
// CertificateVerify. It returns the signature schemes it asked a client
// certificate to use, or nil when it asked for none.
func sendEncryptedFlight13(c *Conn, ch *msg.ClientHello, t *keysched.Transcript, p serverParams13) ([]wire.SignatureScheme, error) {
	ee := &msg.EncryptedExtensions{ALPNProtocol: p.alpn, ServerNameAck: p.cert.usedSNI && p.psk == nil}
	ee.EarlyData = p.psk != nil && p.psk.earlyTraffic != nil
	if err := c.send(t, ee); err != nil {
		return nil, err
	}
	if c.tracing() {
		c.trace("send EncryptedExtensions", "ALPN %q, server_name acknowledged: %t, early data accepted: %t", p.alpn, ee.ServerNameAck, ee.EarlyData)
	}
	if p.psk != nil {
		// RFC 8446, Section 4.3.2: a server authenticating with a PSK sends no certificate messages.
		return nil, nil
	}
	var requested []wire.SignatureScheme
	if c.cfg.ClientAuth != NoClientCert {
		var err error
		if requested, err = clientAuthSchemes(c.cfg, wire.VersionTLS13); err != nil {
			return nil, err
		}
		// RFC 8446, Section 4.3.2: certificate_request_context is empty outside post-handshake authentication.
		cr := &msg.CertificateRequest{TLS13: true, SignatureAlgorithms: requested}
		if err := c.send(t, cr); err != nil {
			return nil, err
		}
		c.trace("send CertificateRequest", "client certificate policy %s; accepted schemes %v", authPolicyName(c.cfg.ClientAuth), requested)
	}
	if err := sendServerCertificate13(c, ch, t, p.cert); err != nil {
		return nil, err
	}
	return requested, sendServerCertificateVerify13(c, t, p.cert)
}

// sendServerCertificate13 sends the certificate chain, with the OCSP
// staple and SCTs in the leaf's entry when the client asked for them.
func sendServerCertificate13(c *Conn, ch *msg.ClientHello, t *keysched.Transcript, cert certChoice) error {
	entries := make([]msg.CertificateEntry, len(cert.cert.Chain))
	for i, der := range cert.cert.Chain {
		entries[i].Data = der
	}
	if ch.OCSPStapling && len(cert.cert.OCSPStaple) > 0 {
		entries[0].OCSPStaple = cert.cert.OCSPStaple
	}
	if ch.SCTs && len(cert.cert.SCTs) > 0 {
		entries[0].SCTs = cert.cert.SCTs
	}
	if err := c.send(t, &msg.Certificate{TLS13: true, Entries: entries}); err != nil {
		return err
	}
	if c.tracing() {
		c.trace("send Certificate", "%d certificate(s); leaf %s; OCSP staple: %t; SCTs: %d",
			len(entries), describeCert(cert.leaf), entries[0].OCSPStaple != nil, len(entries[0].SCTs))
	}
	return nil
}

// sendServerCertificateVerify13 signs the transcript so far with the
// certificate's key (RFC 8446, Section 4.4.3).
func sendServerCertificateVerify13(c *Conn, t *keysched.Transcript, cert certChoice) error {
	content := sig.SignedContent13(sig.ServerContext13, t.Sum())
	signature, err := sig.Sign(cert.cert.PrivateKey, cert.scheme, randReader(c.cfg), content)
	if err != nil {
		return fatalOr(err, wire.AlertInternalError, "signing the certificate verify failed")
	}
	if err := c.send(t, &msg.CertificateVerify{Scheme: cert.scheme, Signature: signature}); err != nil {
		return err
	}
	if c.tracing() {
		c.trace("send CertificateVerify", "signed the transcript hash with %v (%d-byte signature)", cert.scheme, len(signature))
	}
	return nil
}

// sendServerFinished13 sends the server's Finished, derives the
// application secrets from the transcript through it and switches our
// writes to the server application traffic keys.
func sendServerFinished13(c *Conn, t *keysched.Transcript, suite *record.Suite, hsSecret keysched.HandshakeSecret, serverHS keysched.HandshakeTrafficSecret) (serverAppSecrets13, error) {
	verify := finishedMAC13(serverHS, t.Sum())
	if err := c.send(t, &msg.Finished{VerifyData: verify}); err != nil {
		return serverAppSecrets13{}, err
	}
	if c.tracing() {
		c.trace("send Finished", "HMAC over the transcript with the server finished key (%d bytes)", len(verify))
	}
	master := hsSecret.MasterSecret()
	th := t.Sum()
	app := serverAppSecrets13{
		master:    master,
		clientApp: master.ClientApplicationTrafficSecret(th),
		serverApp: master.ServerApplicationTrafficSecret(th),
		exporter:  master.ExporterMasterSecret(th),
	}
	if c.logsSecrets() {
		c.logSecret(keysched.LabelClientTraffic, app.clientApp.Bytes())
		c.logSecret(keysched.LabelServerTraffic, app.serverApp.Bytes())
		c.logSecret(keysched.LabelExporter, app.exporter.Bytes())
	}
	if err := setWriteKeys13(c, suite, app.serverApp); err != nil {
		return serverAppSecrets13{}, err
	}
	c.trace("install keys", "server application traffic keys installed for writing; reading stays on client handshake keys")
	return app, nil
}

// authPolicyName names a client authentication policy for traces.
func authPolicyName(a ClientAuthType) string {
	names := []string{"NoClientCert", "RequestClientCert", "RequireAnyClientCert", "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"}
	if int(a) >= 0 && int(a) < len(names) {
		return names[a]
	}
	return "unknown"
}

// requiresClientCert reports whether policy a refuses a client without a
// certificate.
func requiresClientCert(a ClientAuthType) bool {
	return slices.Contains([]ClientAuthType{RequireAnyClientCert, RequireAndVerifyClientCert}, a)
}

// verifiesClientCert reports whether policy a verifies a client
// certificate's chain.
func verifiesClientCert(a ClientAuthType) bool {
	return a == VerifyClientCertIfGiven || a == RequireAndVerifyClientCert
}
