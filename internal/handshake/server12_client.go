package handshake

import (
	"crypto"
	"slices"

	"gotls/internal/kex"
	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/sig"
	"gotls/internal/wire"
)

// This file reads the TLS 1.2 client's flight on the server: Certificate
// (when requested), ClientKeyExchange, CertificateVerify (when the client
// sent a certificate), change_cipher_spec and Finished, then answers with
// the server's change_cipher_spec and Finished (RFC 5246, Section 7.3).

// serverKeys12 is the key material a TLS 1.2 server holds once the
// ClientKeyExchange is processed.
type serverKeys12 struct {
	master  []byte
	pending pending12
}

// serverExpectCertificate12 waits for the client's Certificate after a
// CertificateRequest.
type serverExpectCertificate12 struct {
	hs *serverHS12
}

// Name names the state.
func (serverExpectCertificate12) Name() string { return "server:expect Certificate" }

// Handle checks the client's certificate chain per the configured policy.
func (s serverExpectCertificate12) Handle(c *Conn, m msg.Message) (State, error) {
	cert, ok := m.(*msg.Certificate)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	s.hs.transcript.write(cert.Raw)
	policy := c.cfg.ClientAuth
	if len(cert.Entries) == 0 {
		// RFC 5246, Section 7.4.6: a server that requires a certificate answers its absence with handshake_failure.
		if err := acceptNoClientCertificate(c, policy, wire.AlertHandshakeFailure); err != nil {
			return nil, err
		}
		return serverExpectClientKeyExchange12{hs: s.hs}, nil
	}
	if err := checkClientCertificate(c, cert, policy); err != nil {
		return nil, err
	}
	return serverExpectClientKeyExchange12{hs: s.hs, peerKey: c.result.PeerCertificates[0].PublicKey}, nil
}

// serverExpectClientKeyExchange12 waits for the client's key exchange.
type serverExpectClientKeyExchange12 struct {
	hs *serverHS12
	// peerKey is the public key of the client's certificate, whose
	// CertificateVerify comes next; nil when the client sent none.
	peerKey crypto.PublicKey
}

// Name names the state.
func (serverExpectClientKeyExchange12) Name() string { return "server:expect ClientKeyExchange" }

// Handle completes the key exchange, derives the master secret and the
// next epoch's keys.
func (s serverExpectClientKeyExchange12) Handle(c *Conn, m msg.Message) (State, error) {
	cke, ok := m.(*msg.ClientKeyExchange)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	hs := s.hs
	var master []byte
	var err error
	if hs.params.suite.kx == kxRSA {
		master, err = rsaMasterSecret12(c, hs, cke)
	} else {
		master, err = ecdheMasterSecret12(c, hs, cke)
	}
	if err != nil {
		return nil, err
	}
	kind := "master secret over the randoms (RFC 5246)"
	if hs.params.ems {
		kind = "extended master secret over the session hash (RFC 7627)"
	}
	c.trace("derive secret", "%s with the %v PRF", kind, hs.params.suite.hash)
	c.logSecret(keysched.LabelTLS12, master)
	pending, err := newPending12(c, hs.params.suite, master, hs.clientRandom, hs.serverRandom)
	if err != nil {
		return nil, err
	}
	c.trace("derive keys", "key block from the master secret and both randoms: for each direction a %d-byte MAC key (CBC only), a %d-byte write key and a %d-byte fixed IV (AEAD only)",
		hs.params.suite.macLen, hs.params.suite.keyLen, hs.params.suite.ivLen)
	keys := &serverKeys12{master: master, pending: pending}
	if s.peerKey != nil {
		return serverExpectCertificateVerify12{hs: hs, keys: keys, pub: s.peerKey}, nil
	}
	return serverExpectChangeCipherSpec12{hs: hs, keys: keys}, nil
}

// ecdheMasterSecret12 completes ECDHE with the client's public key and
// derives the master secret.
func ecdheMasterSecret12(c *Conn, hs *serverHS12, cke *msg.ClientKeyExchange) ([]byte, error) {
	pub, err := cke.ECDHEPublic()
	if err != nil {
		return nil, err
	}
	if hs.share == nil {
		return nil, wire.Fatalf(wire.AlertInternalError, "no ecdhe key for the client key exchange")
	}
	shared, err := hs.share.Complete(pub)
	if err != nil {
		return nil, keyShareError(err)
	}
	hs.share = nil
	c.trace("key exchange", "%v: client public key %d bytes, shared secret %d bytes", hs.params.group, len(pub), len(shared))
	hs.transcript.write(cke.Raw)
	return masterSecret12(hs.params.suite, shared, hs.params.ems, hs.clientRandom, hs.serverRandom, hs.transcript), nil
}

