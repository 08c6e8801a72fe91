package handshake_test

// Our TLS 1.3 client against a scripted fake server that talks to the
// handshake directly (no record layer), so that each message can be bent.

import (
	"bytes"
	"crypto/rand"
	"slices"
	"sync"
	"testing"

	"gotls/internal/handshake"
	"gotls/internal/kex"
	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/sig"
	"gotls/internal/wire"
)

// cliLink records what the handshake asks of the engine, in order.
type cliLink struct {
	msgs   [][]byte
	events []string
}

func (l *cliLink) WriteHandshake(m []byte) {
	l.msgs = append(l.msgs, bytes.Clone(m))
	l.events = append(l.events, "msg:"+wire.HandshakeType(m[0]).String())
}
func (l *cliLink) WriteChangeCipherSpec()               { l.events = append(l.events, "ccs") }
func (l *cliLink) SetReadProtector(p record.Protector)  { l.events = append(l.events, "read keys") }
func (l *cliLink) SetWriteProtector(p record.Protector) { l.events = append(l.events, "write keys") }

// cliFake is a scripted server for one client handshake.
type cliFake struct {
	t    testing.TB
	pki  *testPKI
	conn *handshake.Conn
	link *cliLink
	ch   *msg.ClientHello
	// tr is the server's transcript; hs its handshake secret and shts
	// its handshake traffic secret, once a ServerHello was accepted.
	tr     *keysched.Transcript
	hs     keysched.HandshakeSecret
	shts   keysched.HandshakeTrafficSecret
	shHash []byte
}

var (
	cliFakePKI     *testPKI
	cliFakePKIOnce sync.Mutex
)

// newCliFake starts a client whose configuration mod may change and
// captures its ClientHello.
func newCliFake(t testing.TB, mod func(*handshake.Config)) *cliFake {
	t.Helper()
	cliFakePKIOnce.Lock()
	if cliFakePKI == nil {
		cliFakePKI = newTestPKI(t, keyECDSAP256)
	}
	cliFakePKIOnce.Unlock()
	cfg, _ := cliFakePKI.configs()
	if mod != nil {
		mod(cfg)
	}
	f := &cliFake{t: t, pki: cliFakePKI, link: &cliLink{}, tr: keysched.NewTranscript()}
	f.conn = handshake.NewConn(cfg, f.link, true)
	if err := f.conn.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	f.ch = f.lastClientHello()
	f.tr.Write(f.ch.Raw)
	return f
}

// lastClientHello parses the most recent ClientHello the client sent.
func (f *cliFake) lastClientHello() *msg.ClientHello {
	f.t.Helper()
	for i := len(f.link.msgs) - 1; i >= 0; i-- {
		if wire.HandshakeType(f.link.msgs[i][0]) == wire.HandshakeClientHello {
			m, err := msg.Parse(f.link.msgs[i], 0)
			if err != nil {
				f.t.Fatalf("client sent an unparsable ClientHello: %v", err)
			}
			return m.(*msg.ClientHello)
		}
	}
	f.t.Fatal("no ClientHello sent")
	return nil
}

// serverHello returns a valid ServerHello answering the key share for
// group and the shared secret.
func (f *cliFake) serverHello(group wire.Group) (*msg.ServerHello, []byte) {
	f.t.Helper()
	var data []byte
	for _, ks := range f.ch.KeyShares {
		if ks.Group == group {
			data = ks.Data
		}
	}
	var share, secret []byte
	if data != nil {
		var err error
		share, secret, err = kex.Respond(group, rand.Reader, data)
		if err != nil {
			f.t.Fatal(err)
		}
	}
	random := make([]byte, 32)
	rand.Read(random)
	return &msg.ServerHello{
		Version: wire.VersionTLS12, Random: random, SessionID: f.ch.SessionID,
		CipherSuite: f.ch.CipherSuites[0], SupportedVersion: wire.VersionTLS13,
		ServerShare: msg.KeyShare{Group: group, Data: share},
	}, secret
}

// helloRetry returns a HelloRetryRequest for group (0: none) with cookie.
func (f *cliFake) helloRetry(group wire.Group, cookie []byte) *msg.ServerHello {
	return &msg.ServerHello{
		Version: wire.VersionTLS12, Random: wire.HelloRetryRequestRandom[:], SessionID: f.ch.SessionID,
		CipherSuite: f.ch.CipherSuites[0], SupportedVersion: wire.VersionTLS13,
		SelectedGroup: group, Cookie: cookie,
	}
}

