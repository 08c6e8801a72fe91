package handshake_test

// Our TLS 1.2 client against crypto/tls's server (in process over
// net.Pipe) and against our own server (engine to engine in memory).

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gotls/internal/handshake"
	"gotls/internal/keysched"
	"gotls/internal/wire"
)

// Legal TLS 1.2 client state sequences (design §4).
var (
	cliShape12ECDHE = []string{
		"client:expect ServerHello",
		"client:expect Certificate",
		"client:expect ServerKeyExchange",
		"client:expect CertificateRequest or ServerHelloDone",
		"client:expect ChangeCipherSpec",
		"client:expect Finished",
		"client:connected",
	}
	cliShape12RSA = []string{
		"client:expect ServerHello",
		"client:expect Certificate",
		"client:expect CertificateRequest or ServerHelloDone",
		"client:expect ChangeCipherSpec",
		"client:expect Finished",
		"client:connected",
	}
	cliShape12ClientAuth = []string{
		"client:expect ServerHello",
		"client:expect Certificate",
		"client:expect ServerKeyExchange",
		"client:expect CertificateRequest or ServerHelloDone",
		"client:expect ServerHelloDone",
		"client:expect ChangeCipherSpec",
		"client:expect Finished",
		"client:connected",
	}
)

// c12TLSServer is a crypto/tls server configuration for the PKI that
// speaks only TLS 1.2.
func c12TLSServer(pki *testPKI) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{tlsCertificate(pki.Server)},
		ClientCAs:    pki.CA.Pool,
		MinVersion:   tls.VersionTLS12,
		MaxVersion:   tls.VersionTLS12,
	}
}

// c12Case is one suite and server key of the cross matrix.
type c12Case struct {
	suite wire.CipherSuite
	kt    keyType
	// legacy marks suites that are off by default.
	legacy bool
}

// c12Matrix lists every TLS 1.2 AEAD suite with each key type it fits.
func c12Matrix() []c12Case {
	var out []c12Case
	for _, kt := range []keyType{keyECDSAP256, keyECDSAP384, keyEd25519} {
		for _, s := range []wire.CipherSuite{wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, wire.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256} {
			out = append(out, c12Case{suite: s, kt: kt})
		}
	}
	for _, s := range []wire.CipherSuite{wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256} {
		out = append(out, c12Case{suite: s, kt: keyRSA2048})
	}
	for _, s := range []wire.CipherSuite{wire.TLS_RSA_WITH_AES_128_GCM_SHA256, wire.TLS_RSA_WITH_AES_256_GCM_SHA384} {
		out = append(out, c12Case{suite: s, kt: keyRSA2048, legacy: true})
	}
	return out
}

func TestClient12CryptoTLSSuites(t *testing.T) {
	for _, tc := range c12Matrix() {
		t.Run(fmt.Sprintf("%s/%s", tc.suite, tc.kt), func(t *testing.T) {
			pki := c12PKI(t, tc.kt)
			ccfg, _ := pki.configs()
			ccfg.LegacyRSAKeyExchange = tc.legacy
			var ourLog, theirLog bytes.Buffer
			ccfg.KeyLog = func(label string, cr, secret []byte) { ourLog.WriteString(keysched.KeyLogLine(label, cr, secret)) }
			scfg := c12TLSServer(pki)
			scfg.CipherSuites = []uint16{uint16(tc.suite)}
			scfg.KeyLogWriter = &theirLog
			p, err, report := cliCryptoServer(t, scfg, ccfg)
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			r := <-report
			if r.err != nil {
				t.Fatalf("server: %v", r.err)
			}
			res := p.E.Handshake().Result()
			if res.Version != wire.VersionTLS12 || res.CipherSuite != tc.suite || r.state.CipherSuite != uint16(tc.suite) {
				t.Errorf("negotiated %v %v; crypto/tls %#x", res.Version, res.CipherSuite, r.state.CipherSuite)
			}
			shape := cliShape12ECDHE
			if tc.legacy {
				shape = cliShape12RSA
			}
			if got := p.E.Handshake().History(); !slices.Equal(got, shape) {
				t.Errorf("history\n got %q\nwant %q", got, shape)
			}
			if ourLog.String() != theirLog.String() || !strings.HasPrefix(ourLog.String(), "CLIENT_RANDOM ") {
				t.Errorf("key log\n ours %q\n them %q", ourLog.String(), theirLog.String())
			}
			ekm, err := p.E.Handshake().ExportKeyingMaterial("gotls cross", []byte("context"), 48)
			if err != nil || !bytes.Equal(ekm, r.exported) {
				t.Errorf("exporter %x (%v), crypto/tls %x", ekm, err, r.exported)
			}
			cliEcho(t, p, []byte("hello crypto/tls over tls 1.2"))
			cliEcho(t, p, bytes.Repeat([]byte("y"), 50000))
		})
	}
}

