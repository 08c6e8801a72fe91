package handshake_test

// A TLS 1.2 client built by hand from the internal packages, to drive our
// server where crypto/tls would not go: corrupted RSA key transport,
// missing extensions, messages out of order, renegotiation.

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"testing"

	"gotls/internal/engine"
	"gotls/internal/handshake"
	"gotls/internal/kex"
	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/sig"
	"gotls/internal/wire"
)

// s12Script is one scripted TLS 1.2 client talking to a server engine.
type s12Script struct {
	t testing.TB
	E *engine.Engine
	// Err is the server's first error.
	Err error

	ch         *msg.ClientHello
	transcript []byte
	// msgs are the server's handshake messages not yet consumed, in
	// order, and raws their bytes.
	msgs  []msg.Message
	raws  [][]byte
	hsBuf []byte
	// Alerts are the alerts the server sent.
	Alerts []wire.Alert
	// App is the application data the server sent.
	App []byte

	sh     *msg.ServerHello
	leaf   *x509.Certificate
	params *msg.ECDHEParams
	certRq *msg.CertificateRequest

	suite          *record.Suite
	master         []byte
	rd, wr         record.Protector
	pendingRead    record.Protector
	wrNext         record.Protector
	serverFinished bool
}

// s12Hello returns a TLS 1.2 ClientHello (no supported_versions) offering
// suites, X25519 and P-256, the usual signature schemes, the extended
// master secret and secure renegotiation.
func s12Hello(suites ...wire.CipherSuite) *msg.ClientHello {
	random := make([]byte, 32)
	rand.Read(random)
	return &msg.ClientHello{
		Version:                      wire.VersionTLS12,
		Random:                       random,
		CipherSuites:                 suites,
		CompressionMethods:           []uint8{0},
		ServerName:                   "localhost",
		SupportedGroups:              []wire.Group{wire.GroupX25519, wire.GroupSecp256r1},
		ECPointFormats:               []uint8{0},
		SignatureAlgorithms:          sig.DefaultSchemes(wire.VersionTLS12, wire.VersionTLS12),
		ExtendedMasterSecret:         true,
		SecureRenegotiationSupported: true,
	}
}

// s12Start starts a server engine with cfg and sends it ch. It returns
// the script with the server's answer read; Err is set when the server
// refused the ClientHello.
func s12Start(t testing.TB, cfg *handshake.Config, ch *msg.ClientHello) *s12Script {
	t.Helper()
	s := &s12Script{t: t, E: engine.New(cfg, false), ch: ch}
	s.rd = record.Plaintext(wire.VersionTLS12)
	s.wr = record.Plaintext(wire.VersionTLS12)
	if err := s.E.Start(); err != nil {
		t.Fatal(err)
	}
	raw := s.marshal(ch)
	s.feed(s.wr.Seal(nil, wire.ContentHandshake, raw, 0))
	if s.Err == nil {
		s.parseFlight()
	}
	return s
}

// marshal encodes m and adds it to the transcript.
func (s *s12Script) marshal(m msg.Message) []byte {
	raw, err := m.Marshal()
	if err != nil {
		s.t.Fatalf("marshal %v: %v", m.Type(), err)
	}
	s.transcript = append(s.transcript, raw...)
	return raw
}

// feed gives records to the server and reads its answer.
func (s *s12Script) feed(records []byte) {
	if _, err := s.E.Feed(records); err != nil && s.Err == nil {
		s.Err = err
	}
	s.readServer()
}

// readServer consumes the server's output records.
func (s *s12Script) readServer() {
	buf := bytes.Clone(s.E.Output())
	s.E.Sent(len(buf))
	for len(buf) >= record.HeaderLen {
		_, _, n := record.ParseHeader(buf)
		rec := buf[:record.HeaderLen+n]
		buf = buf[record.HeaderLen+n:]
		typ, data, err := s.rd.Open(rec)
		if err != nil {
			s.t.Fatalf("cannot open a server record: %v", err)
		}
		switch typ {
		case wire.ContentChangeCipherSpec:
			s.rd = s.pendingRead
		case wire.ContentAlert:
			s.Alerts = append(s.Alerts, wire.Alert(data[1]))
		case wire.ContentApplicationData:
			s.App = append(s.App, data...)
		case wire.ContentHandshake:
			s.hsBuf = append(s.hsBuf, data...)
			s.splitMessages()
		}
	}
}

// splitMessages parses the complete handshake messages in hsBuf.
func (s *s12Script) splitMessages() {
	for {
		_, n, ok, err := msg.ParseHeader(s.hsBuf)
		if err != nil {
			s.t.Fatalf("server message header: %v", err)
		}
		if !ok || len(s.hsBuf) < msg.HeaderLen+n {
			return
		}
		raw := bytes.Clone(s.hsBuf[:msg.HeaderLen+n])
		m, err := msg.Parse(raw, wire.VersionTLS12)
		if err != nil {
			s.t.Fatalf("server message: %v", err)
		}
		s.msgs = append(s.msgs, m)
		s.raws = append(s.raws, raw)
		s.hsBuf = s.hsBuf[msg.HeaderLen+n:]
	}
}

