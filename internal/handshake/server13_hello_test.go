package handshake_test

// ClientHello handling of the TLS 1.3 server, driven by hand-built
// ClientHellos fed to a server engine.

import (
	"bytes"
	"crypto/rand"
	"slices"
	"strings"
	"testing"

	"gotls/internal/engine"
	"gotls/internal/handshake"
	"gotls/internal/kex"
	"gotls/internal/msg"
	"gotls/internal/wire"
)

// srvRecord frames a handshake message as one plaintext record.
func srvRecord(typ wire.ContentType, body []byte) []byte {
	rec := []byte{byte(typ), 3, 1, byte(len(body) >> 8), byte(len(body))}
	return append(rec, body...)
}

// srvRecords splits framed records into (type, body) pairs.
func srvRecords(t testing.TB, b []byte) (types []wire.ContentType, bodies [][]byte) {
	t.Helper()
	for len(b) > 0 {
		if len(b) < 5 {
			t.Fatalf("truncated record header")
		}
		n := int(b[3])<<8 | int(b[4])
		if len(b) < 5+n {
			t.Fatalf("truncated record")
		}
		types = append(types, wire.ContentType(b[0]))
		bodies = append(bodies, b[5:5+n])
		b = b[5+n:]
	}
	return types, bodies
}

// srvShare makes a client key share entry for g.
func srvShare(t testing.TB, g wire.Group) msg.KeyShare {
	t.Helper()
	ks, err := kex.Generate(g, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return msg.KeyShare{Group: g, Data: ks.Public()}
}

// srvRandom returns n random bytes.
func srvRandom(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// srvHello returns a valid TLS 1.3 ClientHello with an X25519 share.
func srvHello(t testing.TB) *msg.ClientHello {
	return &msg.ClientHello{
		Version:             wire.VersionTLS12,
		Random:              srvRandom(32),
		SessionID:           srvRandom(32),
		CipherSuites:        []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_AES_256_GCM_SHA384, wire.TLS_CHACHA20_POLY1305_SHA256},
		CompressionMethods:  []uint8{0},
		ServerName:          "localhost",
		SupportedGroups:     []wire.Group{wire.GroupX25519, wire.GroupSecp256r1},
		SignatureAlgorithms: []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256, wire.PSSWithSHA256, wire.Ed25519},
		SupportedVersions:   []wire.Version{wire.VersionTLS13},
		KeyShares:           []msg.KeyShare{srvShare(t, wire.GroupX25519)},
		PSKModes:            []wire.PSKKeyExchangeMode{wire.PSKModeDHEKE},
	}
}

// srvFeedHello starts a server engine with cfg and feeds it ch.
func srvFeedHello(t testing.TB, cfg *handshake.Config, ch *msg.ClientHello) (*engine.Engine, error) {
	t.Helper()
	e := engine.New(cfg, false)
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	return e, srvFeedMessage(t, e, ch)
}

// srvFeedMessage marshals m and feeds it to e in a plaintext record.
func srvFeedMessage(t testing.TB, e *engine.Engine, m msg.Message) error {
	t.Helper()
	raw, err := m.Marshal()
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	_, err = e.Feed(srvRecord(wire.ContentHandshake, raw))
	return err
}