func TestClient12CryptoTLSGroups(t *testing.T) {
	pki := c12PKI(t, keyECDSAP256)
	for _, g := range []wire.Group{wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1} {
		t.Run(g.String(), func(t *testing.T) {
			ccfg, _ := pki.configs()
			scfg := c12TLSServer(pki)
			scfg.CurvePreferences = []tls.CurveID{tls.CurveID(g)}
			p, err, report := cliCryptoServer(t, scfg, ccfg)
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			if r := <-report; r.err != nil || r.state.CurveID != tls.CurveID(g) {
				t.Fatalf("server: %v, curve %v", r.err, r.state.CurveID)
			}
			if got := p.E.Handshake().Result().Group; got != g {
				t.Errorf("group %v", got)
			}
			cliEcho(t, p, []byte("group"))
		})
	}
}

// c12CBCCases lists the CBC-SHA suites with a key type each fits.
func c12CBCCases() []c12Case {
	return []c12Case{
		{suite: wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, kt: keyECDSAP256},
		{suite: wire.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, kt: keyECDSAP256},
		{suite: wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, kt: keyRSA2048},
		{suite: wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, kt: keyRSA2048},
		{suite: wire.TLS_RSA_WITH_AES_128_CBC_SHA, kt: keyRSA2048},
		{suite: wire.TLS_RSA_WITH_AES_256_CBC_SHA, kt: keyRSA2048},
	}
}

func TestClient12CryptoTLSCBC(t *testing.T) {
	for _, tc := range c12CBCCases() {
		t.Run(tc.suite.String(), func(t *testing.T) {
			pki := c12PKI(t, tc.kt)
			ccfg, _ := pki.configs()
			ccfg.MaxVersion = wire.VersionTLS12
			ccfg.CipherSuites = []wire.CipherSuite{tc.suite}
			if err := newPeer(ccfg, true).Err; err != nil {
				t.Skipf("CBC suite not available: %v", err)
			}
			scfg := c12TLSServer(pki)
			scfg.CipherSuites = []uint16{uint16(tc.suite)}
			p, err, report := cliCryptoServer(t, scfg, ccfg)
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			if r := <-report; r.err != nil || r.state.CipherSuite != uint16(tc.suite) {
				t.Fatalf("server: %v, suite %#x", r.err, r.state.CipherSuite)
			}
			for _, n := range []int{0, 1, 15, 16, 17, 1000, 16384, 40000} {
				cliEcho(t, p, bytes.Repeat([]byte{byte(n)}, n+1))
			}
		})
	}
}

