package handshake

import (
	"crypto"
	"crypto/hmac"
	"crypto/x509"
	"slices"

	"gotls/internal/msg"
	"gotls/internal/sig"
	"gotls/internal/wire"
)

// This file reads the TLS 1.3 client's second flight on the server:
// Certificate and CertificateVerify when a certificate was requested, then
// Finished (RFC 8446, Section 4.4).

// serverExpectCertificate waits for the client's Certificate after a
// CertificateRequest.
type serverExpectCertificate struct {
	hs *serverHS13
}

// Name names the state.
func (serverExpectCertificate) Name() string { return "server:expect Certificate" }

// Handle checks the client's certificate chain per the configured policy.
func (s serverExpectCertificate) Handle(c *Conn, m msg.Message) (State, error) {
	cert, ok := m.(*msg.Certificate)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	c.StopSkippingEarlyData()
	if len(cert.Context) != 0 {
		// RFC 8446, Section 4.4.2: the context echoes the CertificateRequest's, which was empty.
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "client certificate has a non-empty request context")
	}
	s.hs.transcript.Write(cert.Raw)
	policy := c.cfg.ClientAuth
	if len(cert.Entries) == 0 {
		// RFC 8446, Section 4.4.2.4: a required but missing certificate gets certificate_required.
		if err := acceptNoClientCertificate(c, policy, wire.AlertCertificateRequired); err != nil {
			return nil, err
		}
		return serverExpectFinished{hs: s.hs}, nil
	}
	if err := checkClientCertificate(c, cert, policy); err != nil {
		return nil, err
	}
	leaf := c.result.PeerCertificates[0]
	return serverExpectCertificateVerify{hs: s.hs, pub: leaf.PublicKey}, nil
}

// acceptNoClientCertificate decides on an empty client Certificate: the
// policy may require one, which fails with the version's alert missing,
// and VerifyPeerCertificate may reject its absence.
func acceptNoClientCertificate(c *Conn, policy ClientAuthType, missing wire.Alert) error {
	c.trace("receive Certificate", "client sent no certificate (policy %s)", authPolicyName(policy))
	if requiresClientCert(policy) {
		return wire.Fatalf(missing, "client sent no certificate")
	}
	if f := c.cfg.VerifyPeerCertificate; f != nil {
		if err := f(nil, nil); err != nil {
			return fatalOr(err, wire.AlertBadCertificate, "missing client certificate rejected by VerifyPeerCertificate")
		}
	}
	return nil
}

// checkClientCertificate verifies (or, when the policy does not verify,
// only parses) a non-empty client chain, filling c.result.
func checkClientCertificate(c *Conn, cert *msg.Certificate, policy ClientAuthType) error {
	chain := make([][]byte, len(cert.Entries))
	for i, e := range cert.Entries {
		if len(e.Extensions) > 0 {
			// RFC 8446, Section 4.4.2: entry extensions must answer our
			// CertificateRequest, which asks for none.
			return wire.Fatalf(wire.AlertUnsupportedExtension,
				"client sent the %s extension in its certificate, which was not requested", e.Extensions[0])
		}
		chain[i] = e.Data
	}
	c.trace("receive Certificate", "client sent %d certificate(s); policy %s", len(chain), authPolicyName(policy))
	opts := verifyOptions{
		roots:              c.cfg.ClientCAs,
		keyUsage:           x509.ExtKeyUsageClientAuth,
		insecureSkipVerify: !verifiesClientCert(policy),
	}
	if err := verifyChain(c, chain, opts); err != nil {
		return err
	}
	if len(c.result.PeerCertificates) == 0 {
		return wire.Fatalf(wire.AlertInternalError, "client certificate chain was not recorded")
	}
	c.trace("client certificate", "%s", describeCert(c.result.PeerCertificates[0]))
	return nil
}

// serverExpectCertificateVerify waits for the client's proof that it
// holds the key of the certificate it sent.
type serverExpectCertificateVerify struct {
	hs  *serverHS13
	pub crypto.PublicKey
}

// Name names the state.
func (serverExpectCertificateVerify) Name() string { return "server:expect CertificateVerify" }

// Handle verifies the client's signature over the transcript.
func (s serverExpectCertificateVerify) Handle(c *Conn, m msg.Message) (State, error) {
	cv, ok := m.(*msg.CertificateVerify)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	if !slices.Contains(s.hs.requested, cv.Scheme) {
		// RFC 8446, Section 4.4.3: the scheme MUST be one the CertificateRequest listed.
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "client signed with %v, which we did not offer", cv.Scheme)
	}
	content := sig.SignedContent13(sig.ClientContext13, s.hs.transcript.Sum())
	if err := sig.Verify(wire.VersionTLS13, s.pub, cv.Scheme, content, cv.Signature); err != nil {
		return nil, err
	}
	s.hs.transcript.Write(cv.Raw)
	c.result.SignatureScheme = cv.Scheme
	c.trace("receive CertificateVerify", "client signature with %v verified", cv.Scheme)
	return serverExpectFinished{hs: s.hs}, nil
}

// serverExpectFinished waits for the client's Finished.
type serverExpectFinished struct {
	hs *serverHS13
}

// Name names the state.
func (serverExpectFinished) Name() string { return "server:expect Finished" }

// Handle checks the client's Finished, then completes the handshake:
// client application keys for reading, exporter, resumption secret and
// the VerifyConnection callback.
func (s serverExpectFinished) Handle(c *Conn, m msg.Message) (State, error) {
	fin, ok := m.(*msg.Finished)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	c.StopSkippingEarlyData()
	hs := s.hs
	want := finishedMAC13(hs.clientHS, hs.transcript.Sum())
	if !hmac.Equal(want, fin.VerifyData) {
		// RFC 8446, Section 4.4.4: a wrong Finished MUST abort with decrypt_error.
		return nil, wire.Fatalf(wire.AlertDecryptError, "client finished is wrong")
	}
	hs.transcript.Write(fin.Raw)
	c.trace("receive Finished", "client Finished verified")
	resumption := hs.app.master.ResumptionMasterSecret(hs.transcript.Sum())
	if err := setReadKeys13(c, hs.suite, hs.app.clientApp); err != nil {
		return nil, err
	}
	c.trace("install keys", "client application traffic keys installed for reading")
	exporter := hs.app.exporter
	c.exporter = &exporter
	if err := runVerifyConnection(c); err != nil {
		return nil, err
	}
	c.done = true
	if c.tracing() {
		c.trace("connected", "%v with %v over %v (resumed: %t)", c.result.Version, c.result.CipherSuite, c.result.Group, c.result.DidResume)
	}
	if err := issueTickets13(c, hs, resumption); err != nil {
		return nil, err
	}
	return newConnected13(c, hs.suite, hs.app.clientApp, hs.app.serverApp), nil
}
