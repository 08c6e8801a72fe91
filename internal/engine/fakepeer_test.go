package engine_test

import (
	"crypto/rand"
	"testing"

	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/engine"
	"gotls/internal/kex"
	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/sig"
	"gotls/internal/wire"
)

// ext is one raw extension of a hand-built ClientHello.
type ext struct {
	typ  wire.ExtensionType
	body []byte
}

// rawHello is a ClientHello built byte by byte, so tests can say things
// the msg package would refuse to encode.
type rawHello struct {
	version   uint16
	sessionID []byte
	suites    []uint16
	comp      []byte
	exts      []ext
	trailing  []byte
}

// x25519Share is a fresh X25519 key share for hand-built hellos.
func x25519Share(t testing.TB) []byte {
	ks, err := kex.Generate(wire.GroupX25519, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return ks.Public()
}

func u16list(vals ...uint16) []byte {
	var b cryptobyte.Builder
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, v := range vals {
			b.AddUint16(v)
		}
	})
	return b.BytesOrPanic()
}

func keyShareBody(entries ...msg.KeyShare) []byte {
	var b cryptobyte.Builder
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, e := range entries {
			b.AddUint16(uint16(e.Group))
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(e.Data) })
		}
	})
	return b.BytesOrPanic()
}

func sniBody(name string) []byte {
	var b cryptobyte.Builder
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint8(0)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(name)) })
	})
	return b.BytesOrPanic()
}

func alpnBody(protos ...string) []byte {
	var b cryptobyte.Builder
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, p := range protos {
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(p)) })
		}
	})
	return b.BytesOrPanic()
}

// validHello returns a ClientHello our server accepts.
func validHello(t testing.TB) *rawHello {
	return &rawHello{
		version:   0x0303,
		sessionID: make([]byte, 32),
		suites:    []uint16{uint16(wire.TLS_AES_128_GCM_SHA256)},
		comp:      []byte{0},
		exts: []ext{
			{wire.ExtServerName, sniBody("localhost")},
			{wire.ExtSupportedVersions, []byte{2, 0x03, 0x04}},
			{wire.ExtSupportedGroups, u16list(uint16(wire.GroupX25519))},
			{wire.ExtSignatureAlgorithms, u16list(uint16(wire.ECDSAWithP256AndSHA256), uint16(wire.PSSWithSHA256))},
			{wire.ExtKeyShare, keyShareBody(msg.KeyShare{Group: wire.GroupX25519, Data: x25519Share(t)})},
		},
	}
}

// set replaces (or adds) extension typ.
func (h *rawHello) set(typ wire.ExtensionType, body []byte) *rawHello {
	for i := range h.exts {
		if h.exts[i].typ == typ {
			h.exts[i].body = body
			return h
		}
	}
	h.exts = append(h.exts, ext{typ, body})
	return h
}

// drop removes extension typ.
func (h *rawHello) drop(typ wire.ExtensionType) *rawHello {
	out := h.exts[:0]
	for _, e := range h.exts {
		if e.typ != typ {
			out = append(out, e)
		}
	}
	h.exts = out
	return h
}

// bytes encodes the hello as a handshake message.
func (h *rawHello) bytes() []byte {
	var b cryptobyte.Builder
	b.AddUint8(uint8(wire.HandshakeClientHello))
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16(h.version)
		b.AddBytes(make([]byte, 32))
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(h.sessionID) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, s := range h.suites {
				b.AddUint16(s)
			}
		})
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(h.comp) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, e := range h.exts {
				b.AddUint16(uint16(e.typ))
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(e.body) })
			}
		})
		b.AddBytes(h.trailing)
	})
	return b.BytesOrPanic()
}

// plainRecord frames payload as one unprotected record.
func plainRecord(typ wire.ContentType, payload []byte) []byte {
	rec := []byte{byte(typ), 3, 3, byte(len(payload) >> 8), byte(len(payload))}
	return append(rec, payload...)
}

// fakeServer is a scripted TLS 1.3 server built from the internal
// packages, so that each of its messages can be broken on purpose.
type fakeServer struct {
	t      testing.TB
	ch     *msg.ClientHello
	suite  *record.Suite
	tr     *keysched.Transcript
	cHS    keysched.HandshakeTrafficSecret
	sHS    keysched.HandshakeTrafficSecret
	wr     record.Protector
	out    []byte
	mods   serverMods
	shared []byte
}

// serverMods breaks the fake server's flight in one place.
type serverMods struct {
	sh       func(*msg.ServerHello)
	ee       func(*msg.EncryptedExtensions)
	cert     func(*msg.Certificate)
	cv       func(*msg.CertificateVerify)
	fin      func(*msg.Finished)
	flight   func(msgs [][]byte) [][]byte
	record   func(rec []byte) []byte
	skipCert bool
}

