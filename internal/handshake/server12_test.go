//go:debug tlsrsakex=1

package handshake_test

// Our TLS 1.2 server against crypto/tls's client, in process over
// net.Pipe. The go:debug line lets crypto/tls offer the TLS_RSA_* suites,
// which Go disables by default.

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"gotls/internal/handshake"
	"gotls/internal/wire"
)

// s12ClientConfig returns a crypto/tls client configuration for TLS 1.2
// only that trusts ca and dials "localhost".
func s12ClientConfig(ca *testCA) *tls.Config {
	return &tls.Config{
		RootCAs:    ca.Pool,
		ServerName: "localhost",
		MinVersion: tls.VersionTLS12,
		MaxVersion: tls.VersionTLS12,
	}
}

// s12Check checks that both sides agree on TLS 1.2, the suite and the
// group, that the exporter gives both the same bytes, and that the
// server went through the states of a full TLS 1.2 handshake.
func s12Check(t *testing.T, out srvOutcome, suite wire.CipherSuite, group wire.Group) {
	t.Helper()
	res := out.server.E.Handshake().Result()
	if out.state.Version != tls.VersionTLS12 || res.Version != wire.VersionTLS12 {
		t.Errorf("versions: client %x, server %v", out.state.Version, res.Version)
	}
	if wire.CipherSuite(out.state.CipherSuite) != suite || res.CipherSuite != suite {
		t.Errorf("suites: client %v, server %v, want %v", wire.CipherSuite(out.state.CipherSuite), res.CipherSuite, suite)
	}
	if res.Group != group || (group != 0 && wire.Group(out.state.CurveID) != group) {
		t.Errorf("groups: client %v, server %v, want %v", out.state.CurveID, res.Group, group)
	}
	ours, err := out.server.E.Handshake().ExportKeyingMaterial("gotls test", []byte("ctx"), 32)
	if err != nil || len(out.exported) != 32 || !bytes.Equal(ours, out.exported) {
		t.Errorf("exporter: ours %x (%v), client's %x", ours, err, out.exported)
	}
	want := []string{"server:expect ClientHello", "server:expect ClientKeyExchange", "server:expect ChangeCipherSpec", "server:expect Finished", "server:connected"}
	if h := out.server.E.Handshake().History(); !slices.Equal(h, want) {
		t.Errorf("history %q, want %q", h, want)
	}
}

// s12SuiteCase is one suite of the cross matrix and the certificate key
// types that serve it.
type s12SuiteCase struct {
	suite wire.CipherSuite
	keys  []keyType
	// rsaKX marks RSA key transport: no group, and the server needs the
	// LegacyRSAKeyExchange switch.
	rsaKX bool
	// cbc marks CBC-SHA suites, which need the LegacyCBCSuites switch.
	cbc bool
}

var s12Suites = []s12SuiteCase{
	{wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, []keyType{keyECDSAP256, keyECDSAP384, keyEd25519}, false, false},
	{wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, []keyType{keyECDSAP256, keyEd25519}, false, false},
	{wire.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, []keyType{keyECDSAP256, keyEd25519}, false, false},
	{wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, []keyType{keyRSA2048}, false, false},
	{wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, []keyType{keyRSA2048}, false, false},
	{wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, []keyType{keyRSA2048}, false, false},
	{wire.TLS_RSA_WITH_AES_128_GCM_SHA256, []keyType{keyRSA2048}, true, false},
	{wire.TLS_RSA_WITH_AES_256_GCM_SHA384, []keyType{keyRSA2048}, true, false},
	{wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, []keyType{keyECDSAP256}, false, true},
	{wire.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, []keyType{keyECDSAP256}, false, true},
	{wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, []keyType{keyRSA2048}, false, true},
	{wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, []keyType{keyRSA2048}, false, true},
	{wire.TLS_RSA_WITH_AES_128_CBC_SHA, []keyType{keyRSA2048}, true, true},
	{wire.TLS_RSA_WITH_AES_256_CBC_SHA, []keyType{keyRSA2048}, true, true},
}

// certCurve12 maps ECDSA key types to their curve.
var certCurve12 = map[keyType]tls.CurveID{keyECDSAP256: tls.CurveP256, keyECDSAP384: tls.CurveP384}

