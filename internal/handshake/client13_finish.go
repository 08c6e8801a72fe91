package handshake

import (
	"bytes"
	"crypto/hmac"
	"crypto/x509"
	"errors"

	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/sig"
	"gotls/internal/wire"
)

// clientExpectFinished waits for the server's Finished.
type clientExpectFinished struct {
	hs *clientHS13
	// req is the server's CertificateRequest, or nil.
	req *msg.CertificateRequest
}

// Name names the state.
func (s *clientExpectFinished) Name() string { return "client:expect Finished" }

// Handle verifies the server's Finished, derives the application secrets,
// sends the client's second flight and completes the handshake.
func (s *clientExpectFinished) Handle(c *Conn, m msg.Message) (State, error) {
	fin, ok := m.(*msg.Finished)
	if !ok {
		return nil, unexpected(s.Name(), m)
	}
	hs, t := s.hs, s.hs.transcript
	want := finishedMAC13(hs.serverHTS, t.Sum())
	// RFC 8446, Section 4.4.4: an incorrect Finished MUST be answered with decrypt_error.
	if !hmac.Equal(want, fin.VerifyData) {
		return nil, wire.Fatalf(wire.AlertDecryptError, "server finished does not match the transcript")
	}
	t.Write(fin.Raw)
	c.trace("verify Finished", "server Finished matches our transcript: ok")

	master := hs.secret.MasterSecret()
	th := t.Sum()
	clientATS := master.ClientApplicationTrafficSecret(th)
	serverATS := master.ServerApplicationTrafficSecret(th)
	exporter := master.ExporterMasterSecret(th)
	c.logSecret(keysched.LabelClientTraffic, clientATS.Bytes())
	c.logSecret(keysched.LabelServerTraffic, serverATS.Bytes())
	c.logSecret(keysched.LabelExporter, exporter.Bytes())
	if err := setReadKeys13(c, hs.suite, serverATS); err != nil {
		return nil, err
	}
	if err := runVerifyConnection(c); err != nil {
		return nil, err
	}
	if err := sendClientSecondFlight(c, hs, s.req); err != nil {
		return nil, err
	}
	// The resumption master secret covers the client's Finished; the
	// connected state derives the PSKs of NewSessionTickets from it.
	resumption := master.ResumptionMasterSecret(t.Sum())
	if err := setWriteKeys13(c, hs.suite, clientATS); err != nil {
		return nil, err
	}
	c.exporter = &exporter
	c.done = true
	c.trace("install keys", "application traffic keys installed in both directions; handshake complete")
	return &connected13{client: true, suite: hs.suite, read: serverATS, write: clientATS, resumption: resumption}, nil
}

// runVerifyConnection runs the configured VerifyConnection callback.
func runVerifyConnection(c *Conn) error {
	if c.cfg.VerifyConnection == nil {
		return nil
	}
	if err := c.cfg.VerifyConnection(&c.result); err != nil {
		return fatalOr(err, wire.AlertBadCertificate, "connection rejected by VerifyConnection")
	}
	c.trace("verify connection", "VerifyConnection callback: ok")
	return nil
}

// fatalOr turns an error from a configuration callback or a primitive
// fed peer data into a handshake error: a *wire.Error keeps its alert,
// anything else gets a.
func fatalOr(err error, a wire.Alert, reason string) error {
	var we *wire.Error
	if errors.As(err, &we) {
		return err
	}
	return wire.Fatal(a, reason, err)
}

// sendClientSecondFlight sends, under the client handshake keys installed
// at ServerHello, the client's certificate messages when asked and its
// Finished.
func sendClientSecondFlight(c *Conn, hs *clientHS13, req *msg.CertificateRequest) error {
	if c.result.EarlyData {
		if err := sendEndOfEarlyData(c, hs); err != nil {
			return err
		}
	}
	if req != nil {
		if err := sendClientCertificate(c, hs, req); err != nil {
			return err
		}
	}
	verify := finishedMAC13(hs.clientHTS, hs.transcript.Sum())
	if err := c.send(hs.transcript, &msg.Finished{VerifyData: verify}); err != nil {
		return err
	}
	c.trace("send Finished", "client Finished sent under the client handshake traffic keys")
	return nil
}

// sendClientCertificate answers a CertificateRequest with our
// certificate and CertificateVerify, or an empty Certificate when we have
// none that fits (RFC 8446, Section 4.4.2).
func sendClientCertificate(c *Conn, hs *clientHS13, req *msg.CertificateRequest) error {
	cert, scheme, err := chooseClientCertificate(c, req, wire.VersionTLS13, nil)
	if err != nil {
		return err
	}
	m := &msg.Certificate{TLS13: true, Context: req.Context}
	if cert == nil {
		c.trace("send Certificate", "no suitable client certificate: sending an empty Certificate")
		return c.send(hs.transcript, m)
	}
	for _, der := range cert.Chain {
		m.Entries = append(m.Entries, msg.CertificateEntry{Data: der})
	}
	if err := c.send(hs.transcript, m); err != nil {
		return err
	}
	signed := sig.SignedContent13(sig.ClientContext13, hs.transcript.Sum())
	signature, err := sig.Sign(cert.PrivateKey, scheme, randReader(c.cfg), signed)
	if err != nil {
		return wire.Fatal(wire.AlertInternalError, "cannot sign certificate_verify", err)
	}
	if c.tracing() {
		c.trace("send Certificate", "client certificate chain of %d certificate(s), signed with %s", len(cert.Chain), scheme)
	}
	return c.send(hs.transcript, &msg.CertificateVerify{Scheme: scheme, Signature: signature})
}

// issuedByAcceptableCA reports whether one of the certificates of the
// chain was issued by one of the distinguished names cas, or cas is empty.
func issuedByAcceptableCA(cert *Certificate, cas [][]byte) bool {
	if len(cas) == 0 {
		return true
	}
	for _, der := range cert.Chain {
		x, err := x509.ParseCertificate(der)
		if err != nil {
			continue
		}
		for _, ca := range cas {
			if bytes.Equal(x.RawIssuer, ca) {
				return true
			}
		}
	}
	return false
}