// feed marshals m and hands it to the client.
func (f *cliFake) feed(m msg.Message) error {
	f.t.Helper()
	raw, err := m.Marshal()
	if err != nil {
		f.t.Fatalf("marshal %T: %v", m, err)
	}
	return f.conn.Handle(raw)
}

// send feeds m, requires success and adds it to the server transcript.
func (f *cliFake) send(m msg.Message) {
	f.t.Helper()
	if err := f.feed(m); err != nil {
		f.t.Fatalf("client rejected %T: %v", m, err)
	}
	raw, _ := m.Marshal()
	f.tr.Write(raw)
}

// acceptServerHello sends a valid ServerHello for the client's first key
// share and derives the server's handshake secrets.
func (f *cliFake) acceptServerHello() {
	f.t.Helper()
	sh, secret := f.serverHello(f.ch.KeyShares[0].Group)
	suite := record.Suite13(sh.CipherSuite)
	f.tr.SetHash(suite.Hash)
	f.send(sh)
	f.hs = keysched.NewEarlySecret(suite.Hash, nil).HandshakeSecret(secret)
	f.shHash = f.tr.Sum()
	f.shts = f.hs.ServerHandshakeTrafficSecret(f.shHash)
}

// certificate returns the server's Certificate message.
func (f *cliFake) certificate() *msg.Certificate {
	return &msg.Certificate{TLS13: true, Entries: []msg.CertificateEntry{{Data: f.pki.Server.Chain[0]}}}
}

// certificateVerify signs the transcript so far with scheme.
func (f *cliFake) certificateVerify(scheme wire.SignatureScheme) *msg.CertificateVerify {
	f.t.Helper()
	signed := sig.SignedContent13(sig.ServerContext13, f.tr.Sum())
	s, err := sig.Sign(f.pki.Server.PrivateKey, scheme, rand.Reader, signed)
	if err != nil {
		f.t.Fatal(err)
	}
	return &msg.CertificateVerify{Scheme: scheme, Signature: s}
}

// finished returns the server's correct Finished.
func (f *cliFake) finished() *msg.Finished {
	h := f.tr.Hash()
	return &msg.Finished{VerifyData: keysched.FinishedMAC(h, f.shts.FinishedKey(), f.tr.Sum())}
}

// toStage drives the handshake to the state that expects stage:
// 0 ServerHello, 1 EncryptedExtensions, 2 Certificate, 3
// CertificateVerify, 4 Finished, 5 connected.
func (f *cliFake) toStage(stage int) {
	f.t.Helper()
	steps := []func(){
		f.acceptServerHello,
		func() { f.send(&msg.EncryptedExtensions{}) },
		func() { f.send(f.certificate()) },
		func() { f.send(f.certificateVerify(wire.ECDSAWithP256AndSHA256)) },
		func() { f.send(f.finished()) },
	}
	for _, step := range steps[:stage] {
		step()
	}
}

// withExtension appends an extension to the extension block of a
// marshaled message whose block starts at body offset at and runs to the
// end, fixing both length fields.
func withExtension(raw []byte, at int, typ uint16, body []byte) []byte {
	out := bytes.Clone(raw)
	ext := []byte{byte(typ >> 8), byte(typ), byte(len(body) >> 8), byte(len(body))}
	ext = append(ext, body...)
	out = append(out, ext...)
	p := msg.HeaderLen + at
	n := int(out[p])<<8 | int(out[p+1]) + len(ext)
	out[p], out[p+1] = byte(n>>8), byte(n)
	bl := len(out) - msg.HeaderLen
	out[1], out[2], out[3] = byte(bl>>16), byte(bl>>8), byte(bl)
	return out
}