func TestServerClientHelloChecks(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	tests := []struct {
		name      string
		edit      func(*msg.ClientHello)
		wantAlert wire.Alert // 0: the server answers with its flight
	}{
		{"valid", func(*msg.ClientHello) {}, 0},
		{"legacy version tls 1.0 with supported_versions", func(ch *msg.ClientHello) { ch.Version = wire.VersionTLS10 }, 0},
		{"unknown versions ignored", func(ch *msg.ClientHello) { ch.SupportedVersions = []wire.Version{0x7f1c, wire.VersionTLS13, 0x0a0a} }, 0},
		{"unknown groups and suites ignored", func(ch *msg.ClientHello) {
			ch.SupportedGroups = append([]wire.Group{0x0a0a}, ch.SupportedGroups...)
			ch.CipherSuites = append([]wire.CipherSuite{0x0a0a}, ch.CipherSuites...)
		}, 0},
		{"legacy version ssl 3.0", func(ch *msg.ClientHello) { ch.Version = wire.VersionSSL30 }, wire.AlertProtocolVersion},
		{"no supported_versions", func(ch *msg.ClientHello) { ch.SupportedVersions = nil }, wire.AlertProtocolVersion},
		{"only tls 1.2 offered", func(ch *msg.ClientHello) { ch.SupportedVersions = []wire.Version{wire.VersionTLS12} }, wire.AlertProtocolVersion},
		{"compression offered", func(ch *msg.ClientHello) { ch.CompressionMethods = []uint8{1, 0} }, wire.AlertIllegalParameter},
		{"share for unlisted group", func(ch *msg.ClientHello) { ch.SupportedGroups = []wire.Group{wire.GroupSecp256r1} }, wire.AlertIllegalParameter},
		{"two shares for one group", func(ch *msg.ClientHello) { ch.KeyShares = append(ch.KeyShares, srvShare(t, wire.GroupX25519)) }, wire.AlertIllegalParameter},
		{"bad share", func(ch *msg.ClientHello) { ch.KeyShares[0].Data = ch.KeyShares[0].Data[:31] }, wire.AlertIllegalParameter},
		{"no signature_algorithms", func(ch *msg.ClientHello) { ch.SignatureAlgorithms = nil }, wire.AlertMissingExtension},
		{"key_share without supported_groups", func(ch *msg.ClientHello) { ch.SupportedGroups = nil }, wire.AlertMissingExtension},
		{"supported_groups without key_share", func(ch *msg.ClientHello) { ch.KeyShares = nil }, wire.AlertMissingExtension},
		{"no common suite", func(ch *msg.ClientHello) {
			ch.CipherSuites = []wire.CipherSuite{wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
		}, wire.AlertHandshakeFailure},
		{"no common group", func(ch *msg.ClientHello) {
			ch.SupportedGroups = []wire.Group{wire.GroupFFDHE2048}
			ch.KeyShares = []msg.KeyShare{}
		}, wire.AlertHandshakeFailure},
		{"no usable signature scheme", func(ch *msg.ClientHello) { ch.SignatureAlgorithms = []wire.SignatureScheme{wire.Ed25519} }, wire.AlertHandshakeFailure},
		{"renegotiation info", func(ch *msg.ClientHello) { ch.SecureRenegotiationSupported, ch.SecureRenegotiation = true, []byte{1} }, wire.AlertHandshakeFailure},
		{"alpn mismatch", func(ch *msg.ClientHello) { ch.ALPNProtocols = []string{"h2"} }, wire.AlertNoApplicationProtocol},
		{"early data declined", func(ch *msg.ClientHello) { ch.EarlyData = true }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, scfg := pki.configs()
			scfg.NextProtos = []string{"http/1.1"}
			// These are TLS 1.3 checks: a server that could fall back to
			// TLS 1.2 would answer the version cases with its TLS 1.2 path.
			scfg.MinVersion = wire.VersionTLS13
			ch := srvHello(t)
			tt.edit(ch)
			e, err := srvFeedHello(t, scfg, ch)
			if tt.wantAlert != 0 {
				if got := alertOf(err); got != tt.wantAlert {
					t.Fatalf("error %v, want alert %v", err, tt.wantAlert)
				}
				return
			}
			if err != nil {
				t.Fatalf("server failed: %v", err)
			}
			if got := e.Handshake().StateName(); got != "server:expect Finished" {
				t.Errorf("state %q after the flight", got)
			}
			types, _ := srvRecords(t, e.Output())
			if len(types) < 3 || types[0] != wire.ContentHandshake || types[1] != wire.ContentChangeCipherSpec {
				t.Errorf("flight record types %v, want ServerHello, CCS, protected records", types)
			}
		})
	}
}

// srvRetry feeds a ClientHello that forces a HelloRetryRequest to a
// server preferring P-256 and returns the engine, the first ClientHello
// and the HelloRetryRequest.
func srvRetry(t *testing.T, pki *testPKI) (*engine.Engine, *msg.ClientHello, *msg.ServerHello) {
	t.Helper()
	_, scfg := pki.configs()
	scfg.CurvePreferences = []wire.Group{wire.GroupSecp256r1}
	ch1 := srvHello(t)
	e, err := srvFeedHello(t, scfg, ch1)
	if err != nil {
		t.Fatalf("first client hello: %v", err)
	}
	types, bodies := srvRecords(t, e.Output())
	if len(types) != 2 || types[0] != wire.ContentHandshake || types[1] != wire.ContentChangeCipherSpec {
		t.Fatalf("retry records %v, want HelloRetryRequest and CCS", types)
	}
	e.Sent(len(e.Output()))
	m, err := msg.Parse(bodies[0], 0)
	if err != nil {
		t.Fatalf("parse hello retry request: %v", err)
	}
	hrr, ok := m.(*msg.ServerHello)
	if !ok || !hrr.IsHelloRetryRequest() {
		t.Fatalf("got %T, want a HelloRetryRequest", m)
	}
	if hrr.SelectedGroup != wire.GroupSecp256r1 || len(hrr.Cookie) == 0 || hrr.SupportedVersion != wire.VersionTLS13 ||
		!bytes.Equal(hrr.SessionID, ch1.SessionID) {
		t.Fatalf("hello retry request %+v", hrr)
	}
	return e, ch1, hrr
}

// srvSecondHello builds the correct answer to hrr.
func srvSecondHello(t testing.TB, ch1 *msg.ClientHello, hrr *msg.ServerHello) *msg.ClientHello {
	ch2 := *ch1
	ch2.Raw = nil
	ch2.Extensions = nil
	ch2.KeyShares = []msg.KeyShare{srvShare(t, hrr.SelectedGroup)}
	ch2.Cookie = hrr.Cookie
	return &ch2
}