func TestServer12CryptoTLSSuites(t *testing.T) {
	ca := newTestCA(t, keyECDSAP256, "tls12 root")
	certs := map[keyType]*handshake.Certificate{}
	for _, kt := range []keyType{keyECDSAP256, keyECDSAP384, keyRSA2048, keyEd25519} {
		certs[kt] = ca.issue(t, kt, leafOptions{CommonName: "localhost"})
	}
	for _, sc := range s12Suites {
		for _, kt := range sc.keys {
			groups := []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384}
			if sc.rsaKX {
				groups = []tls.CurveID{tls.X25519}
			}
			for _, group := range groups {
				t.Run(fmt.Sprintf("%v/%v/%v", sc.suite, kt, group), func(t *testing.T) {
					t.Parallel()
					ccfg := s12ClientConfig(ca)
					ccfg.CipherSuites = []uint16{uint16(sc.suite)}
					ccfg.CurvePreferences = []tls.CurveID{group}
					if c, ok := certCurve12[kt]; ok && c != group {
						// RFC 8422, Section 5.1: the client's groups also
						// bound the curve of the server's ECDSA key.
						ccfg.CurvePreferences = append(ccfg.CurvePreferences, c)
					}
					scfg := &handshake.Config{Certificates: []*handshake.Certificate{certs[kt]}, LegacyRSAKeyExchange: sc.rsaKX, LegacyCBCSuites: sc.cbc,
						CurvePreferences: []wire.Group{wire.Group(group)}}
					out := srvCryptoClient(t, ccfg, scfg)
					srvMustSucceed(t, out)
					want := wire.Group(group)
					if sc.rsaKX {
						want = 0
					}
					s12Check(t, out, sc.suite, want)
				})
			}
		}
	}
}

func TestServer12LegacySuitesOffByDefault(t *testing.T) {
	pki := newTestPKI(t, keyRSA2048)
	tests := []struct {
		name      string
		server    func(*handshake.Config)
		wantAlert wire.Alert
	}{
		{"default", func(*handshake.Config) {}, wire.AlertHandshakeFailure},
		{"switch on", func(s *handshake.Config) { s.LegacyRSAKeyExchange = true }, 0},
		{"listed explicitly", func(s *handshake.Config) {
			s.CipherSuites = []wire.CipherSuite{wire.TLS_RSA_WITH_AES_128_GCM_SHA256}
		}, 0},
		{"other suites listed", func(s *handshake.Config) {
			s.CipherSuites = []wire.CipherSuite{wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
			s.LegacyRSAKeyExchange = true
		}, wire.AlertHandshakeFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg := s12ClientConfig(pki.CA)
			ccfg.CipherSuites = []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256}
			_, scfg := pki.configs()
			tt.server(scfg)
			out := srvCryptoClient(t, ccfg, scfg)
			if tt.wantAlert == 0 {
				srvMustSucceed(t, out)
				s12Check(t, out, wire.TLS_RSA_WITH_AES_128_GCM_SHA256, 0)
				return
			}
			if got := alertOf(out.serverErr); got != tt.wantAlert {
				t.Fatalf("server error %v, want alert %v", out.serverErr, tt.wantAlert)
			}
		})
	}
}

func TestServer12VersionMatrix(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	const v12, v13 = tls.VersionTLS12, tls.VersionTLS13
	tests := []struct {
		clientMin, clientMax uint16
		serverMin, serverMax wire.Version
		want                 uint16 // 0: the handshake fails with protocol_version
	}{
		{v12, v12, 0, 0, v12},
		{v12, v13, 0, 0, v13},
		{v13, v13, 0, 0, v13},
		{v12, v12, wire.VersionTLS12, wire.VersionTLS12, v12},
		{v12, v13, wire.VersionTLS12, wire.VersionTLS12, v12},
		{v13, v13, wire.VersionTLS12, wire.VersionTLS12, 0},
		{v12, v12, wire.VersionTLS13, 0, 0},
		{v12, v13, wire.VersionTLS13, 0, v13},
		{tls.VersionTLS10, tls.VersionTLS11, 0, 0, 0},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("client %x-%x server %v-%v", tt.clientMin, tt.clientMax, tt.serverMin, tt.serverMax)
		t.Run(name, func(t *testing.T) {
			ccfg := s12ClientConfig(pki.CA)
			ccfg.MinVersion, ccfg.MaxVersion = tt.clientMin, tt.clientMax
			_, scfg := pki.configs()
			scfg.MinVersion, scfg.MaxVersion = tt.serverMin, tt.serverMax
			out := srvCryptoClient(t, ccfg, scfg)
			if tt.want == 0 {
				if got := alertOf(out.serverErr); got != wire.AlertProtocolVersion {
					t.Fatalf("server error %v, want protocol_version", out.serverErr)
				}
				return
			}
			srvMustSucceed(t, out)
			if out.state.Version != tt.want || uint16(out.server.E.Handshake().Version()) != tt.want {
				t.Fatalf("versions: client %x, server %v, want %x", out.state.Version, out.server.E.Handshake().Version(), tt.want)
			}
		})
	}
}