func TestClientServerHelloChecks(t *testing.T) {
	tests := []struct {
		name  string
		mut   func(f *cliFake, sh *msg.ServerHello)
		alert wire.Alert
	}{
		{"legacy version 1.0", func(f *cliFake, sh *msg.ServerHello) { sh.Version = wire.VersionTLS10 }, wire.AlertIllegalParameter},
		{"no supported_versions: tls 1.2 with a tls 1.3 suite", func(f *cliFake, sh *msg.ServerHello) { sh.SupportedVersion = 0; sh.ServerShare = msg.KeyShare{} }, wire.AlertIllegalParameter},
		{"selected TLS 1.2 in supported_versions", func(f *cliFake, sh *msg.ServerHello) { sh.SupportedVersion = wire.VersionTLS12 }, wire.AlertIllegalParameter},
		{"selected unknown version", func(f *cliFake, sh *msg.ServerHello) { sh.SupportedVersion = 0x0305 }, wire.AlertIllegalParameter},
		{"session id not echoed", func(f *cliFake, sh *msg.ServerHello) { sh.SessionID = make([]byte, 32) }, wire.AlertIllegalParameter},
		{"empty session id", func(f *cliFake, sh *msg.ServerHello) { sh.SessionID = nil }, wire.AlertIllegalParameter},
		{"suite not offered", func(f *cliFake, sh *msg.ServerHello) { sh.CipherSuite = 0x1304 }, wire.AlertIllegalParameter},
		{"TLS 1.2 suite", func(f *cliFake, sh *msg.ServerHello) {
			sh.CipherSuite = wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
		}, wire.AlertIllegalParameter},
		{"compression", func(f *cliFake, sh *msg.ServerHello) { sh.CompressionMethod = 1 }, wire.AlertIllegalParameter},
		{"no key_share", func(f *cliFake, sh *msg.ServerHello) { sh.ServerShare = msg.KeyShare{} }, wire.AlertMissingExtension},
		{"key share for a group without our share", func(f *cliFake, sh *msg.ServerHello) {
			sh.ServerShare = msg.KeyShare{Group: wire.GroupSecp256r1, Data: make([]byte, 65)}
		}, wire.AlertIllegalParameter},
		{"short key share", func(f *cliFake, sh *msg.ServerHello) { sh.ServerShare.Data = sh.ServerShare.Data[:10] }, wire.AlertIllegalParameter},
		{"pre_shared_key not offered", func(f *cliFake, sh *msg.ServerHello) { sh.SelectedIdentityPresent = true }, wire.AlertUnsupportedExtension},
		{"ALPN in ServerHello", func(f *cliFake, sh *msg.ServerHello) { sh.ALPNProtocol = "h2" }, wire.AlertIllegalParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCliFake(t, nil)
			sh, _ := f.serverHello(f.ch.KeyShares[0].Group)
			tt.mut(f, sh)
			if err := f.feed(sh); alertOf(err) != tt.alert {
				t.Fatalf("error %v, want %v", err, tt.alert)
			}
		})
	}
}

func TestClientServerHelloRawExtensions(t *testing.T) {
	tests := []struct {
		name  string
		typ   uint16
		body  []byte
		alert wire.Alert
	}{
		{"unknown extension", 0x7777, []byte{1, 2}, wire.AlertUnsupportedExtension},
		{"cookie outside a retry", uint16(wire.ExtCookie), []byte{0, 1, 'c'}, wire.AlertIllegalParameter},
		{"early_data", uint16(wire.ExtEarlyData), nil, wire.AlertIllegalParameter},
		{"server_name", uint16(wire.ExtServerName), nil, wire.AlertIllegalParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCliFake(t, nil)
			sh, _ := f.serverHello(f.ch.KeyShares[0].Group)
			raw, _ := sh.Marshal()
			raw = withExtension(raw, 2+32+1+len(sh.SessionID)+2+1, tt.typ, tt.body)
			if err := f.conn.Handle(raw); alertOf(err) != tt.alert {
				t.Fatalf("error %v, want %v", err, tt.alert)
			}
		})
	}
}

func TestClientHelloRetryRequests(t *testing.T) {
	p384 := func(c *handshake.Config) {
		c.CurvePreferences = []wire.Group{wire.GroupX25519, wire.GroupSecp384r1}
	}
	tests := []struct {
		name  string
		mod   func(*handshake.Config)
		hrr   func(f *cliFake) *msg.ServerHello
		alert wire.Alert
	}{
		{"group we sent a share for", p384, func(f *cliFake) *msg.ServerHello { return f.helloRetry(wire.GroupX25519, nil) }, wire.AlertIllegalParameter},
		{"group not offered", p384, func(f *cliFake) *msg.ServerHello { return f.helloRetry(wire.GroupSecp521r1, nil) }, wire.AlertIllegalParameter},
		{"no change", p384, func(f *cliFake) *msg.ServerHello { return f.helloRetry(0, nil) }, wire.AlertIllegalParameter},
		{"suite not offered", p384, func(f *cliFake) *msg.ServerHello {
			h := f.helloRetry(wire.GroupSecp384r1, nil)
			h.CipherSuite = 0x1305
			return h
		}, wire.AlertIllegalParameter},
		{"session id not echoed", p384, func(f *cliFake) *msg.ServerHello {
			h := f.helloRetry(wire.GroupSecp384r1, nil)
			h.SessionID = nil
			return h
		}, wire.AlertIllegalParameter},
		{"without supported_versions", p384, func(f *cliFake) *msg.ServerHello {
			h := f.helloRetry(wire.GroupSecp384r1, nil)
			h.SupportedVersion = 0
			return h
		}, wire.AlertProtocolVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCliFake(t, tt.mod)
			if err := f.feed(tt.hrr(f)); alertOf(err) != tt.alert {
				t.Fatalf("error %v, want %v", err, tt.alert)
			}
		})
	}
}

