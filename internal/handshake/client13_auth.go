package handshake

import (
	"crypto"
	"slices"

	"gotls/internal/msg"
	"gotls/internal/sig"
	"gotls/internal/wire"
)

// clientExpectCertificateOrRequest waits for the server's Certificate or a
// CertificateRequest before it.
type clientExpectCertificateOrRequest struct{ hs *clientHS13 }

// Name names the state.
func (s *clientExpectCertificateOrRequest) Name() string {
	return "client:expect Certificate or CertificateRequest"
}

// Handle processes a CertificateRequest or the server's Certificate.
func (s *clientExpectCertificateOrRequest) Handle(c *Conn, m msg.Message) (State, error) {
	switch m := m.(type) {
	case *msg.CertificateRequest:
		return handleCertificateRequest(c, s.hs, m)
	case *msg.Certificate:
		return handleServerCertificate(c, s.hs, m, nil)
	}
	return nil, unexpected(s.Name(), m)
}

// handleCertificateRequest accepts a CertificateRequest during the
// handshake (RFC 8446, Section 4.3.2).
func handleCertificateRequest(c *Conn, hs *clientHS13, req *msg.CertificateRequest) (State, error) {
	// RFC 8446, Section 4.3.2: certificate_request_context SHALL be empty during the handshake.
	if len(req.Context) != 0 {
		return nil, wire.Fatalf(wire.AlertDecodeError, "certificate_request has a non-empty context during the handshake")
	}
	if err := msg.CheckAllowed(wire.HandshakeCertificateRequest, false, wire.VersionTLS13, req.Extensions); err != nil {
		return nil, err
	}
	hs.transcript.Write(req.Raw)
	if c.tracing() {
		c.trace("receive CertificateRequest", "server asks for a client certificate; it accepts signatures %v and names %d CAs",
			req.SignatureAlgorithms, len(req.CertificateAuthorities))
	}
	return &clientExpectCertificate{hs: hs, req: req}, nil
}

// clientExpectCertificate waits for the server's Certificate after a
// CertificateRequest.
type clientExpectCertificate struct {
	hs  *clientHS13
	req *msg.CertificateRequest
}

// Name names the state.
func (s *clientExpectCertificate) Name() string { return "client:expect Certificate" }

// Handle processes the server's Certificate.
func (s *clientExpectCertificate) Handle(c *Conn, m msg.Message) (State, error) {
	cert, ok := m.(*msg.Certificate)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	return handleServerCertificate(c, s.hs, cert, s.req)
}

// handleServerCertificate checks and verifies the server's certificate
// chain (RFC 8446, Section 4.4.2).
func handleServerCertificate(c *Conn, hs *clientHS13, cert *msg.Certificate, req *msg.CertificateRequest) (State, error) {
	// RFC 8446, Section 4.4.2: the context SHALL be empty for server authentication.
	if len(cert.Context) != 0 {
		return nil, wire.Fatalf(wire.AlertDecodeError, "server certificate has a non-empty request context")
	}
	// RFC 8446, Section 4.4.2.4: an empty server Certificate MUST be answered with decode_error.
	if len(cert.Entries) == 0 {
		return nil, wire.Fatalf(wire.AlertDecodeError, "server sent no certificate")
	}
	raw := make([][]byte, len(cert.Entries))
	for i, e := range cert.Entries {
		if err := msg.CheckAllowed(wire.HandshakeCertificate, false, wire.VersionTLS13, e.Extensions); err != nil {
			return nil, err
		}
		if err := checkAnswered(hs.offer, e.Extensions, false); err != nil {
			return nil, err
		}
		raw[i] = e.Data
	}
	opts := serverVerifyOptions(c)
	// The staple is recorded first: verifyChain checks revocation with it.
	c.result.OCSPResponse = cert.Entries[0].OCSPStaple
	if err := verifyChain(c, raw, opts); err != nil {
		return nil, err
	}
	c.result.SCTs = cert.Entries[0].SCTs
	hs.transcript.Write(cert.Raw)
	pub := c.result.PeerCertificates[0].PublicKey
	return &clientExpectCertificateVerify{hs: hs, req: req, pub: pub}, nil
}

// clientExpectCertificateVerify waits for the server's proof that it holds
// the certificate's private key.
type clientExpectCertificateVerify struct {
	hs  *clientHS13
	req *msg.CertificateRequest
	// pub is the public key of the server's leaf certificate.
	pub crypto.PublicKey
}

// Name names the state.
func (s *clientExpectCertificateVerify) Name() string { return "client:expect CertificateVerify" }

// Handle verifies the server's CertificateVerify (RFC 8446, Section 4.4.3).
func (s *clientExpectCertificateVerify) Handle(c *Conn, m msg.Message) (State, error) {
	cv, ok := m.(*msg.CertificateVerify)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	// RFC 8446, Section 4.4.3: the scheme MUST be one we offered in signature_algorithms.
	if !slices.Contains(s.hs.offer.hello.SignatureAlgorithms, cv.Scheme) {
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "server signed with %s, which was not offered", cv.Scheme)
	}
	t := s.hs.transcript
	signed := sig.SignedContent13(sig.ServerContext13, t.Sum())
	if err := sig.Verify(wire.VersionTLS13, s.pub, cv.Scheme, signed, cv.Signature); err != nil {
		return nil, err
	}
	t.Write(cv.Raw)
	c.result.SignatureScheme = cv.Scheme
	if c.tracing() {
		c.trace("verify CertificateVerify", "server signature with %s over the transcript: ok", cv.Scheme)
	}
	return &clientExpectFinished{hs: s.hs, req: s.req}, nil
}