func TestServerHelloRetryChecks(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	tests := []struct {
		name      string
		edit      func(ch2 *msg.ClientHello)
		wantAlert wire.Alert
	}{
		{"valid", func(*msg.ClientHello) {}, 0},
		{"no cookie", func(ch2 *msg.ClientHello) { ch2.Cookie = nil }, wire.AlertIllegalParameter},
		{"wrong cookie", func(ch2 *msg.ClientHello) {
			ch2.Cookie = bytes.Clone(ch2.Cookie)
			ch2.Cookie[0] ^= 1
		}, wire.AlertIllegalParameter},
		{"share for the old group", func(ch2 *msg.ClientHello) { ch2.KeyShares = []msg.KeyShare{srvShare(t, wire.GroupX25519)} }, wire.AlertIllegalParameter},
		{"two shares", func(ch2 *msg.ClientHello) { ch2.KeyShares = append(ch2.KeyShares, srvShare(t, wire.GroupX25519)) }, wire.AlertIllegalParameter},
		{"no share", func(ch2 *msg.ClientHello) { ch2.KeyShares = []msg.KeyShare{} }, wire.AlertIllegalParameter},
		{"bad share", func(ch2 *msg.ClientHello) { ch2.KeyShares[0].Data = ch2.KeyShares[0].Data[:40] }, wire.AlertIllegalParameter},
		{"early data", func(ch2 *msg.ClientHello) { ch2.EarlyData = true }, wire.AlertIllegalParameter},
		{"suite dropped", func(ch2 *msg.ClientHello) { ch2.CipherSuites = []wire.CipherSuite{wire.TLS_CHACHA20_POLY1305_SHA256} }, wire.AlertIllegalParameter},
		{"random changed", func(ch2 *msg.ClientHello) { ch2.Random = srvRandom(32) }, wire.AlertIllegalParameter},
		{"session id changed", func(ch2 *msg.ClientHello) { ch2.SessionID = srvRandom(32) }, wire.AlertIllegalParameter},
		{"server name changed", func(ch2 *msg.ClientHello) { ch2.ServerName = "example.test" }, wire.AlertIllegalParameter},
		{"groups changed", func(ch2 *msg.ClientHello) {
			ch2.SupportedGroups = []wire.Group{wire.GroupSecp256r1}
		}, wire.AlertIllegalParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ch1, hrr := srvRetry(t, pki)
			ch2 := srvSecondHello(t, ch1, hrr)
			tt.edit(ch2)
			err := srvFeedMessage(t, e, ch2)
			if tt.wantAlert != 0 {
				if got := alertOf(err); got != tt.wantAlert {
					t.Fatalf("error %v, want alert %v", err, tt.wantAlert)
				}
				return
			}
			if err != nil {
				t.Fatalf("second client hello: %v", err)
			}
			want := []string{"server:expect ClientHello", "server:expect ClientHello (retry)", "server:expect Finished"}
			if h := e.Handshake().History(); !slices.Equal(h, want) {
				t.Errorf("history %q, want %q", h, want)
			}
			types, _ := srvRecords(t, e.Output())
			if slices.Contains(types, wire.ContentChangeCipherSpec) {
				t.Errorf("a second change_cipher_spec after the retry: %v", types)
			}
			if !e.Handshake().Result().HelloRetry {
				t.Errorf("Result.HelloRetry not set")
			}
		})
	}
}

func TestServerUnexpectedMessages(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	t.Run("finished first", func(t *testing.T) {
		_, scfg := pki.configs()
		e := engine.New(scfg, false)
		if err := e.Start(); err != nil {
			t.Fatal(err)
		}
		err := srvFeedMessage(t, e, &msg.Finished{VerifyData: make([]byte, 32)})
		if got := alertOf(err); got != wire.AlertUnexpectedMessage {
			t.Fatalf("error %v, want unexpected_message", err)
		}
	})
	t.Run("second hello is not a hello", func(t *testing.T) {
		e, _, _ := srvRetry(t, pki)
		err := srvFeedMessage(t, e, &msg.Finished{VerifyData: make([]byte, 32)})
		if got := alertOf(err); got != wire.AlertUnexpectedMessage {
			t.Fatalf("error %v, want unexpected_message", err)
		}
	})
}

func TestServerSkipRejectedEarlyData(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	_, scfg := pki.configs()
	ch := srvHello(t)
	ch.EarlyData = true
	e, err := srvFeedHello(t, scfg, ch)
	if err != nil {
		t.Fatal(err)
	}
	hs := e.Handshake()
	skip := func(h interface{ SkipRejectedEarlyData(int) (bool, error) }, n int) (bool, error) {
		return h.SkipRejectedEarlyData(n)
	}
	if ok1, _ := skip(hs, 1000); !ok1 {
		t.Fatalf("server does not skip declined early data")
	}
	if ok, err := skip(hs, 1<<20); ok || err == nil || !strings.Contains(err.Error(), "too much skipped early data") {
		t.Fatalf("server skips beyond its allowance: %v %v", ok, err)
	}
	if ok, err := skip(hs, 10); ok || err != nil {
		t.Fatalf("allowance not cleared after it was exceeded: %v %v", ok, err)
	}
	hs.StopSkippingEarlyData()

	e2, err := srvFeedHello(t, scfg, srvHello(t))
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := skip(e2.Handshake(), 10); ok {
		t.Fatalf("server skips records although no early data was offered")
	}
}
