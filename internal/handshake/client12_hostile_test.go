package handshake_test

// Our TLS 1.2 client against a scripted fake server that talks to the
// handshake directly (no record layer), so that each message can be bent.

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"slices"
	"sync"
	"testing"

	"gotls/internal/handshake"
	"gotls/internal/kex"
	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/sig"
	"gotls/internal/wire"
)

var (
	c12PKIMu sync.Mutex
	c12PKIs  = map[keyType]*testPKI{}
)

// c12PKI returns a per-process PKI whose server leaf has a key of kind kt.
func c12PKI(t testing.TB, kt keyType) *testPKI {
	c12PKIMu.Lock()
	defer c12PKIMu.Unlock()
	if c12PKIs[kt] == nil {
		c12PKIs[kt] = newTestPKI(t, kt)
	}
	return c12PKIs[kt]
}

// c12Fake is a scripted TLS 1.2 server for one client handshake.
type c12Fake struct {
	t    testing.TB
	pki  *testPKI
	conn *handshake.Conn
	link *cliLink
	ch   *msg.ClientHello
	// tr holds every handshake message of the server's transcript.
	tr []byte
	// suite, hash and ems are what the accepted ServerHello chose.
	suite        wire.CipherSuite
	hash         crypto.Hash
	ems          bool
	serverRandom []byte
	// share is the server's ECDHE key from its ServerKeyExchange.
	share  kex.KeyShare
	master []byte
	// flight is the client's flight as received, Finished excluded.
	flight []msg.Message
	// cvSigned is what the client's CertificateVerify must sign.
	cvSigned []byte
}

// newC12Fake starts a client that allows TLS 1.2 (mod may change its
// configuration) against a server with a key of kind kt.
func newC12Fake(t testing.TB, kt keyType, mod func(*handshake.Config)) *c12Fake {
	t.Helper()
	pki := c12PKI(t, kt)
	cfg, _ := pki.configs()
	cfg.LegacyRSAKeyExchange = true
	if mod != nil {
		mod(cfg)
	}
	f := &c12Fake{t: t, pki: pki, link: &cliLink{}}
	f.conn = handshake.NewConn(cfg, f.link, true)
	if err := f.conn.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	m, err := msg.Parse(f.link.msgs[0], 0)
	if err != nil {
		t.Fatalf("client sent an unparsable ClientHello: %v", err)
	}
	f.ch = m.(*msg.ClientHello)
	f.tr = bytes.Clone(f.ch.Raw)
	return f
}

// serverHello returns a valid TLS 1.2 ServerHello for suite.
func (f *c12Fake) serverHello(suite wire.CipherSuite) *msg.ServerHello {
	random := make([]byte, 32)
	rand.Read(random)
	sessionID := make([]byte, 32)
	rand.Read(sessionID)
	return &msg.ServerHello{
		Version: wire.VersionTLS12, Random: random, SessionID: sessionID, CipherSuite: suite,
		ExtendedMasterSecret: true, SecureRenegotiationSupported: true, ECPointFormats: []uint8{0},
	}
}

// feed marshals m and hands it to the client.
func (f *c12Fake) feed(m msg.Message) error {
	f.t.Helper()
	raw, err := m.Marshal()
	if err != nil {
		f.t.Fatalf("marshal %T: %v", m, err)
	}
	return f.conn.Handle(raw)
}

// send feeds m, requires success and adds it to the server transcript.
func (f *c12Fake) send(m msg.Message) {
	f.t.Helper()
	if err := f.feed(m); err != nil {
		f.t.Fatalf("client rejected %T: %v", m, err)
	}
	raw, _ := m.Marshal()
	f.tr = append(f.tr, raw...)
	if sh, ok := m.(*msg.ServerHello); ok {
		f.suite, f.ems, f.serverRandom = sh.CipherSuite, sh.ExtendedMasterSecret, sh.Random
		f.hash = crypto.SHA256
		if slices.Contains([]wire.CipherSuite{wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, wire.TLS_RSA_WITH_AES_256_GCM_SHA384}, sh.CipherSuite) {
			f.hash = crypto.SHA384
		}
	}
}

// certificate returns the server's TLS 1.2 Certificate.
func (f *c12Fake) certificate() *msg.Certificate {
	return &msg.Certificate{Entries: []msg.CertificateEntry{{Data: f.pki.Server.Chain[0]}}}
}

// ske returns a ServerKeyExchange for a fresh key on group, signed with
// scheme. It keeps the key for the client's ClientKeyExchange.
func (f *c12Fake) ske(group wire.Group, scheme wire.SignatureScheme) *msg.ServerKeyExchange {
	f.t.Helper()
	share, err := kex.Generate(group, rand.Reader)
	if err != nil {
		f.t.Fatal(err)
	}
	f.share = share
	return f.signedSKE(msg.ECDHEParams{CurveType: msg.CurveTypeNamedCurve, Group: group, Public: share.Public(), Scheme: scheme})
}