// TestClientHelloRetryFlow checks the second ClientHello and what may
// follow it.
func TestClientHelloRetryFlow(t *testing.T) {
	mod := func(c *handshake.Config) {
		c.CurvePreferences = []wire.Group{wire.GroupX25519, wire.GroupSecp384r1}
	}
	t.Run("new group and cookie", func(t *testing.T) {
		f := newCliFake(t, mod)
		ch1 := f.ch
		if err := f.feed(f.helloRetry(wire.GroupSecp384r1, []byte("cookie!"))); err != nil {
			t.Fatal(err)
		}
		f.ch = f.lastClientHello()
		ch2 := f.ch
		if !bytes.Equal(ch2.Cookie, []byte("cookie!")) || len(ch2.KeyShares) != 1 || ch2.KeyShares[0].Group != wire.GroupSecp384r1 {
			t.Errorf("second ClientHello: cookie %q, shares %v", ch2.Cookie, ch2.KeyShares)
		}
		if !bytes.Equal(ch1.Random, ch2.Random) || !bytes.Equal(ch1.SessionID, ch2.SessionID) ||
			!slices.Equal(ch1.CipherSuites, ch2.CipherSuites) {
			t.Error("second ClientHello changed random, session id or suites")
		}
		want := []string{"msg:client_hello", "ccs", "msg:client_hello"}
		if !slices.Equal(f.link.events, want) {
			t.Errorf("events %q, want %q", f.link.events, want)
		}
		if err := f.feed(f.helloRetry(wire.GroupSecp384r1, nil)); alertOf(err) != wire.AlertUnexpectedMessage {
			t.Errorf("second HelloRetryRequest: %v", err)
		}
	})
	t.Run("cookie only keeps shares", func(t *testing.T) {
		f := newCliFake(t, mod)
		if err := f.feed(f.helloRetry(0, []byte("c"))); err != nil {
			t.Fatal(err)
		}
		ch2 := f.lastClientHello()
		if len(ch2.KeyShares) != 1 || !bytes.Equal(ch2.KeyShares[0].Data, f.ch.KeyShares[0].Data) {
			t.Errorf("shares changed: %v", ch2.KeyShares)
		}
	})
	afterRetry := []struct {
		name  string
		mut   func(sh *msg.ServerHello)
		alert wire.Alert
	}{
		{"changed suite", func(sh *msg.ServerHello) { sh.CipherSuite = wire.TLS_AES_256_GCM_SHA384 }, wire.AlertIllegalParameter},
		{"other group", func(sh *msg.ServerHello) {
			sh.ServerShare = msg.KeyShare{Group: wire.GroupX25519, Data: make([]byte, 32)}
		}, wire.AlertIllegalParameter},
		{"ok", func(sh *msg.ServerHello) {}, 0},
	}
	for _, tt := range afterRetry {
		t.Run("server hello after retry: "+tt.name, func(t *testing.T) {
			f := newCliFake(t, func(c *handshake.Config) {
				mod(c)
				c.CipherSuites = []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_AES_256_GCM_SHA384}
			})
			if err := f.feed(f.helloRetry(wire.GroupSecp384r1, nil)); err != nil {
				t.Fatal(err)
			}
			f.ch = f.lastClientHello()
			sh, _ := f.serverHello(wire.GroupSecp384r1)
			tt.mut(sh)
			err := f.feed(sh)
			if tt.alert == 0 && err != nil || tt.alert != 0 && alertOf(err) != tt.alert {
				t.Fatalf("error %v, want %v", err, tt.alert)
			}
		})
	}
}

