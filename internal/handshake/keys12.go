package handshake

import (
	"crypto"
	"crypto/subtle"
	"fmt"
	"io"

	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/wire"
)

// This file holds the TLS 1.2 key material shared by both roles: the
// handshake transcript, the master secret (with or without RFC 7627),
// the record protectors built from the key block, Finished, the exporter
// and the connected state.

// transcript12 keeps every TLS 1.2 handshake message, exactly as sent or
// received, from ClientHello on. TLS 1.2 needs the messages themselves,
// not only a running hash: a CertificateVerify signs them with the hash
// of its signature scheme (RFC 5246, Section 7.4.8), which may differ from
// the PRF hash. Each message is bounded by msg.MaxBodyLen and a full
// handshake has a fixed number of them, so the buffer is bounded too.
type transcript12 struct {
	buf []byte
}

// write appends one whole handshake message, header included.
func (t *transcript12) write(m []byte) { t.buf = append(t.buf, m...) }

// messages returns the concatenated handshake messages so far: what a
// TLS 1.2 CertificateVerify signs. The caller must not modify it.
func (t *transcript12) messages() []byte { return t.buf }

// sum returns the hash h of the messages so far.
func (t *transcript12) sum(h crypto.Hash) []byte {
	d := h.New()
	d.Write(t.buf)
	return d.Sum(nil)
}

// send12 encodes m, adds it to t and queues it.
func (c *Conn) send12(t *transcript12, m msg.Message) error {
	b, err := m.Marshal()
	if err != nil {
		return wire.Fatal(wire.AlertInternalError, "cannot encode "+m.Type().String(), err)
	}
	t.write(b)
	c.link.WriteHandshake(b)
	return nil
}

// masterSecret12 derives the 48-byte master secret from the pre-master
// secret. With ems it is the extended master secret of RFC 7627, Section
// 4, over the session hash: the PRF hash of every handshake message up to
// and including ClientKeyExchange, which t must hold at this point.
// Without ems it is the RFC 5246, Section 8.1 master secret over the two
// randoms.
func masterSecret12(s *suite12, preMaster []byte, ems bool, clientRandom, serverRandom []byte, t *transcript12) []byte {
	if ems {
		return keysched.ExtendedMasterSecret12(s.hash, preMaster, t.sum(s.hash))
	}
	return keysched.MasterSecret12(s.hash, preMaster, clientRandom, serverRandom)
}

// signedParams12 returns what a TLS 1.2 ServerKeyExchange signature
// covers: client_random || server_random || the encoded ServerECDHParams
// (RFC 5246, Section 7.4.3; RFC 8422, Section 5.4).
func signedParams12(clientRandom, serverRandom, params []byte) []byte {
	out := make([]byte, 0, len(clientRandom)+len(serverRandom)+len(params))
	out = append(out, clientRandom...)
	out = append(out, serverRandom...)
	return append(out, params...)
}

// pending12 is the record protection of the next epoch of each direction,
// built from the key block and installed when change_cipher_spec is sent
// (write) or received (read).
type pending12 struct {
	read, write record.Protector
}

// newPending12 expands the key block of master (RFC 5246, Section 6.3)
// and builds both directions' protectors for c's role.
func newPending12(c *Conn, s *suite12, master, clientRandom, serverRandom []byte) (pending12, error) {
	cMAC, sMAC, cKey, sKey, cIV, sIV := keysched.KeyBlock12(s.hash, master, clientRandom, serverRandom, s.macLen, s.keyLen, s.ivLen)
	clientWrite, err := newProtector12(s, cMAC, cKey, cIV, randReader(c.cfg))
	if err != nil {
		return pending12{}, err
	}
	serverWrite, err := newProtector12(s, sMAC, sKey, sIV, randReader(c.cfg))
	if err != nil {
		return pending12{}, err
	}
	if c.client {
		return pending12{read: serverWrite, write: clientWrite}, nil
	}
	return pending12{read: clientWrite, write: serverWrite}, nil
}

// newProtector12 builds one direction's record protection.
func newProtector12(s *suite12, macKey, key, iv []byte, rand io.Reader) (record.Protector, error) {
	if !s.aead {
		return newCBCProtector12(s, macKey, key, rand)
	}
	rs := s.recordSuite()
	if rs == nil {
		return nil, wire.Fatalf(wire.AlertInternalError, "no record protection for %v", s.id)
	}
	p, err := record.NewAEAD12(rs, key, iv)
	if err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "cannot set up record protection", err)
	}
	return p, nil
}

// finishedVerifyData12 computes the verify_data of the Finished sent by
// the client (client true) or the server over the messages in t
// (RFC 5246, Section 7.4.9).
func finishedVerifyData12(s *suite12, master []byte, client bool, t *transcript12) []byte {
	return keysched.FinishedVerifyData12(s.hash, master, client, t.sum(s.hash))
}