// parseFlight reads ServerHello through ServerHelloDone, adding each to
// the transcript.
func (s *s12Script) parseFlight() {
	for i, m := range s.msgs {
		s.transcript = append(s.transcript, s.raws[i]...)
		switch m := m.(type) {
		case *msg.ServerHello:
			s.sh = m
			s.suite = record.Suite12(m.CipherSuite)
		case *msg.Certificate:
			leaf, err := x509.ParseCertificate(m.Entries[0].Data)
			if err != nil {
				s.t.Fatal(err)
			}
			s.leaf = leaf
		case *msg.ServerKeyExchange:
			p, err := msg.ParseECDHEParams(m.Body, true)
			if err != nil {
				s.t.Fatal(err)
			}
			s.params = &p
		case *msg.CertificateRequest:
			s.certRq = m
		}
	}
	if n := len(s.msgs); n == 0 || s.msgs[n-1].Type() != wire.HandshakeServerHelloDone {
		s.t.Fatalf("server flight does not end with ServerHelloDone")
	}
	s.msgs, s.raws = nil, nil
}

// rsaKeyExchange returns a ClientKeyExchange carrying ciphertext and the
// pre-master secret the client will derive its keys from.
func (s *s12Script) rsaKeyExchange(preMaster, ciphertext []byte) ([]byte, []byte) {
	cke, err := msg.NewRSAClientKeyExchange(ciphertext)
	if err != nil {
		s.t.Fatal(err)
	}
	return s.marshal(cke), preMaster
}

// validRSAKeyExchange encrypts a fresh pre-master secret to the server.
func (s *s12Script) validRSAKeyExchange() (preMaster, ciphertext []byte) {
	pm, ct, err := kex.EncryptPreMaster(rand.Reader, s.leaf.PublicKey.(*rsa.PublicKey), s.ch.Version)
	if err != nil {
		s.t.Fatal(err)
	}
	return pm, ct
}

// ecdheKeyExchange answers the server's ECDHE parameters.
func (s *s12Script) ecdheKeyExchange() (cke, preMaster []byte) {
	share, err := kex.Generate(s.params.Group, rand.Reader)
	if err != nil {
		s.t.Fatal(err)
	}
	shared, err := share.Complete(s.params.Public)
	if err != nil {
		s.t.Fatal(err)
	}
	m, err := msg.NewECDHEClientKeyExchange(share.Public())
	if err != nil {
		s.t.Fatal(err)
	}
	return s.marshal(m), shared
}

// deriveKeys computes the master secret after the ClientKeyExchange has
// been added to the transcript, and the protectors of both directions.
func (s *s12Script) deriveKeys(preMaster []byte) {
	h := s.suite.Hash
	if s.sh.ExtendedMasterSecret {
		d := h.New()
		d.Write(s.transcript)
		s.master = keysched.ExtendedMasterSecret12(h, preMaster, d.Sum(nil))
	} else {
		s.master = keysched.MasterSecret12(h, preMaster, s.ch.Random, s.sh.Random)
	}
	_, _, cKey, sKey, cIV, sIV := keysched.KeyBlock12(h, s.master, s.ch.Random, s.sh.Random, 0, s.suite.KeyLen, s.suite.IVLen)
	var err error
	if s.pendingRead, err = record.NewAEAD12(s.suite, sKey, sIV); err != nil {
		s.t.Fatal(err)
	}
	next, err := record.NewAEAD12(s.suite, cKey, cIV)
	if err != nil {
		s.t.Fatal(err)
	}
	s.wrNext = next
}

// finishedRecord returns the client's Finished, protected with the new
// write keys, which it installs.
func (s *s12Script) finishedRecord() []byte {
	h := s.suite.Hash.New()
	h.Write(s.transcript)
	verify := keysched.FinishedVerifyData12(s.suite.Hash, s.master, true, h.Sum(nil))
	raw := s.marshal(&msg.Finished{VerifyData: verify})
	s.wr = s.wrNext
	return s.wr.Seal(nil, wire.ContentHandshake, raw, 0)
}

// ccsRecord is a plaintext change_cipher_spec record.
func ccsRecord() []byte {
	return record.Plaintext(wire.VersionTLS12).Seal(nil, wire.ContentChangeCipherSpec, []byte{1}, 0)
}

// finish sends the ClientKeyExchange cke, change_cipher_spec and
// Finished, all in one write, with keys from preMaster, then checks the
// server's Finished when the server sent one.
func (s *s12Script) finish(cke, preMaster []byte) {
	plain := record.Plaintext(wire.VersionTLS12)
	out := plain.Seal(nil, wire.ContentHandshake, cke, 0)
	s.deriveKeys(preMaster)
	out = append(out, ccsRecord()...)
	out = append(out, s.finishedRecord()...)
	s.feed(out)
	s.checkServerFinished()
}

// checkServerFinished verifies the server's Finished, if it came.
func (s *s12Script) checkServerFinished() {
	for _, m := range s.msgs {
		fin, ok := m.(*msg.Finished)
		if !ok {
			s.t.Fatalf("unexpected server message %v", m.Type())
		}
		h := s.suite.Hash.New()
		h.Write(s.transcript)
		want := keysched.FinishedVerifyData12(s.suite.Hash, s.master, false, h.Sum(nil))
		if !bytes.Equal(fin.VerifyData, want) {
			s.t.Fatalf("server finished is wrong")
		}
		s.transcript = append(s.transcript, fin.Raw...)
		s.serverFinished = true
	}
	s.msgs, s.raws = nil, nil
}

// sendProtected sends one protected record with the client's keys.
func (s *s12Script) sendProtected(typ wire.ContentType, payload []byte) {
	s.feed(s.wr.Seal(nil, typ, payload, 0))
}