func TestClientEncryptedExtensionsChecks(t *testing.T) {
	tests := []struct {
		name  string
		mod   func(*handshake.Config)
		ee    func() []byte
		alert wire.Alert
	}{
		{"early_data not offered", nil, func() []byte {
			raw, _ := (&msg.EncryptedExtensions{EarlyData: true}).Marshal()
			return raw
		}, wire.AlertUnsupportedExtension},
		{"ALPN not offered", nil, func() []byte {
			raw, _ := (&msg.EncryptedExtensions{ALPNProtocol: "h2"}).Marshal()
			return raw
		}, wire.AlertUnsupportedExtension},
		{"ALPN protocol not offered", func(c *handshake.Config) { c.NextProtos = []string{"h2"} }, func() []byte {
			raw, _ := (&msg.EncryptedExtensions{ALPNProtocol: "http/1.1"}).Marshal()
			return raw
		}, wire.AlertIllegalParameter},
		{"unknown extension", nil, func() []byte {
			raw, _ := (&msg.EncryptedExtensions{}).Marshal()
			return withExtension(raw, 0, 0x7777, nil)
		}, wire.AlertUnsupportedExtension},
		{"certificate instead", nil, func() []byte {
			raw, _ := (&msg.Certificate{TLS13: true}).Marshal()
			return raw
		}, wire.AlertUnexpectedMessage},
		{"ok with server_name ack and groups", nil, func() []byte {
			raw, _ := (&msg.EncryptedExtensions{ServerNameAck: true, SupportedGroups: []wire.Group{wire.GroupX25519}}).Marshal()
			return raw
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCliFake(t, tt.mod)
			f.toStage(1)
			err := f.conn.Handle(tt.ee())
			if tt.alert == 0 && err != nil || tt.alert != 0 && alertOf(err) != tt.alert {
				t.Fatalf("error %v, want %v", err, tt.alert)
			}
		})
	}
}

func TestClientCertificateStageChecks(t *testing.T) {
	tests := []struct {
		name  string
		stage int
		m     func(f *cliFake) msg.Message
		alert wire.Alert
	}{
		{"certificate with context", 2, func(f *cliFake) msg.Message {
			c := f.certificate()
			c.Context = []byte{1}
			return c
		}, wire.AlertDecodeError},
		{"empty certificate", 2, func(f *cliFake) msg.Message { return &msg.Certificate{TLS13: true} }, wire.AlertDecodeError},
		{"garbage certificate", 2, func(f *cliFake) msg.Message {
			return &msg.Certificate{TLS13: true, Entries: []msg.CertificateEntry{{Data: []byte("not a certificate")}}}
		}, wire.AlertBadCertificate},
		{"certificate_request with context", 2, func(f *cliFake) msg.Message {
			return &msg.CertificateRequest{TLS13: true, Context: []byte{1}, SignatureAlgorithms: []wire.SignatureScheme{wire.Ed25519}}
		}, wire.AlertDecodeError},
		{"certificate_verify too early", 2, func(f *cliFake) msg.Message {
			return &msg.CertificateVerify{Scheme: wire.Ed25519, Signature: []byte{1}}
		}, wire.AlertUnexpectedMessage},
		{"scheme not offered", 3, func(f *cliFake) msg.Message {
			return &msg.CertificateVerify{Scheme: wire.Ed448, Signature: []byte{1}}
		}, wire.AlertIllegalParameter},
		{"PKCS1 in TLS 1.3", 3, func(f *cliFake) msg.Message {
			return &msg.CertificateVerify{Scheme: wire.PKCS1WithSHA256, Signature: make([]byte, 64)}
		}, wire.AlertIllegalParameter},
		{"scheme for another key type", 3, func(f *cliFake) msg.Message {
			return &msg.CertificateVerify{Scheme: wire.PSSWithSHA256, Signature: make([]byte, 256)}
		}, wire.AlertIllegalParameter},
		{"bad signature", 3, func(f *cliFake) msg.Message {
			cv := f.certificateVerify(wire.ECDSAWithP256AndSHA256)
			cv.Signature[len(cv.Signature)-1] ^= 1
			return cv
		}, wire.AlertDecryptError},
		{"signature over the wrong transcript", 3, func(f *cliFake) msg.Message {
			f.tr.Write([]byte("extra"))
			return f.certificateVerify(wire.ECDSAWithP256AndSHA256)
		}, wire.AlertDecryptError},
		{"finished too early", 3, func(f *cliFake) msg.Message { return f.finished() }, wire.AlertUnexpectedMessage},
		{"wrong finished", 4, func(f *cliFake) msg.Message {
			fin := f.finished()
			fin.VerifyData[0] ^= 0x80
			return fin
		}, wire.AlertDecryptError},
		{"short finished", 4, func(f *cliFake) msg.Message {
			fin := f.finished()
			fin.VerifyData = fin.VerifyData[:16]
			return fin
		}, wire.AlertDecryptError},
		{"key update during handshake", 4, func(f *cliFake) msg.Message { return &msg.KeyUpdate{} }, wire.AlertUnexpectedMessage},
		{"certificate_request after handshake", 5, func(f *cliFake) msg.Message {
			return &msg.CertificateRequest{TLS13: true, SignatureAlgorithms: []wire.SignatureScheme{wire.Ed25519}}
		}, wire.AlertUnexpectedMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCliFake(t, nil)
			f.toStage(tt.stage)
			if err := f.feed(tt.m(f)); alertOf(err) != tt.alert {
				t.Fatalf("error %v, want %v", err, tt.alert)
			}
		})
	}
}

