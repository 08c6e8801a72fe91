package handshake

import (
	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/sig"
	"gotls/internal/wire"
)

// This file is the end of the TLS 1.2 client handshake: the optional
// CertificateRequest, ServerHelloDone, the client's flight
// ([Certificate], ClientKeyExchange, [CertificateVerify],
// change_cipher_spec, Finished) and the server's change_cipher_spec and
// Finished.

// ClientCertificateType values of a TLS 1.2 CertificateRequest
// (RFC 5246, Section 7.4.4; RFC 8422, Section 5.5).
const (
	clientCertTypeRSASign12   = 1
	clientCertTypeECDSASign12 = 64
)

// clientExpectCertificateRequest12 waits for a CertificateRequest or the
// ServerHelloDone that ends the server's flight.
type clientExpectCertificateRequest12 struct {
	hs *clientHS12
	kx clientKX12
}

// Name names the state.
func (s *clientExpectCertificateRequest12) Name() string {
	return "client:expect CertificateRequest or ServerHelloDone"
}

// Handle processes a CertificateRequest (RFC 5246, Section 7.4.4) or
// ServerHelloDone. A ServerKeyExchange here (RSA key transport has none)
// is unexpected_message.
func (s *clientExpectCertificateRequest12) Handle(c *Conn, m msg.Message) (State, error) {
	switch m := m.(type) {
	case *msg.CertificateRequest:
		s.hs.transcript.write(m.Raw)
		if c.tracing() {
			c.trace("receive CertificateRequest", "server asks for a client certificate of types %v; it accepts signatures %v and names %d CAs",
				m.CertificateTypes, m.SignatureAlgorithms, len(m.CertificateAuthorities))
		}
		return &clientExpectServerHelloDone12{hs: s.hs, kx: s.kx, req: m}, nil
	case *msg.ServerHelloDone:
		return sendClientFlight12(c, s.hs, s.kx, nil, m)
	}
	return nil, unexpected(s.Name(), m)
}

// clientExpectServerHelloDone12 waits for ServerHelloDone after a
// CertificateRequest.
type clientExpectServerHelloDone12 struct {
	hs  *clientHS12
	kx  clientKX12
	req *msg.CertificateRequest
}

// Name names the state.
func (s *clientExpectServerHelloDone12) Name() string { return "client:expect ServerHelloDone" }

// Handle processes ServerHelloDone and sends the client's flight.
func (s *clientExpectServerHelloDone12) Handle(c *Conn, m msg.Message) (State, error) {
	done, ok := m.(*msg.ServerHelloDone)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	return sendClientFlight12(c, s.hs, s.kx, s.req, done)
}

// sendClientFlight12 answers the server's flight: it runs
// VerifyConnection, then sends [Certificate], ClientKeyExchange,
// [CertificateVerify], change_cipher_spec and Finished (RFC 5246, Section
// 7.3), switching the write keys at change_cipher_spec.
func sendClientFlight12(c *Conn, hs *clientHS12, kx clientKX12, req *msg.CertificateRequest, done *msg.ServerHelloDone) (State, error) {
	t := hs.transcript
	t.write(done.Raw)
	if err := runVerifyConnection(c); err != nil {
		return nil, err
	}
	var cert *Certificate
	var scheme wire.SignatureScheme
	if req != nil {
		var err error
		if cert, scheme, err = sendClientCertificate12(c, t, req); err != nil {
			return nil, err
		}
	}
	if err := c.send12(t, kx.cke); err != nil {
		return nil, err
	}
	if c.tracing() {
		c.trace("send ClientKeyExchange", "%d-byte body for %v key exchange", len(kx.cke.Body), hs.suite.kx)
	}
	// RFC 7627, Section 4: the session hash covers the messages up to and including ClientKeyExchange.
	master := masterSecret12(hs.suite, kx.preMaster, hs.ems, hs.clientRandom(), hs.serverRandom, t)
	if c.tracing() {
		c.trace("derive secret", "48-byte master secret from the %d-byte pre-master secret with the %v PRF (extended master secret over the session hash, RFC 7627: %t)",
			len(kx.preMaster), hs.suite.hash, hs.ems)
	}
	c.logSecret(keysched.LabelTLS12, master)
	if cert != nil {
		if err := sendCertificateVerify12(c, t, cert, scheme); err != nil {
			return nil, err
		}
	}
	pending, err := newPending12(c, hs.suite, master, hs.clientRandom(), hs.serverRandom)
	if err != nil {
		return nil, err
	}
	if c.tracing() {
		c.trace("derive keys", "key block from the master secret and both randoms: for each direction a %d-byte MAC key (CBC only), a %d-byte write key and a %d-byte fixed IV (AEAD only)",
			hs.suite.macLen, hs.suite.keyLen, hs.suite.ivLen)
	}
	c.link.WriteChangeCipherSpec()
	c.link.SetWriteProtector(pending.write)
	verify := finishedVerifyData12(hs.suite, master, true, t)
	if err := c.send12(t, &msg.Finished{VerifyData: verify}); err != nil {
		return nil, err
	}
	if c.tracing() {
		c.trace("send Finished", "ClientKeyExchange, change_cipher_spec and Finished sent; write keys switched to %s", hs.suite.id)
	}
	return &clientExpectChangeCipherSpec12{hs: hs, master: master, read: pending.read}, nil
}