func TestServer12ClientAuth(t *testing.T) {
	ca := newTestCA(t, keyECDSAP256, "client auth root")
	server := ca.issue(t, keyECDSAP256, leafOptions{CommonName: "localhost"})
	clientCerts := map[keyType]*handshake.Certificate{}
	for _, kt := range []keyType{keyECDSAP256, keyRSA2048, keyEd25519} {
		clientCerts[kt] = ca.issue(t, kt, leafOptions{ClientAuth: true, CommonName: "client " + kt.String()})
	}
	other := newTestCA(t, keyECDSAP256, "other root").issue(t, keyECDSAP256, leafOptions{ClientAuth: true})
	tests := []struct {
		name      string
		policy    handshake.ClientAuthType
		cert      *handshake.Certificate
		wantAlert wire.Alert
	}{
		{"require and verify ecdsa", handshake.RequireAndVerifyClientCert, clientCerts[keyECDSAP256], 0},
		{"require and verify rsa", handshake.RequireAndVerifyClientCert, clientCerts[keyRSA2048], 0},
		{"require and verify ed25519", handshake.RequireAndVerifyClientCert, clientCerts[keyEd25519], 0},
		{"require and verify, none", handshake.RequireAndVerifyClientCert, nil, wire.AlertHandshakeFailure},
		{"require and verify, unknown ca", handshake.RequireAndVerifyClientCert, other, wire.AlertUnknownCA},
		{"require any, unknown ca", handshake.RequireAnyClientCert, other, 0},
		{"verify if given, none", handshake.VerifyClientCertIfGiven, nil, 0},
		{"request, none", handshake.RequestClientCert, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg := s12ClientConfig(ca)
			if tt.cert != nil {
				// Send it whatever the acceptable CAs are: crypto/tls would
				// otherwise withhold a certificate from another CA.
				tc := tlsCertificate(tt.cert)
				ccfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &tc, nil }
			}
			scfg := &handshake.Config{Certificates: []*handshake.Certificate{server}, ClientCAs: ca.Pool, ClientAuth: tt.policy}
			out := srvCryptoClient(t, ccfg, scfg)
			if tt.wantAlert != 0 {
				if got := alertOf(out.serverErr); got != tt.wantAlert {
					t.Fatalf("server error %v, want alert %v", out.serverErr, tt.wantAlert)
				}
				return
			}
			srvMustSucceed(t, out)
			s12CheckClientAuth(t, out, tt.cert)
		})
	}
}

// s12CheckClientAuth checks the server's view of the client certificate
// and the states it went through.
func s12CheckClientAuth(t *testing.T, out srvOutcome, cert *handshake.Certificate) {
	t.Helper()
	hc := out.server.E.Handshake()
	res := hc.Result()
	want := []string{"server:expect ClientHello", "server:expect Certificate", "server:expect ClientKeyExchange"}
	if cert == nil {
		if len(res.PeerCertificates) != 0 {
			t.Errorf("peer certificates recorded without a client certificate")
		}
	} else {
		if len(res.PeerCertificates) == 0 || !bytes.Equal(res.PeerCertificates[0].Raw, cert.Chain[0]) {
			t.Errorf("client certificate not recorded")
		}
		if res.SignatureScheme == 0 {
			t.Errorf("client signature scheme not recorded")
		}
		want = append(want, "server:expect CertificateVerify")
	}
	want = append(want, "server:expect ChangeCipherSpec", "server:expect Finished", "server:connected")
	if h := hc.History(); !slices.Equal(h, want) {
		t.Errorf("history %q, want %q", h, want)
	}
}