// rsaMasterSecret12 decrypts the RSA-encrypted pre-master secret and
// derives the master secret from it. Whatever is wrong with the
// ciphertext (length, padding, embedded version), kex.DecryptPreMasterWith
// returns a random pre-master secret instead, in constant time, and this
// function passes the result on without looking at it: the handshake then
// fails only at the client's Finished, with the same alert as any wrong
// Finished, so the server is no padding oracle (RFC 5246, Section
// 7.4.7.1; Bleichenbacher 1998). A test checks the shape of this function.
func rsaMasterSecret12(c *Conn, hs *serverHS12, cke *msg.ClientKeyExchange) ([]byte, error) {
	ciphertext, err := cke.RSAEncryptedPreMasterSecret()
	if err != nil {
		return nil, err
	}
	key, err := rsaDecrypter(hs.params.cert.cert)
	if err != nil {
		return nil, err
	}
	// Its errors depend only on the key and the randomness source.
	preMaster, err := kex.DecryptPreMasterWith(randReader(c.cfg), key, ciphertext, hs.clientVersion)
	if err != nil {
		return nil, err
	}
	c.trace("key exchange", "RSA key transport: %d-byte encrypted pre-master secret decrypted (a bad one is replaced by random bytes, so any failure shows only at Finished)", len(ciphertext))
	hs.transcript.write(cke.Raw)
	return masterSecret12(hs.params.suite, preMaster, hs.params.ems, hs.clientRandom, hs.serverRandom, hs.transcript), nil
}

// serverExpectCertificateVerify12 waits for the client's proof that it
// holds the key of its certificate.
type serverExpectCertificateVerify12 struct {
	hs   *serverHS12
	keys *serverKeys12
	pub  crypto.PublicKey
}

// Name names the state.
func (serverExpectCertificateVerify12) Name() string { return "server:expect CertificateVerify" }

// Handle verifies the client's signature over the handshake messages so
// far (RFC 5246, Section 7.4.8).
func (s serverExpectCertificateVerify12) Handle(c *Conn, m msg.Message) (State, error) {
	cv, ok := m.(*msg.CertificateVerify)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	if !slices.Contains(s.hs.requested, cv.Scheme) {
		// RFC 5246, Section 7.4.8: the algorithm MUST be one the CertificateRequest listed.
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "client signed with %v, which we did not offer", cv.Scheme)
	}
	if err := sig.Verify(wire.VersionTLS12, s.pub, cv.Scheme, s.hs.transcript.messages(), cv.Signature); err != nil {
		return nil, err
	}
	s.hs.transcript.write(cv.Raw)
	c.result.SignatureScheme = cv.Scheme
	c.trace("receive CertificateVerify", "client signature with %v over the handshake messages verified", cv.Scheme)
	return serverExpectChangeCipherSpec12{hs: s.hs, keys: s.keys}, nil
}

// serverExpectChangeCipherSpec12 waits for the client's
// change_cipher_spec, which switches the records it sends to the new keys.
type serverExpectChangeCipherSpec12 struct {
	hs   *serverHS12
	keys *serverKeys12
}

// Name names the state.
func (serverExpectChangeCipherSpec12) Name() string { return "server:expect ChangeCipherSpec" }

// Handle refuses any handshake message: change_cipher_spec must come
// first (RFC 5246, Section 7.4.9).
func (s serverExpectChangeCipherSpec12) Handle(c *Conn, m msg.Message) (State, error) {
	return nil, unexpected(s.Name(), m)
}

// changeCipherSpec installs the client's write keys for reading.
func (s serverExpectChangeCipherSpec12) changeCipherSpec(c *Conn) (State, error) {
	c.link.SetReadProtector(s.keys.pending.read)
	c.trace("receive ChangeCipherSpec", "client records are protected from now on (%v)", s.hs.params.suite.id)
	return serverExpectFinished12(s), nil
}

// serverExpectFinished12 waits for the client's Finished.
type serverExpectFinished12 struct {
	hs   *serverHS12
	keys *serverKeys12
}

// Name names the state.
func (serverExpectFinished12) Name() string { return "server:expect Finished" }

// Handle checks the client's Finished, then sends change_cipher_spec and
// the server's Finished and completes the handshake.
func (s serverExpectFinished12) Handle(c *Conn, m msg.Message) (State, error) {
	fin, ok := m.(*msg.Finished)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	hs, suite := s.hs, s.hs.params.suite
	if err := checkFinished12(suite, s.keys.master, true, hs.transcript, fin); err != nil {
		return nil, err
	}
	hs.transcript.write(fin.Raw)
	c.trace("receive Finished", "client Finished verified")
	if err := runVerifyConnection(c); err != nil {
		return nil, err
	}
	sess := &session12{
		suite:        suite,
		master:       s.keys.master,
		clientRandom: hs.clientRandom,
		serverRandom: hs.serverRandom,
		ems:          hs.params.ems,
	}
	if hs.ticket {
		if err := sendTicket12(c, hs.transcript, sess); err != nil {
			return nil, err
		}
	}
	c.link.WriteChangeCipherSpec()
	c.link.SetWriteProtector(s.keys.pending.write)
	c.trace("send ChangeCipherSpec", "server records are protected from now on (%v)", suite.id)
	verify := finishedVerifyData12(suite, s.keys.master, false, hs.transcript)
	if err := c.send12(hs.transcript, &msg.Finished{VerifyData: verify}); err != nil {
		return nil, err
	}
	c.trace("send Finished", "PRF over the handshake messages with the master secret (%d bytes)", len(verify))
	if !hs.ticket {
		cacheSession12(c, hs.sessionID, sess)
	}
	return finish12(c, sess), nil
}