// clientHelloFrom starts a client engine and parses its ClientHello.
func clientHelloFrom(t testing.TB, cl *engine.Engine) *msg.ClientHello {
	if err := cl.Start(); err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), cl.Output()...)
	cl.Sent(len(out))
	m, err := msg.Parse(out[5:], 0)
	if err != nil {
		t.Fatalf("parse ClientHello: %v", err)
	}
	return m.(*msg.ClientHello)
}

// serverHello answers ch with a ServerHello for TLS_AES_128_GCM_SHA256
// and the client's first key share.
func (f *fakeServer) serverHello() *msg.ServerHello {
	share := f.ch.KeyShares[0]
	for _, ks := range f.ch.KeyShares {
		if ks.Group == wire.GroupX25519 {
			share = ks
		}
	}
	pub, secret, err := kex.Respond(share.Group, rand.Reader, share.Data)
	if err != nil {
		f.t.Fatal(err)
	}
	f.shared = secret
	return &msg.ServerHello{
		Version: wire.VersionTLS12, Random: make([]byte, 32), SessionID: f.ch.SessionID,
		CipherSuite: wire.TLS_AES_128_GCM_SHA256, SupportedVersion: wire.VersionTLS13,
		ServerShare: msg.KeyShare{Group: share.Group, Data: pub},
	}
}

// marshal encodes m and adds it to the transcript.
func (f *fakeServer) marshal(m msg.Message) []byte {
	b, err := m.Marshal()
	if err != nil {
		f.t.Fatal(err)
	}
	f.tr.Write(b)
	return b
}

// flight builds ServerHello and the encrypted server flight.
func (f *fakeServer) flight() []byte {
	f.suite = record.Suite13(wire.TLS_AES_128_GCM_SHA256)
	f.tr = keysched.NewTranscript()
	f.tr.SetHash(f.suite.Hash)
	f.tr.Write(f.ch.Raw)
	sh := f.serverHello()
	if f.mods.sh != nil {
		f.mods.sh(sh)
	}
	out := plainRecord(wire.ContentHandshake, f.marshal(sh))
	hs := keysched.NewEarlySecret(f.suite.Hash, nil).HandshakeSecret(f.shared)
	f.cHS = hs.ClientHandshakeTrafficSecret(f.tr.Sum())
	f.sHS = hs.ServerHandshakeTrafficSecret(f.tr.Sum())
	key, iv := f.sHS.TrafficKeys(f.suite.KeyLen)
	wr, err := record.NewAEAD13(f.suite, key, iv)
	if err != nil {
		f.t.Fatal(err)
	}
	msgs := f.encryptedMessages()
	if f.mods.flight != nil {
		msgs = f.mods.flight(msgs)
	}
	for _, m := range msgs {
		rec := wr.Seal(nil, wire.ContentHandshake, m, 0)
		if f.mods.record != nil {
			rec = f.mods.record(rec)
		}
		out = append(out, rec...)
	}
	f.wr = wr
	return out
}

// encryptedMessages builds EncryptedExtensions through Finished.
func (f *fakeServer) encryptedMessages() [][]byte {
	p := getPKI(f.t)
	ee := &msg.EncryptedExtensions{}
	if f.mods.ee != nil {
		f.mods.ee(ee)
	}
	msgs := [][]byte{f.marshal(ee)}
	if !f.mods.skipCert {
		cert := &msg.Certificate{TLS13: true, Entries: []msg.CertificateEntry{{Data: p.chain[0]}}}
		if f.mods.cert != nil {
			f.mods.cert(cert)
		}
		msgs = append(msgs, f.marshal(cert))
		content := sig.SignedContent13(sig.ServerContext13, f.tr.Sum())
		s, err := sig.Sign(p.key, wire.ECDSAWithP256AndSHA256, rand.Reader, content)
		if err != nil {
			f.t.Fatal(err)
		}
		cv := &msg.CertificateVerify{Scheme: wire.ECDSAWithP256AndSHA256, Signature: s}
		if f.mods.cv != nil {
			f.mods.cv(cv)
		}
		msgs = append(msgs, f.marshal(cv))
	}
	fin := &msg.Finished{VerifyData: keysched.FinishedMAC(f.suite.Hash, f.sHS.FinishedKey(), f.tr.Sum())}
	if f.mods.fin != nil {
		f.mods.fin(fin)
	}
	return append(msgs, f.marshal(fin))
}