func TestClient12CryptoTLSVersionMatrix(t *testing.T) {
	pki := c12PKI(t, keyECDSAP256)
	type span struct {
		name     string
		min, max wire.Version
	}
	spans := []span{{"1.2", wire.VersionTLS12, wire.VersionTLS12}, {"1.3", wire.VersionTLS13, wire.VersionTLS13},
		{"both", wire.VersionTLS12, wire.VersionTLS13}}
	for _, cs := range spans {
		for _, ss := range spans {
			t.Run("client "+cs.name+"/server "+ss.name, func(t *testing.T) {
				want := min(cs.max, ss.max)
				if want < max(cs.min, ss.min) {
					want = 0
				}
				ccfg, _ := pki.configs()
				ccfg.MinVersion, ccfg.MaxVersion = cs.min, cs.max
				scfg := c12TLSServer(pki)
				scfg.MinVersion, scfg.MaxVersion = uint16(ss.min), uint16(ss.max)
				p, err, report := cliCryptoServer(t, scfg, ccfg)
				r := <-report
				if want == 0 {
					if remoteAlertOf(err) != wire.AlertProtocolVersion || r.err == nil {
						t.Fatalf("client error %v, server error %v; want the server's protocol_version", err, r.err)
					}
					return
				}
				if err != nil || r.err != nil {
					t.Fatalf("client error %v, server error %v", err, r.err)
				}
				if got := p.E.Handshake().Version(); got != want || r.state.Version != uint16(want) {
					t.Fatalf("version %v, crypto/tls %#x, want %v", got, r.state.Version, want)
				}
				cliEcho(t, p, []byte("versions"))
			})
		}
	}
}

func TestClient12CryptoTLSClientAuth(t *testing.T) {
	for _, kt := range []keyType{keyECDSAP256, keyECDSAP384, keyRSA2048, keyEd25519} {
		t.Run(kt.String(), func(t *testing.T) {
			pki := c12PKI(t, keyECDSAP256)
			cert := pki.CA.issue(t, kt, leafOptions{ClientAuth: true, CommonName: "client " + kt.String()})
			ccfg, _ := pki.configs()
			ccfg.Certificates = []*handshake.Certificate{cert}
			scfg := c12TLSServer(pki)
			scfg.ClientAuth = tls.RequireAndVerifyClientCert
			p, err, report := cliCryptoServer(t, scfg, ccfg)
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			r := <-report
			if r.err != nil {
				t.Fatalf("server: %v", r.err)
			}
			if len(r.state.PeerCertificates) != 1 || r.state.PeerCertificates[0].Subject.CommonName != "client "+kt.String() {
				t.Errorf("server saw peer certificates %v", r.state.PeerCertificates)
			}
			if got := p.E.Handshake().History(); !slices.Equal(got, cliShape12ClientAuth) {
				t.Errorf("history %q", got)
			}
			cliEcho(t, p, []byte("authenticated over tls 1.2"))
		})
	}
}

func TestClient12CryptoTLSClientAuthMissing(t *testing.T) {
	pki := c12PKI(t, keyECDSAP256)
	ccfg, _ := pki.configs()
	scfg := c12TLSServer(pki)
	scfg.ClientAuth = tls.RequireAnyClientCert
	_, err, report := cliCryptoServer(t, scfg, ccfg)
	if r := <-report; r.err == nil {
		t.Fatal("crypto/tls accepted a missing client certificate")
	}
	if remoteAlertOf(err) == 0xff {
		t.Errorf("client error %v, want the server's alert", err)
	}
}