// TestClientSecondFlight checks what the client sends after a good
// server flight, with and without a CertificateRequest, and that its
// Finished is right.
func TestClientSecondFlight(t *testing.T) {
	tests := []struct {
		name     string
		request  bool
		withCert bool
		want     []string
	}{
		{"no request", false, false, []string{"msg:client_hello", "read keys", "ccs", "write keys",
			"read keys", "msg:finished", "write keys"}},
		{"request, no certificate", true, false, []string{"msg:client_hello", "read keys", "ccs", "write keys",
			"read keys", "msg:certificate", "msg:finished", "write keys"}},
		{"request, certificate", true, true, []string{"msg:client_hello", "read keys", "ccs", "write keys",
			"read keys", "msg:certificate", "msg:certificate_verify", "msg:finished", "write keys"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newCliFake(t, func(c *handshake.Config) {
				if tt.withCert {
					c.Certificates = []*handshake.Certificate{cliFakePKI.Client}
				}
			})
			f.toStage(2)
			if tt.request {
				f.send(&msg.CertificateRequest{TLS13: true, SignatureAlgorithms: []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256}})
			}
			f.send(f.certificate())
			f.send(f.certificateVerify(wire.ECDSAWithP256AndSHA256))
			f.send(f.finished())
			if !f.conn.Done() || f.conn.StateName() != "client:connected" {
				t.Fatalf("client not connected: %s", f.conn.StateName())
			}
			if !slices.Equal(f.link.events, tt.want) {
				t.Errorf("events\n got %q\nwant %q", f.link.events, tt.want)
			}
			// The client's Finished covers everything up to its last
			// message before it.
			cfin := f.clientFlight()
			chts := f.hs.ClientHandshakeTrafficSecret(f.shHash)
			want := keysched.FinishedMAC(f.tr.Hash(), chts.FinishedKey(), f.tr.Sum())
			if !bytes.Equal(cfin.VerifyData, want) {
				t.Error("client Finished is wrong")
			}
			if _, err := f.conn.ExportKeyingMaterial("x", nil, 16); err != nil {
				t.Error(err)
			}
		})
	}
}

// clientFlight adds the client's messages after the ServerHello's flight
// to the server transcript and returns the client's Finished.
func (f *cliFake) clientFlight() *msg.Finished {
	f.t.Helper()
	var fin *msg.Finished
	for _, raw := range f.link.msgs[1:] {
		m, err := msg.Parse(raw, wire.VersionTLS13)
		if err != nil {
			f.t.Fatal(err)
		}
		if ff, ok := m.(*msg.Finished); ok {
			fin = ff
			break
		}
		f.tr.Write(raw)
	}
	return fin
}

// FuzzClient13 drives the client to a stage chosen by the first byte
// (0 ServerHello ... 5 connected) and feeds it the rest as one handshake
// message: whatever the bytes, the client must fail cleanly or go on.
func FuzzClient13(f *testing.F) {
	f.Add([]byte{0, 2, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		fake := newCliFake(t, nil)
		fake.toStage(int(data[0]) % 6)
		err := fake.conn.Handle(data[1:])
		if err != nil && alertOf(err) == 0xff {
			t.Fatalf("error without an alert: %v", err)
		}
	})
}