// sendClientCertificate12 answers a CertificateRequest with our chain, or
// an empty Certificate when no certificate fits (RFC 5246, Section
// 7.4.6). It returns the certificate sent and its signature scheme.
func sendClientCertificate12(c *Conn, t *transcript12, req *msg.CertificateRequest) (*Certificate, wire.SignatureScheme, error) {
	cert, scheme, err := chooseClientCertificate(c, req, wire.VersionTLS12, func(cert *Certificate) bool {
		return certTypeAccepted12(cert.PrivateKey.Public(), req.CertificateTypes)
	})
	if err != nil {
		return nil, 0, err
	}
	m := &msg.Certificate{}
	if cert != nil {
		for _, der := range cert.Chain {
			m.Entries = append(m.Entries, msg.CertificateEntry{Data: der})
		}
	}
	if err := c.send12(t, m); err != nil {
		return nil, 0, err
	}
	if cert == nil {
		c.trace("send Certificate", "no suitable client certificate: sending an empty Certificate")
	} else {
		if c.tracing() {
			c.trace("send Certificate", "client certificate chain of %d certificate(s), to be signed with %s", len(cert.Chain), scheme)
		}
	}
	return cert, scheme, nil
}

// sendCertificateVerify12 signs every handshake message so far with the
// scheme's own hash (RFC 5246, Section 7.4.8) and sends the signature.
func sendCertificateVerify12(c *Conn, t *transcript12, cert *Certificate, scheme wire.SignatureScheme) error {
	signature, err := sig.Sign(cert.PrivateKey, scheme, randReader(c.cfg), t.messages())
	if err != nil {
		return wire.Fatal(wire.AlertInternalError, "cannot sign certificate_verify", err)
	}
	return c.send12(t, &msg.CertificateVerify{Scheme: scheme, Signature: signature})
}

// clientExpectChangeCipherSpec12 waits for the server's
// change_cipher_spec, which switches its records to the new keys.
type clientExpectChangeCipherSpec12 struct {
	hs     *clientHS12
	master []byte
	// read protects the server's records after its change_cipher_spec.
	read record.Protector
}

// Name names the state.
func (s *clientExpectChangeCipherSpec12) Name() string { return "client:expect ChangeCipherSpec" }

// Handle accepts only the NewSessionTicket the ServerHello announced: the
// server's next message is change_cipher_spec.
func (s *clientExpectChangeCipherSpec12) Handle(c *Conn, m msg.Message) (State, error) {
	if err := receiveTicket12(c, s.hs, s.Name(), m); err != nil {
		return nil, err
	}
	return s, nil
}

// changeCipherSpec installs the server's write keys for reading.
func (s *clientExpectChangeCipherSpec12) changeCipherSpec(c *Conn) (State, error) {
	if err := checkTicketReceived12(s.hs); err != nil {
		return nil, err
	}
	c.link.SetReadProtector(s.read)
	c.trace("receive ChangeCipherSpec", "server switched to the new keys; reading with them")
	return &clientExpectFinished12{hs: s.hs, master: s.master}, nil
}

// clientExpectFinished12 waits for the server's Finished.
type clientExpectFinished12 struct {
	hs     *clientHS12
	master []byte
}

// Name names the state.
func (s *clientExpectFinished12) Name() string { return "client:expect Finished" }

// Handle verifies the server's Finished (RFC 5246, Section 7.4.9) and
// completes the handshake.
func (s *clientExpectFinished12) Handle(c *Conn, m msg.Message) (State, error) {
	if err := receiveServerFinished12(s.hs, s.master, s.Name(), m); err != nil {
		return nil, err
	}
	c.trace("verify Finished", "server Finished matches our transcript: ok")
	return completeClient12(c, s.hs, s.master), nil
}