func TestClient12CryptoTLSExtensions(t *testing.T) {
	pki := c12PKI(t, keyECDSAP256)
	ccfg, _ := pki.configs()
	ccfg.NextProtos = []string{"h2", "http/1.1"}
	scfg := c12TLSServer(pki)
	scfg.NextProtos = []string{"http/1.1", "h2"}
	tc := tlsCertificate(pki.Server)
	tc.OCSPStaple = []byte("a stapled response")
	tc.SignedCertificateTimestamps = [][]byte{[]byte("sct one"), []byte("sct two")}
	scfg.Certificates = []tls.Certificate{tc}
	p, err, report := cliCryptoServer(t, scfg, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	if r := <-report; r.err != nil || r.state.NegotiatedProtocol != "http/1.1" {
		t.Fatalf("server: %v, ALPN %q", r.err, r.state.NegotiatedProtocol)
	}
	res := p.E.Handshake().Result()
	if res.NegotiatedProtocol != "http/1.1" || string(res.OCSPResponse) != "a stapled response" || len(res.SCTs) != 2 {
		t.Errorf("ALPN %q, OCSP %q, SCTs %q", res.NegotiatedProtocol, res.OCSPResponse, res.SCTs)
	}
	if !slices.Contains(p.E.Handshake().History(), "client:expect CertificateStatus") {
		t.Errorf("history %q", p.E.Handshake().History())
	}
}

func TestClient12OurServer(t *testing.T) {
	for _, tc := range c12Matrix() {
		t.Run(fmt.Sprintf("%s/%s", tc.suite, tc.kt), func(t *testing.T) {
			pki := c12PKI(t, tc.kt)
			ccfg, scfg := pki.configs()
			ccfg.LegacyRSAKeyExchange = tc.legacy
			scfg.LegacyRSAKeyExchange = tc.legacy
			scfg.MaxVersion = wire.VersionTLS12
			scfg.CipherSuites = []wire.CipherSuite{tc.suite}
			client, server := runHandshake(t, ccfg, scfg)
			mustSucceed(t, client, server)
			res := client.E.Handshake().Result()
			if res.Version != wire.VersionTLS12 || res.CipherSuite != tc.suite {
				t.Errorf("negotiated %v %v", res.Version, res.CipherSuite)
			}
			a, errA := client.E.Handshake().ExportKeyingMaterial("EXPERIMENTAL x", nil, 32)
			b, errB := server.E.Handshake().ExportKeyingMaterial("EXPERIMENTAL x", nil, 32)
			if errA != nil || errB != nil || !bytes.Equal(a, b) {
				t.Errorf("exporters %x (%v) / %x (%v)", a, errA, b, errB)
			}
			sendApp(t, client, server, []byte("ping"))
			sendApp(t, server, client, bytes.Repeat([]byte("pong"), 10000))
		})
	}
}

func TestClient12OurServerCBC(t *testing.T) {
	for _, tc := range c12CBCCases() {
		t.Run(tc.suite.String(), func(t *testing.T) {
			pki := c12PKI(t, tc.kt)
			ccfg, scfg := pki.configs()
			ccfg.CipherSuites = []wire.CipherSuite{tc.suite}
			ccfg.MaxVersion = wire.VersionTLS12
			if err := newPeer(ccfg, true).Err; err != nil {
				t.Skipf("CBC suite not available: %v", err)
			}
			scfg.CipherSuites = []wire.CipherSuite{tc.suite}
			client, server := runHandshake(t, ccfg, scfg)
			mustSucceed(t, client, server)
			if got := client.E.Handshake().Result().CipherSuite; got != tc.suite {
				t.Errorf("negotiated %v", got)
			}
			for _, n := range []int{1, 16, 17, 16384, 40000} {
				sendApp(t, client, server, bytes.Repeat([]byte{'c'}, n))
				sendApp(t, server, client, bytes.Repeat([]byte{'s'}, n))
			}
		})
	}
}

func TestClient12OurServerClientAuth(t *testing.T) {
	pki := c12PKI(t, keyRSA2048)
	ccfg, scfg := pki.configs()
	ccfg.Certificates = []*handshake.Certificate{pki.Client}
	scfg.MaxVersion = wire.VersionTLS12
	scfg.ClientAuth = handshake.RequireAndVerifyClientCert
	client, server := runHandshake(t, ccfg, scfg)
	mustSucceed(t, client, server)
	if got := client.E.Handshake().History(); !slices.Equal(got, cliShape12ClientAuth) {
		t.Errorf("history %q", got)
	}
	if len(server.E.Handshake().Result().PeerCertificates) != 1 {
		t.Error("server saw no client certificate")
	}
	sendApp(t, client, server, []byte("authenticated"))
}

func TestClient12OurServerDowngradeSentinel(t *testing.T) {
	// Our server supports TLS 1.3 and the client offers only TLS 1.2: the
	// server marks its random, which a TLS 1.2-only client ignores.
	pki := c12PKI(t, keyECDSAP256)
	ccfg, scfg := pki.configs()
	ccfg.MaxVersion = wire.VersionTLS12
	client, server := runHandshake(t, ccfg, scfg)
	mustSucceed(t, client, server)
	if v := client.E.Handshake().Version(); v != wire.VersionTLS12 {
		t.Errorf("version %v", v)
	}
}

func TestClient12HelloOffer(t *testing.T) {
	tests := []struct {
		name         string
		mod          func(*handshake.Config)
		versions     []wire.Version
		has13, has12 bool
	}{
		{"default", nil, []wire.Version{wire.VersionTLS13, wire.VersionTLS12}, true, true},
		{"1.2 only", func(c *handshake.Config) { c.MaxVersion = wire.VersionTLS12 }, nil, false, true},
		{"1.3 only", func(c *handshake.Config) { c.MinVersion = wire.VersionTLS13 }, []wire.Version{wire.VersionTLS13}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newC12Fake(t, keyECDSAP256, func(c *handshake.Config) {
				c.LegacyRSAKeyExchange = false
				if tt.mod != nil {
					tt.mod(c)
				}
			})
			ch := f.ch
			if ch.Version != wire.VersionTLS12 || !slices.Equal(ch.SupportedVersions, tt.versions) {
				t.Errorf("legacy_version %v, supported_versions %v", ch.Version, ch.SupportedVersions)
			}
			var n13, n12 int
			for _, s := range ch.CipherSuites {
				if s.IsTLS13() {
					if n12 > 0 {
						t.Errorf("TLS 1.3 suite %v after TLS 1.2 suites", s)
					}
					n13++
				} else {
					n12++
				}
			}
			if (n13 > 0) != tt.has13 || (n12 > 0) != tt.has12 || (n12 > 0 && n12 != 6) {
				t.Errorf("%d TLS 1.3 and %d TLS 1.2 suites: %v", n13, n12, ch.CipherSuites)
			}
			if ch.ExtendedMasterSecret != tt.has12 || ch.SecureRenegotiationSupported != tt.has12 || (len(ch.ECPointFormats) == 1) != tt.has12 {
				t.Errorf("EMS %v, renegotiation_info %v, point formats %v", ch.ExtendedMasterSecret, ch.SecureRenegotiationSupported, ch.ECPointFormats)
			}
			if tt.has13 != (len(ch.KeyShares) > 0) || tt.has13 != (len(ch.SessionID) == 32) || tt.has13 != (len(ch.PSKModes) > 0) {
				t.Errorf("key shares %d, session id %d bytes, psk modes %v", len(ch.KeyShares), len(ch.SessionID), ch.PSKModes)
			}
			if !tt.has13 && slices.Contains(ch.SupportedGroups, wire.GroupX25519MLKEM768) {
				t.Errorf("TLS 1.2-only offer lists %v", ch.SupportedGroups)
			}
			if tt.has12 && !slices.Contains(ch.SignatureAlgorithms, wire.PKCS1WithSHA256) {
				t.Errorf("signature algorithms %v lack PKCS #1", ch.SignatureAlgorithms)
			}
		})
	}
}

func TestClient12HelloLegacySuites(t *testing.T) {
	f := newC12Fake(t, keyECDSAP256, func(c *handshake.Config) { c.LegacyRSAKeyExchange = true })
	if !slices.Contains(f.ch.CipherSuites, wire.TLS_RSA_WITH_AES_128_GCM_SHA256) {
		t.Errorf("LegacyRSAKeyExchange: suites %v", f.ch.CipherSuites)
	}
	f = newC12Fake(t, keyECDSAP256, func(c *handshake.Config) {
		c.LegacyRSAKeyExchange = false
		c.CipherSuites = []wire.CipherSuite{wire.TLS_RSA_WITH_AES_256_GCM_SHA384, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
	})
	var tls12 []wire.CipherSuite
	for _, s := range f.ch.CipherSuites {
		if !s.IsTLS13() {
			tls12 = append(tls12, s)
		}
	}
	if len(tls12) != 2 || !slices.Contains(tls12, wire.TLS_RSA_WITH_AES_256_GCM_SHA384) {
		t.Errorf("listed suites: offered %v", tls12)
	}
}