func TestServer12ALPNAndSNI(t *testing.T) {
	ca := newTestCA(t, keyECDSAP256, "alpn root")
	a := ca.issue(t, keyECDSAP256, leafOptions{DNSNames: []string{"a.test"}, CommonName: "a"})
	b := ca.issue(t, keyRSA2048, leafOptions{DNSNames: []string{"b.test"}, CommonName: "b"})
	tests := []struct {
		name, serverName string
		clientProtos     []string
		wantProto        string
		wantCert         *handshake.Certificate
		wantAlert        wire.Alert
	}{
		{"h2 to a", "a.test", []string{"h2", "http/1.1"}, "h2", a, 0},
		{"http/1.1 to b", "b.test", []string{"http/1.1"}, "http/1.1", b, 0},
		{"no alpn", "b.test", nil, "", b, 0},
		{"alpn mismatch", "a.test", []string{"spdy/3"}, "", nil, wire.AlertNoApplicationProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg := s12ClientConfig(ca)
			ccfg.ServerName, ccfg.NextProtos = tt.serverName, tt.clientProtos
			scfg := &handshake.Config{Certificates: []*handshake.Certificate{a, b}, NextProtos: []string{"h2", "http/1.1"}}
			out := srvCryptoClient(t, ccfg, scfg)
			if tt.wantAlert != 0 {
				if got := alertOf(out.serverErr); got != tt.wantAlert {
					t.Fatalf("server error %v, want alert %v", out.serverErr, tt.wantAlert)
				}
				return
			}
			srvMustSucceed(t, out)
			if out.state.NegotiatedProtocol != tt.wantProto || out.server.E.Handshake().Result().NegotiatedProtocol != tt.wantProto {
				t.Errorf("protocol: client %q, server %q, want %q", out.state.NegotiatedProtocol,
					out.server.E.Handshake().Result().NegotiatedProtocol, tt.wantProto)
			}
			if !bytes.Equal(out.state.PeerCertificates[0].Raw, tt.wantCert.Chain[0]) {
				t.Errorf("server presented %s", out.state.PeerCertificates[0].Subject)
			}
		})
	}
}

func TestServer12KeyLogMatchesCryptoTLS(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	var clientLog bytes.Buffer
	ccfg := s12ClientConfig(pki.CA)
	ccfg.KeyLogWriter = &clientLog
	_, scfg := pki.configs()
	var mu sync.Mutex
	var lines []string
	scfg.KeyLog = func(label string, clientRandom, secret []byte) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf("%s %x %x\n", label, clientRandom, secret))
	}
	out := srvCryptoClient(t, ccfg, scfg)
	srvMustSucceed(t, out)
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "CLIENT_RANDOM ") {
		t.Fatalf("server key log %q", lines)
	}
	if !strings.Contains(clientLog.String(), lines[0]) {
		t.Fatalf("server key log %q not in client's %q", lines[0], clientLog.String())
	}
}

func TestServer12VerifyConnectionAndStaple(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	staple := []byte("not really an ocsp response")
	cert := *pki.Server
	cert.OCSPStaple = staple
	var seen *handshake.Result
	scfg := &handshake.Config{
		Certificates: []*handshake.Certificate{&cert},
		VerifyConnection: func(r *handshake.Result) error {
			seen = r
			return nil
		},
	}
	out := srvCryptoClient(t, s12ClientConfig(pki.CA), scfg)
	srvMustSucceed(t, out)
	if !bytes.Equal(out.state.OCSPResponse, staple) {
		t.Errorf("client got OCSP response %q", out.state.OCSPResponse)
	}
	if seen == nil || seen.Version != wire.VersionTLS12 || seen.ServerName != "localhost" {
		t.Errorf("VerifyConnection saw %+v", seen)
	}
	scfg.VerifyConnection = func(*handshake.Result) error { return fmt.Errorf("rejected") }
	out = srvCryptoClient(t, s12ClientConfig(pki.CA), scfg)
	if got := alertOf(out.serverErr); got != wire.AlertBadCertificate {
		t.Fatalf("server error %v, want bad_certificate", out.serverErr)
	}
}