// signedSKE signs p with the server key and encodes it.
func (f *c12Fake) signedSKE(p msg.ECDHEParams) *msg.ServerKeyExchange {
	f.t.Helper()
	signed := append(append(slices.Clone(f.ch.Random), f.serverRandom...), p.SignedParams()...)
	var err error
	if p.Signature, err = sig.Sign(f.pki.Server.PrivateKey, p.Scheme, rand.Reader, signed); err != nil {
		f.t.Fatal(err)
	}
	body, err := msg.MarshalECDHEParams(p, true)
	if err != nil {
		f.t.Fatal(err)
	}
	return &msg.ServerKeyExchange{Body: body}
}

// defaultScheme is the scheme the fake signs its ServerKeyExchange with.
func (f *c12Fake) defaultScheme() wire.SignatureScheme {
	s, err := sig.Select(f.pki.Server.PrivateKey.Public(), f.ch.SignatureAlgorithms, wire.VersionTLS12)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// defaultSuite is the suite the fake picks for its key type.
func (f *c12Fake) defaultSuite() wire.CipherSuite {
	if _, ok := f.pki.Server.PrivateKey.Public().(*rsa.PublicKey); ok {
		return wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	}
	return wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
}

// toStage drives the handshake with the default suite to the state that
// expects stage: 0 ServerHello, 1 Certificate, 2 ServerKeyExchange, 3
// ServerHelloDone, 4 change_cipher_spec, 5 Finished, 6 connected.
func (f *c12Fake) toStage(stage int) {
	f.t.Helper()
	steps := []func(){
		func() { f.send(f.serverHello(f.defaultSuite())) },
		func() { f.send(f.certificate()) },
		func() { f.send(f.ske(wire.GroupX25519, f.defaultScheme())) },
		func() { f.send(&msg.ServerHelloDone{}); f.readFlight() },
		func() { f.ccs() },
		func() { f.send(f.finished()) },
	}
	for _, step := range steps[:stage] {
		step()
	}
}

// ccs delivers the server's change_cipher_spec and requires success.
func (f *c12Fake) ccs() {
	f.t.Helper()
	if err := f.conn.ChangeCipherSpec(); err != nil {
		f.t.Fatalf("client rejected change_cipher_spec: %v", err)
	}
}

// sum hashes the server transcript with the suite's PRF hash.
func (f *c12Fake) sum() []byte {
	h := f.hash.New()
	h.Write(f.tr)
	return h.Sum(nil)
}

// readFlight parses the client's flight after ServerHelloDone, derives
// the master secret as a server would and checks the client's Finished.
func (f *c12Fake) readFlight() {
	f.t.Helper()
	var preMaster []byte
	for _, raw := range f.link.msgs[1:] {
		m, err := msg.Parse(raw, wire.VersionTLS12)
		if err != nil {
			f.t.Fatalf("client sent an unparsable message: %v", err)
		}
		if fin, ok := m.(*msg.Finished); ok {
			want := keysched.FinishedVerifyData12(f.hash, f.master, true, f.sum())
			if !bytes.Equal(fin.VerifyData, want) {
				f.t.Fatalf("client Finished is wrong")
			}
			f.tr = append(f.tr, raw...)
			return
		}
		if _, ok := m.(*msg.CertificateVerify); ok {
			f.cvSigned = bytes.Clone(f.tr)
		}
		f.tr = append(f.tr, raw...)
		f.flight = append(f.flight, m)
		if cke, ok := m.(*msg.ClientKeyExchange); ok {
			preMaster = f.preMaster(cke)
			f.master = keysched.MasterSecret12(f.hash, preMaster, f.ch.Random, f.serverRandom)
			if f.ems {
				f.master = keysched.ExtendedMasterSecret12(f.hash, preMaster, f.sum())
			}
		}
	}
	f.t.Fatal("client sent no Finished")
}

// preMaster recovers the pre-master secret from a ClientKeyExchange.
func (f *c12Fake) preMaster(cke *msg.ClientKeyExchange) []byte {
	f.t.Helper()
	if f.share == nil {
		ct, err := cke.RSAEncryptedPreMasterSecret()
		if err != nil {
			f.t.Fatal(err)
		}
		pm, err := kex.DecryptPreMaster(rand.Reader, f.pki.Server.PrivateKey.(*rsa.PrivateKey), ct, wire.VersionTLS12)
		if err != nil {
			f.t.Fatal(err)
		}
		return pm
	}
	pub, err := cke.ECDHEPublic()
	if err != nil {
		f.t.Fatal(err)
	}
	pm, err := f.share.Complete(pub)
	if err != nil {
		f.t.Fatal(err)
	}
	return pm
}

// finished returns the server's correct Finished.
func (f *c12Fake) finished() *msg.Finished {
	return &msg.Finished{VerifyData: keysched.FinishedVerifyData12(f.hash, f.master, false, f.sum())}
}

func TestClient12ServerHelloChecks(t *testing.T) {
	max12 := func(c *handshake.Config) { c.MaxVersion = wire.VersionTLS12 }
	tests := []struct {
		name  string
		mod   func(*handshake.Config)
		mut   func(f *c12Fake, sh *msg.ServerHello)
		alert wire.Alert // 0: accepted
	}{
		{"valid", nil, func(f *c12Fake, sh *msg.ServerHello) {}, 0},
		{"downgrade sentinel TLS 1.2", nil, func(f *c12Fake, sh *msg.ServerHello) { copy(sh.Random[24:], wire.DowngradeTLS12[:]) }, wire.AlertIllegalParameter},
		{"downgrade sentinel TLS 1.1", nil, func(f *c12Fake, sh *msg.ServerHello) { copy(sh.Random[24:], wire.DowngradeTLS11[:]) }, wire.AlertIllegalParameter},
		{"sentinel with max TLS 1.2", max12, func(f *c12Fake, sh *msg.ServerHello) { copy(sh.Random[24:], wire.DowngradeTLS12[:]) }, 0},
		{"TLS 1.1", nil, func(f *c12Fake, sh *msg.ServerHello) { sh.Version = wire.VersionTLS11 }, wire.AlertProtocolVersion},
		{"legacy version 1.3", nil, func(f *c12Fake, sh *msg.ServerHello) { sh.Version = wire.VersionTLS13 }, wire.AlertProtocolVersion},
		{"TLS 1.2 below MinVersion", func(c *handshake.Config) { c.MinVersion = wire.VersionTLS13 },
			func(f *c12Fake, sh *msg.ServerHello) {}, wire.AlertProtocolVersion},
		{"suite not enabled", nil, func(f *c12Fake, sh *msg.ServerHello) { sh.CipherSuite = wire.TLS_RSA_WITH_AES_128_CBC_SHA }, wire.AlertIllegalParameter},
		{"legacy suite not enabled", func(c *handshake.Config) { c.LegacyRSAKeyExchange = false },
			func(f *c12Fake, sh *msg.ServerHello) { sh.CipherSuite = wire.TLS_RSA_WITH_AES_128_GCM_SHA256 }, wire.AlertIllegalParameter},
		{"TLS 1.3 suite", nil, func(f *c12Fake, sh *msg.ServerHello) { sh.CipherSuite = wire.TLS_AES_128_GCM_SHA256 }, wire.AlertIllegalParameter},
		{"SCSV as suite", nil, func(f *c12Fake, sh *msg.ServerHello) { sh.CipherSuite = wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV }, wire.AlertIllegalParameter},
		{"compression", nil, func(f *c12Fake, sh *msg.ServerHello) { sh.CompressionMethod = 1 }, wire.AlertIllegalParameter},
		{"no extended master secret", nil, func(f *c12Fake, sh *msg.ServerHello) { sh.ExtendedMasterSecret = false }, wire.AlertHandshakeFailure},
		{"no extended master secret allowed", func(c *handshake.Config) { c.InsecureAllowNoExtendedMasterSecret = true },
			func(f *c12Fake, sh *msg.ServerHello) { sh.ExtendedMasterSecret = false }, 0},
		{"renegotiation_info not empty", nil, func(f *c12Fake, sh *msg.ServerHello) { sh.SecureRenegotiation = []byte{1, 2} }, wire.AlertHandshakeFailure},
		{"no renegotiation_info", nil, func(f *c12Fake, sh *msg.ServerHello) { sh.SecureRenegotiationSupported = false }, 0},
		{"no uncompressed points", nil, func(f *c12Fake, sh *msg.ServerHello) { sh.ECPointFormats = []uint8{1} }, wire.AlertIllegalParameter},
		{"ALPN not offered", nil, func(f *c12Fake, sh *msg.ServerHello) { sh.ALPNProtocol = "h2" }, wire.AlertUnsupportedExtension},
		{"ALPN protocol not offered", func(c *handshake.Config) { c.NextProtos = []string{"h2"} },
			func(f *c12Fake, sh *msg.ServerHello) { sh.ALPNProtocol = "http/1.1" }, wire.AlertIllegalParameter},
		{"session_ticket not offered", nil, func(f *c12Fake, sh *msg.ServerHello) { sh.TicketSupported = true }, wire.AlertUnsupportedExtension},
		{"echoes the compatibility session id", nil, func(f *c12Fake, sh *msg.ServerHello) { sh.SessionID = f.ch.SessionID }, wire.AlertIllegalParameter},
		{"key_share in TLS 1.2", nil, func(f *c12Fake, sh *msg.ServerHello) {
			sh.ServerShare = msg.KeyShare{Group: wire.GroupX25519, Data: make([]byte, 32)}
		}, wire.AlertIllegalParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newC12Fake(t, keyECDSAP256, tt.mod)
			sh := f.serverHello(wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
			tt.mut(f, sh)
			err := f.feed(sh)
			if tt.alert == 0 {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if got := f.conn.Version(); got != wire.VersionTLS12 {
					t.Errorf("version %v", got)
				}
				return
			}
			if alertOf(err) != tt.alert {
				t.Fatalf("error %v, want %v", err, tt.alert)
			}
		})
	}
}

func TestClient12UnknownExtension(t *testing.T) {
	f := newC12Fake(t, keyECDSAP256, nil)
	sh := f.serverHello(wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
	raw, _ := sh.Marshal()
	raw = withExtension(raw, 2+32+1+len(sh.SessionID)+2+1, 0x7777, []byte{1})
	if err := f.conn.Handle(raw); alertOf(err) != wire.AlertUnsupportedExtension {
		t.Fatalf("error %v, want unsupported_extension", err)
	}
}

// TestServerHelloSupportedGroups checks that supported_groups, which some
// TLS 1.2 servers echo, is ignored in a TLS 1.2 ServerHello (RFC 5246,
// Section 7.4.1.4: the client sent it) and refused in TLS 1.3 (RFC 8446,
// Section 4.2).
func TestServerHelloSupportedGroups(t *testing.T) {
	groups := []byte{0, 2, 0, 29}
	for _, v := range []wire.Version{wire.VersionTLS12, wire.VersionTLS13} {
		t.Run(v.String(), func(t *testing.T) {
			var conn *handshake.Conn
			var sh *msg.ServerHello
			if v == wire.VersionTLS12 {
				f := newC12Fake(t, keyECDSAP256, nil)
				conn, sh = f.conn, f.serverHello(wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
			} else {
				f := newCliFake(t, nil)
				conn = f.conn
				sh, _ = f.serverHello(f.ch.KeyShares[0].Group)
			}
			raw, err := sh.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			raw = withExtension(raw, 2+32+1+len(sh.SessionID)+2+1, uint16(wire.ExtSupportedGroups), groups)
			err = conn.Handle(raw)
			if v == wire.VersionTLS12 {
				if err != nil || conn.Version() != wire.VersionTLS12 {
					t.Fatalf("TLS 1.2 server_hello with supported_groups: %v", err)
				}
				return
			}
			if alertOf(err) != wire.AlertIllegalParameter {
				t.Fatalf("error %v, want illegal_parameter", err)
			}
		})
	}
}

func TestClient12AfterHelloRetry(t *testing.T) {
	f := newCliFake(t, func(c *handshake.Config) {
		c.CurvePreferences = []wire.Group{wire.GroupX25519, wire.GroupSecp384r1}
	})
	if err := f.feed(f.helloRetry(wire.GroupSecp384r1, nil)); err != nil {
		t.Fatal(err)
	}
	sh := &msg.ServerHello{Version: wire.VersionTLS12, Random: make([]byte, 32),
		CipherSuite: wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, ExtendedMasterSecret: true}
	if err := f.feed(sh); alertOf(err) != wire.AlertIllegalParameter {
		t.Fatalf("error %v, want illegal_parameter", err)
	}
}

func TestClient12CertificateChecks(t *testing.T) {
	tests := []struct {
		name  string
		kt    keyType
		suite wire.CipherSuite
		mod   func(*handshake.Config)
		cert  func(f *c12Fake) msg.Message
		alert wire.Alert
	}{
		{"empty", keyECDSAP256, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, nil,
			func(f *c12Fake) msg.Message { return &msg.Certificate{} }, wire.AlertDecodeError},
		{"RSA key for ECDSA suite", keyRSA2048, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, nil,
			func(f *c12Fake) msg.Message { return f.certificate() }, wire.AlertIllegalParameter},
		{"ECDSA key for RSA suite", keyECDSAP256, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, nil,
			func(f *c12Fake) msg.Message { return f.certificate() }, wire.AlertIllegalParameter},
		{"ECDSA key for RSA key transport", keyECDSAP256, wire.TLS_RSA_WITH_AES_128_GCM_SHA256, nil,
			func(f *c12Fake) msg.Message { return f.certificate() }, wire.AlertIllegalParameter},
		{"ECDSA curve not in supported_groups", keyECDSAP256, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			func(c *handshake.Config) { c.CurvePreferences = []wire.Group{wire.GroupSecp384r1} },
			func(f *c12Fake) msg.Message { return f.certificate() }, wire.AlertIllegalParameter},
		{"ECDSA curve in supported_groups", keyECDSAP384, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			func(c *handshake.Config) { c.CurvePreferences = []wire.Group{wire.GroupSecp384r1} },
			func(f *c12Fake) msg.Message { return f.certificate() }, 0},
		{"unknown CA", keyECDSAP256, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			func(c *handshake.Config) { c.RootCAs = newTestCA(t, keyECDSAP256, "other").Pool },
			func(f *c12Fake) msg.Message { return f.certificate() }, wire.AlertUnknownCA},
		{"ServerHelloDone instead", keyECDSAP256, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, nil,
			func(f *c12Fake) msg.Message { return &msg.ServerHelloDone{} }, wire.AlertUnexpectedMessage},
		{"TLS 1.3 Certificate form", keyECDSAP256, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, nil,
			func(f *c12Fake) msg.Message {
				return &msg.Certificate{TLS13: true, Entries: []msg.CertificateEntry{{Data: f.pki.Server.Chain[0]}}}
			}, wire.AlertDecodeError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newC12Fake(t, tt.kt, tt.mod)
			f.send(f.serverHello(tt.suite))
			err := f.feed(tt.cert(f))
			if tt.alert == 0 {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if alertOf(err) != tt.alert {
				t.Fatalf("error %v, want %v", err, tt.alert)
			}
		})
	}
}

func TestClient12ServerKeyExchangeChecks(t *testing.T) {
	tests := []struct {
		name  string
		mod   func(*handshake.Config)
		ske   func(f *c12Fake) msg.Message
		alert wire.Alert
	}{
		{"P-256", nil, func(f *c12Fake) msg.Message { return f.ske(wire.GroupSecp256r1, f.defaultScheme()) }, 0},
		{"P-521", nil, func(f *c12Fake) msg.Message { return f.ske(wire.GroupSecp521r1, wire.ECDSAWithP384AndSHA384) }, 0},
		{"hybrid group", nil, func(f *c12Fake) msg.Message {
			return f.signedSKE(msg.ECDHEParams{CurveType: msg.CurveTypeNamedCurve, Group: wire.GroupX25519MLKEM768,
				Public: make([]byte, 32), Scheme: f.defaultScheme()})
		}, wire.AlertIllegalParameter},
		{"group not offered", func(c *handshake.Config) { c.CurvePreferences = []wire.Group{wire.GroupX25519, wire.GroupSecp256r1} },
			func(f *c12Fake) msg.Message { return f.ske(wire.GroupSecp384r1, f.defaultScheme()) }, wire.AlertIllegalParameter},
		{"scheme not offered", nil, func(f *c12Fake) msg.Message {
			m := f.ske(wire.GroupX25519, wire.ECDSAWithP256AndSHA256)
			m.Body[len(m.Body)-len(f.lastSignature(m))-4] ^= 0xff // 0x0403 → 0xfb03
			return m
		}, wire.AlertIllegalParameter},
		{"SHA-1 scheme", nil, func(f *c12Fake) msg.Message {
			m := f.ske(wire.GroupX25519, wire.ECDSAWithP256AndSHA256)
			n := len(m.Body) - len(f.lastSignature(m)) - 4
			m.Body[n], m.Body[n+1] = byte(wire.ECDSAWithSHA1>>8), byte(wire.ECDSAWithSHA1&0xff)
			return m
		}, wire.AlertIllegalParameter},
		{"PSS scheme with ECDSA key", nil, func(f *c12Fake) msg.Message {
			m := f.ske(wire.GroupX25519, wire.ECDSAWithP256AndSHA256)
			n := len(m.Body) - len(f.lastSignature(m)) - 4
			m.Body[n], m.Body[n+1] = byte(wire.PSSWithSHA256>>8), byte(wire.PSSWithSHA256&0xff)
			return m
		}, wire.AlertIllegalParameter},
		{"bad signature", nil, func(f *c12Fake) msg.Message {
			m := f.ske(wire.GroupX25519, wire.ECDSAWithP256AndSHA256)
			m.Body[5] ^= 1 // inside the public key: the signature no longer covers it
			return m
		}, wire.AlertDecryptError},
		{"invalid point", nil, func(f *c12Fake) msg.Message {
			return f.signedSKE(msg.ECDHEParams{CurveType: msg.CurveTypeNamedCurve, Group: wire.GroupSecp256r1,
				Public: bytes.Repeat([]byte{4}, 65), Scheme: f.defaultScheme()})
		}, wire.AlertIllegalParameter},
		{"explicit curve", nil, func(f *c12Fake) msg.Message { return &msg.ServerKeyExchange{Body: []byte{1, 0, 0}} }, wire.AlertIllegalParameter},
		{"truncated", nil, func(f *c12Fake) msg.Message { return &msg.ServerKeyExchange{Body: []byte{3, 0, 29, 5}} }, wire.AlertDecodeError},
		{"ServerHelloDone instead", nil, func(f *c12Fake) msg.Message { return &msg.ServerHelloDone{} }, wire.AlertUnexpectedMessage},
		{"CertificateStatus without stapling", nil, func(f *c12Fake) msg.Message {
			return &msg.CertificateStatus{Response: []byte{1}}
		}, wire.AlertUnexpectedMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newC12Fake(t, keyECDSAP256, tt.mod)
			f.toStage(2)
			err := f.feed(tt.ske(f))
			if tt.alert == 0 {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if alertOf(err) != tt.alert {
				t.Fatalf("error %v, want %v", err, tt.alert)
			}
		})
	}
}

// lastSignature returns the signature at the end of an ECDHE
// ServerKeyExchange body.
func (f *c12Fake) lastSignature(m *msg.ServerKeyExchange) []byte {
	p, err := msg.ParseECDHEParams(m.Body, true)
	if err != nil {
		f.t.Fatal(err)
	}
	return p.Signature
}

func TestClient12RSAKeyTransport(t *testing.T) {
	f := newC12Fake(t, keyRSA2048, nil)
	f.send(f.serverHello(wire.TLS_RSA_WITH_AES_256_GCM_SHA384))
	f.send(f.certificate())
	// RSA key transport has no ServerKeyExchange.
	ske := f.signedSKE(msg.ECDHEParams{CurveType: msg.CurveTypeNamedCurve, Group: wire.GroupX25519,
		Public: make([]byte, 32), Scheme: wire.PSSWithSHA256})
	if err := f.feed(ske); alertOf(err) != wire.AlertUnexpectedMessage {
		t.Fatalf("ServerKeyExchange for RSA: error %v, want unexpected_message", err)
	}

	f = newC12Fake(t, keyRSA2048, nil)
	f.send(f.serverHello(wire.TLS_RSA_WITH_AES_256_GCM_SHA384))
	f.send(f.certificate())
	f.send(&msg.ServerHelloDone{})
	f.readFlight()
	f.ccs()
	f.send(f.finished())
	if !f.conn.Done() {
		t.Fatal("handshake not done")
	}
	r := f.conn.Result()
	if r.CipherSuite != wire.TLS_RSA_WITH_AES_256_GCM_SHA384 || r.Group != 0 || r.SignatureScheme != 0 {
		t.Errorf("result %v / %v / %v", r.CipherSuite, r.Group, r.SignatureScheme)
	}
	want := []string{"client:expect ServerHello", "client:expect Certificate",
		"client:expect CertificateRequest or ServerHelloDone", "client:expect ChangeCipherSpec",
		"client:expect Finished", "client:connected"}
	if got := f.conn.History(); !slices.Equal(got, want) {
		t.Errorf("history\n got %q\nwant %q", got, want)
	}
}

func TestClient12FullHandshake(t *testing.T) {
	var lines []string
	f := newC12Fake(t, keyECDSAP256, func(c *handshake.Config) {
		c.KeyLog = func(label string, cr, secret []byte) { lines = append(lines, keysched.KeyLogLine(label, cr, secret)) }
	})
	f.toStage(4)
	want := []string{"msg:client_hello", "msg:client_key_exchange", "ccs", "write keys", "msg:finished"}
	if !slices.Equal(f.link.events, want) {
		t.Errorf("link events\n got %q\nwant %q", f.link.events, want)
	}
	f.ccs()
	if got := f.link.events[len(f.link.events)-1]; got != "read keys" {
		t.Errorf("last link event %q after change_cipher_spec", got)
	}
	f.send(f.finished())
	if !f.conn.Done() || f.conn.StateName() != "client:connected" {
		t.Fatalf("state %s, done %v", f.conn.StateName(), f.conn.Done())
	}
	if len(lines) != 1 || lines[0] != keysched.KeyLogLine(keysched.LabelTLS12, f.ch.Random, f.master) {
		t.Errorf("key log %q", lines)
	}
	r := f.conn.Result()
	if r.Version != wire.VersionTLS12 || r.Group != wire.GroupX25519 || r.SignatureScheme != wire.ECDSAWithP256AndSHA256 {
		t.Errorf("result %v %v %v", r.Version, r.Group, r.SignatureScheme)
	}
	ekm, err := f.conn.ExportKeyingMaterial("label", nil, 20)
	if want := keysched.Export12(f.hash, f.master, f.ch.Random, f.serverRandom, "label", nil, 20); err != nil || !bytes.Equal(ekm, want) {
		t.Errorf("exporter %x, %v; want %x", ekm, err, want)
	}
}

func TestClient12WithoutExtendedMasterSecret(t *testing.T) {
	f := newC12Fake(t, keyECDSAP256, func(c *handshake.Config) { c.InsecureAllowNoExtendedMasterSecret = true })
	sh := f.serverHello(f.defaultSuite())
	sh.ExtendedMasterSecret = false
	f.send(sh)
	f.toStageFrom(1, 6)
	if !f.conn.Done() {
		t.Fatal("handshake not done")
	}
	if _, err := f.conn.ExportKeyingMaterial("label", nil, 20); err == nil {
		t.Error("exporter available without extended master secret")
	}
}

// toStageFrom runs the steps of toStage from stage from up to stage to.
func (f *c12Fake) toStageFrom(from, to int) {
	f.t.Helper()
	for stage := from; stage < to; stage++ {
		switch stage {
		case 1:
			f.send(f.certificate())
		case 2:
			f.send(f.ske(wire.GroupX25519, f.defaultScheme()))
		case 3:
			f.send(&msg.ServerHelloDone{})
			f.readFlight()
		case 4:
			f.ccs()
		case 5:
			f.send(f.finished())
		}
	}
}

func TestClient12CertificateStatus(t *testing.T) {
	for _, staple := range []bool{true, false} {
		f := newC12Fake(t, keyECDSAP256, nil)
		sh := f.serverHello(f.defaultSuite())
		sh.OCSPStapling = true
		sh.SCTs = [][]byte{[]byte("sct")}
		f.send(sh)
		f.send(f.certificate())
		if staple {
			f.send(&msg.CertificateStatus{Response: []byte("ocsp")})
			if err := f.feed(&msg.CertificateStatus{Response: []byte("ocsp")}); alertOf(err) != wire.AlertUnexpectedMessage {
				t.Fatalf("second CertificateStatus: %v", err)
			}
			continue
		}
		f.toStageFrom(2, 6)
		r := f.conn.Result()
		if !f.conn.Done() || r.OCSPResponse != nil || len(r.SCTs) != 1 {
			t.Errorf("done %v, OCSP %q, SCTs %q", f.conn.Done(), r.OCSPResponse, r.SCTs)
		}
	}
	f := newC12Fake(t, keyECDSAP256, nil)
	sh := f.serverHello(f.defaultSuite())
	sh.OCSPStapling = true
	f.send(sh)
	f.send(f.certificate())
	f.send(&msg.CertificateStatus{Response: []byte("ocsp")})
	f.toStageFrom(2, 6)
	if got := f.conn.Result().OCSPResponse; string(got) != "ocsp" {
		t.Errorf("OCSP response %q", got)
	}
	if got := f.conn.History(); !slices.Contains(got, "client:expect CertificateStatus") {
		t.Errorf("history %q", got)
	}
}

func TestClient12ClientAuth(t *testing.T) {
	pki := c12PKI(t, keyECDSAP256)
	rsaCert := pki.CA.issue(t, keyRSA2048, leafOptions{ClientAuth: true, CommonName: "rsa client"})
	tests := []struct {
		name  string
		certs []*handshake.Certificate
		types []uint8
		want  string // "" for an empty Certificate
	}{
		{"ECDSA", []*handshake.Certificate{pki.Client}, []uint8{1, 64}, "test client"},
		{"RSA", []*handshake.Certificate{pki.Client, rsaCert}, []uint8{1}, "rsa client"},
		{"type not accepted", []*handshake.Certificate{pki.Client}, []uint8{1}, ""},
		{"none configured", nil, []uint8{1, 64}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newC12Fake(t, keyECDSAP256, func(c *handshake.Config) { c.Certificates = tt.certs })
			f.toStage(3)
			f.send(&msg.CertificateRequest{CertificateTypes: tt.types,
				SignatureAlgorithms: []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256, wire.PSSWithSHA256, wire.PKCS1WithSHA256}})
			share := f.share
			if err := f.feed(f.ske(wire.GroupX25519, f.defaultScheme())); alertOf(err) != wire.AlertUnexpectedMessage {
				t.Fatalf("ServerKeyExchange after CertificateRequest: %v", err)
			}
			f.share = share
			f.send(&msg.ServerHelloDone{})
			f.readFlight()
			f.checkClientCertificate(tt.want)
			f.ccs()
			f.send(f.finished())
			if !f.conn.Done() {
				t.Fatal("not done")
			}
		})
	}
}

// checkClientCertificate checks the client's Certificate (want is the
// leaf's common name, "" for none) and its CertificateVerify.
func (f *c12Fake) checkClientCertificate(want string) {
	f.t.Helper()
	var cert *msg.Certificate
	var cv *msg.CertificateVerify
	for _, m := range f.flight {
		switch m := m.(type) {
		case *msg.Certificate:
			cert = m
		case *msg.CertificateVerify:
			cv = m
		}
	}
	if cert == nil {
		f.t.Fatal("client sent no Certificate")
	}
	if want == "" {
		if len(cert.Entries) != 0 || cv != nil {
			f.t.Fatalf("client sent %d certificates (CertificateVerify: %v)", len(cert.Entries), cv != nil)
		}
		return
	}
	if len(cert.Entries) == 0 || cv == nil {
		f.t.Fatalf("client sent %d certificates (CertificateVerify: %v)", len(cert.Entries), cv != nil)
	}
	leaf, err := x509.ParseCertificate(cert.Entries[0].Data)
	if err != nil || leaf.Subject.CommonName != want {
		f.t.Fatalf("client leaf %v, %v; want %q", leaf.Subject, err, want)
	}
	if err := sig.Verify(wire.VersionTLS12, leaf.PublicKey, cv.Scheme, f.cvSigned, cv.Signature); err != nil {
		f.t.Fatalf("client CertificateVerify: %v", err)
	}
}

func TestClient12VerifyConnectionBeforeFlight(t *testing.T) {
	f := newC12Fake(t, keyECDSAP256, func(c *handshake.Config) {
		c.VerifyConnection = func(r *handshake.Result) error {
			if r.Version != wire.VersionTLS12 || r.Group != wire.GroupX25519 || len(r.PeerCertificates) != 1 {
				t.Errorf("VerifyConnection sees %v %v %d", r.Version, r.Group, len(r.PeerCertificates))
			}
			return wire.Fatalf(wire.AlertAccessDenied, "no")
		}
	})
	f.toStage(3)
	if err := f.feed(&msg.ServerHelloDone{}); alertOf(err) != wire.AlertAccessDenied {
		t.Fatalf("error %v", err)
	}
	if len(f.link.msgs) != 1 {
		t.Errorf("client sent %d messages after a failed VerifyConnection", len(f.link.msgs)-1)
	}
}

func TestClient12ChangeCipherSpecAndFinished(t *testing.T) {
	tests := []struct {
		name  string
		stage int
		act   func(f *c12Fake) error
		alert wire.Alert
	}{
		{"CCS before ServerHello", 0, func(f *c12Fake) error { return f.conn.ChangeCipherSpec() }, wire.AlertUnexpectedMessage},
		{"CCS before ServerHelloDone", 3, func(f *c12Fake) error { return f.conn.ChangeCipherSpec() }, wire.AlertUnexpectedMessage},
		{"Finished before CCS", 4, func(f *c12Fake) error { return f.feed(f.finished()) }, wire.AlertUnexpectedMessage},
		{"NewSessionTicket before CCS", 4, func(f *c12Fake) error {
			return f.feed(&msg.NewSessionTicket{Lifetime: 1, Ticket: []byte("t")})
		}, wire.AlertUnexpectedMessage},
		{"second CCS", 5, func(f *c12Fake) error { return f.conn.ChangeCipherSpec() }, wire.AlertUnexpectedMessage},
		{"wrong Finished", 5, func(f *c12Fake) error {
			fin := f.finished()
			fin.VerifyData[0] ^= 1
			return f.feed(fin)
		}, wire.AlertDecryptError},
		{"short Finished", 5, func(f *c12Fake) error { return f.feed(&msg.Finished{VerifyData: make([]byte, 11)}) }, wire.AlertDecryptError},
		{"HelloRequest when connected", 6, func(f *c12Fake) error { return f.feed(&msg.HelloRequest{}) }, wire.AlertNoRenegotiation},
		{"HelloRequest during the handshake", 2, func(f *c12Fake) error { return f.feed(&msg.HelloRequest{}) }, wire.AlertUnexpectedMessage},
		{"ServerHelloDone when connected", 6, func(f *c12Fake) error { return f.feed(&msg.ServerHelloDone{}) }, wire.AlertUnexpectedMessage},
		{"CCS when connected", 6, func(f *c12Fake) error { return f.conn.ChangeCipherSpec() }, wire.AlertUnexpectedMessage},
		{"KeyUpdate when connected", 6, func(f *c12Fake) error { return f.feed(&msg.KeyUpdate{}) }, wire.AlertUnexpectedMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newC12Fake(t, keyECDSAP256, nil)
			f.toStage(tt.stage)
			if err := tt.act(f); alertOf(err) != tt.alert {
				t.Fatalf("error %v, want %v", err, tt.alert)
			}
		})
	}
}

// FuzzClient12 drives the TLS 1.2 client to a stage chosen by the first
// byte (0 ServerHello ... 6 connected) and feeds it the rest as one
// handshake message, or as a change_cipher_spec when the rest is empty:
// whatever the bytes, the client must fail cleanly or go on.
func FuzzClient12(f *testing.F) {
	f.Add([]byte{0, 2, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		fake := newC12Fake(t, keyECDSAP256, func(c *handshake.Config) { c.MaxVersion = wire.VersionTLS12 })
		fake.toStage(int(data[0]) % 7)
		var err error
		if len(data) == 1 {
			err = fake.conn.ChangeCipherSpec()
		} else {
			err = fake.conn.Handle(data[1:])
		}
		if err != nil && alertOf(err) == 0xff {
			t.Fatalf("error without an alert: %v", err)
		}
	})
}