// checkFinished12 compares, in constant time, a received Finished with the
// one expected from the peer (fromClient says which side sent it).
func checkFinished12(s *suite12, master []byte, fromClient bool, t *transcript12, fin *msg.Finished) error {
	want := finishedVerifyData12(s, master, fromClient, t)
	if subtle.ConstantTimeCompare(want, fin.VerifyData) != 1 {
		sender := "server"
		if fromClient {
			sender = "client"
		}
		// RFC 5246, Section 7.4.9: recipients MUST verify Finished; a wrong one
		// is decrypt_error (Section 7.2.2).
		return wire.Fatalf(wire.AlertDecryptError, "%s finished is wrong", sender)
	}
	return nil
}

// session12 is what a completed TLS 1.2 handshake keeps: the master
// secret and randoms, for the exporter and, later, session resumption.
type session12 struct {
	suite                      *suite12
	master                     []byte
	clientRandom, serverRandom []byte
	// ems says the master secret is the extended one (RFC 7627).
	ems bool
}

// exportKeyingMaterial derives keying material from the TLS 1.2 master
// secret (RFC 5705, Section 4). It refuses when the master secret is not
// the extended one: without RFC 7627 a man in the middle can make two
// connections share it (the triple handshake attack), so exported values
// would not be bound to this connection.
func (s *session12) exportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	if !s.ems {
		return nil, fmt.Errorf("tls: exporter is not available on a tls 1.2 connection without extended master secret")
	}
	if err := keysched.ValidateExport(s.suite.hash, label, context, length); err != nil {
		return nil, err
	}
	return keysched.Export12(s.suite.hash, s.master, s.clientRandom, s.serverRandom, label, context, length), nil
}

// finish12 completes a TLS 1.2 handshake for either role once both
// Finished messages have been exchanged and both directions protected:
// it keeps the session for the exporter, marks the handshake done and
// returns the connected state. The caller runs VerifyConnection first.
func finish12(c *Conn, sess *session12) State {
	c.tls12 = sess
	c.done = true
	if c.tracing() {
		c.trace("connected", "%v with %v over %v (extended master secret: %t)", c.result.Version, c.result.CipherSuite, groupName12(c.result.Group), sess.ems)
	}
	return connected12{client: c.client}
}

// groupName12 names the key exchange group, or says there was none (RSA
// key transport).
func groupName12(g wire.Group) string {
	if g == 0 {
		return "RSA key transport"
	}
	return g.String()
}

// connected12 is the state of a TLS 1.2 connection after the handshake,
// for both roles. TLS 1.2 has no post-handshake messages gotls accepts:
// renegotiation is refused and there is no KeyUpdate.
type connected12 struct {
	client bool
}

// Name names the state for the role.
func (s connected12) Name() string {
	if s.client {
		return "client:connected"
	}
	return "server:connected"
}

// Handle refuses every handshake message. A renegotiation attempt (a
// ClientHello to a server, a HelloRequest to a client) gets
// no_renegotiation (RFC 5746, Section 4.4 for the server; RFC 5246,
// Section 7.4.1.1 for the client), anything else unexpected_message.
func (s connected12) Handle(c *Conn, m msg.Message) (State, error) {
	switch m.(type) {
	case *msg.ClientHello:
		if !s.client {
			c.trace("refuse renegotiation", "client asked to renegotiate; gotls never renegotiates")
			return nil, wire.Fatalf(wire.AlertNoRenegotiation, "client attempted renegotiation, which is not supported")
		}
	case *msg.HelloRequest:
		if s.client {
			c.trace("refuse renegotiation", "server asked to renegotiate; gotls never renegotiates")
			return nil, wire.Fatalf(wire.AlertNoRenegotiation, "server requested renegotiation, which is not supported")
		}
	}
	return nil, unexpected(s.Name(), m)
}

// cbcAvailable12 reports whether the record layer implements CBC
// protection for suite s.
func cbcAvailable12(s *suite12) bool {
	return record.CBCSuite12(s.id) != nil
}

// newCBCProtector12 builds CBC-SHA record protection for one direction.
// The record layer reads rand once, for the key of its explicit IVs.
func newCBCProtector12(s *suite12, macKey, key []byte, rand io.Reader) (record.Protector, error) {
	cs := record.CBCSuite12(s.id)
	if cs == nil {
		return nil, wire.Fatalf(wire.AlertInternalError, "no cbc record protection for %v", s.id)
	}
	p, err := record.NewCBC12(cs, key, macKey, rand)
	if err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "cannot set up record protection", err)
	}
	return p, nil
}
