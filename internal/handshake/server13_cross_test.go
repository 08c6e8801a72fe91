package handshake_test

// Our TLS 1.3 server against crypto/tls's client, in process over
// net.Pipe.

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"gotls/internal/engine"
	"gotls/internal/handshake"
	"gotls/internal/wire"
)

var (
	srvPing = []byte("ping from the crypto/tls client")
	srvPong = []byte("pong from the gotls server")
)

// srvOutcome is what happened on both ends of one connection.
type srvOutcome struct {
	state     tls.ConnectionState
	clientErr error
	server    *netPeer
	serverErr error
	// exported is the client's keying material for label "gotls test".
	exported []byte
}

// srvCryptoClient runs a crypto/tls client with ccfg against our server
// with scfg, exchanges a ping and a pong, and reports both sides.
func srvCryptoClient(t *testing.T, ccfg *tls.Config, scfg *handshake.Config) srvOutcome {
	t.Helper()
	c1, c2 := net.Pipe()
	type clientResult struct {
		state    tls.ConnectionState
		exported []byte
		err      error
	}
	done := make(chan clientResult, 1)
	go func() {
		tc := tls.Client(c1, ccfg)
		tc.SetDeadline(time.Now().Add(20 * time.Second))
		defer tc.Close()
		var r clientResult
		r.err = tc.Handshake()
		if r.err == nil {
			r.state = tc.ConnectionState()
			r.exported, _ = r.state.ExportKeyingMaterial("gotls test", []byte("ctx"), 32)
			r.err = srvClientExchange(tc)
		}
		done <- r
	}()
	sp := newNetPeer(t, engine.New(scfg, false), c2)
	out := srvOutcome{server: sp}
	out.serverErr = sp.handshake()
	if out.serverErr == nil {
		out.serverErr = srvServerExchange(sp)
	}
	if out.serverErr != nil {
		c2.Close()
	}
	r := <-done
	c2.Close()
	out.state, out.clientErr, out.exported = r.state, r.err, r.exported
	return out
}

// srvClientExchange sends the ping and checks the pong on the client.
func srvClientExchange(tc *tls.Conn) error {
	if _, err := tc.Write(srvPing); err != nil {
		return err
	}
	got := make([]byte, len(srvPong))
	if _, err := io.ReadFull(tc, got); err != nil {
		return err
	}
	if !bytes.Equal(got, srvPong) {
		return fmt.Errorf("client read %q", got)
	}
	return nil
}

// srvServerExchange checks the ping and sends the pong on the server.
func srvServerExchange(sp *netPeer) error {
	got, err := sp.readN(len(srvPing))
	if err != nil {
		return err
	}
	if !bytes.Equal(got, srvPing) {
		return fmt.Errorf("server read %q", got)
	}
	return sp.write(srvPong)
}

// srvMustSucceed fails the test unless both sides succeeded.
func srvMustSucceed(t *testing.T, out srvOutcome) {
	t.Helper()
	if out.clientErr != nil || out.serverErr != nil {
		t.Fatalf("client error: %v; server error: %v", out.clientErr, out.serverErr)
	}
}

// srvClientConfig returns a crypto/tls client configuration for TLS 1.3
// that trusts ca and dials "localhost".
func srvClientConfig(ca *testCA) *tls.Config {
	return &tls.Config{
		RootCAs:    ca.Pool,
		ServerName: "localhost",
		MinVersion: tls.VersionTLS13,
		MaxVersion: tls.VersionTLS13,
	}
}

func TestServerCryptoTLSMatrix(t *testing.T) {
	suites := []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_AES_256_GCM_SHA384, wire.TLS_CHACHA20_POLY1305_SHA256}
	groups := []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384, tls.X25519MLKEM768}
	keys := []keyType{keyECDSAP256, keyRSA2048, keyEd25519}
	ca := newTestCA(t, keyECDSAP256, "matrix root")
	for _, kt := range keys {
		cert := ca.issue(t, kt, leafOptions{CommonName: "localhost"})
		for _, suite := range suites {
			for _, group := range groups {
				t.Run(fmt.Sprintf("%v/%v/%v", kt, suite, group), func(t *testing.T) {
					t.Parallel()
					ccfg := srvClientConfig(ca)
					ccfg.CurvePreferences = []tls.CurveID{group}
					scfg := &handshake.Config{Certificates: []*handshake.Certificate{cert}, CipherSuites: []wire.CipherSuite{suite}}
					out := srvCryptoClient(t, ccfg, scfg)
					srvMustSucceed(t, out)
					srvCheckAgreement(t, out, suite, wire.Group(group))
				})
			}
		}
	}
}

// srvCheckAgreement checks that both sides agree on suite and group and
// that the handshake needed no retry.
func srvCheckAgreement(t *testing.T, out srvOutcome, suite wire.CipherSuite, group wire.Group) {
	t.Helper()
	res := out.server.E.Handshake().Result()
	if out.state.Version != tls.VersionTLS13 || res.Version != wire.VersionTLS13 {
		t.Errorf("versions: client %x, server %v", out.state.Version, res.Version)
	}
	if wire.CipherSuite(out.state.CipherSuite) != suite || res.CipherSuite != suite {
		t.Errorf("suites: client %x, server %v, want %v", out.state.CipherSuite, res.CipherSuite, suite)
	}
	if wire.Group(out.state.CurveID) != group || res.Group != group {
		t.Errorf("groups: client %v, server %v, want %v", out.state.CurveID, res.Group, group)
	}
	if res.HelloRetry || out.state.HelloRetryRequest {
		t.Errorf("unexpected HelloRetryRequest")
	}
	want := []string{"server:expect ClientHello", "server:expect Finished", "server:connected"}
	if h := out.server.E.Handshake().History(); !slices.Equal(h, want) {
		t.Errorf("history %q, want %q", h, want)
	}
}

func TestServerCryptoTLSHelloRetry(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	tests := []struct {
		name         string
		clientGroups []tls.CurveID
		serverGroups []wire.Group
		want         wire.Group
	}{
		// crypto/tls ignores the order of CurvePreferences and sends a share
		// for its own favourite of the set.
		{"p256 share, server wants p384", []tls.CurveID{tls.CurveP384, tls.CurveP256}, []wire.Group{wire.GroupSecp384r1}, wire.GroupSecp384r1},
		{"x25519 share, server wants p384", []tls.CurveID{tls.X25519, tls.CurveP384}, []wire.Group{wire.GroupSecp384r1, wire.GroupX25519MLKEM768}, wire.GroupSecp384r1},
		{"hybrid share, server wants p521", []tls.CurveID{tls.X25519MLKEM768, tls.CurveP521}, []wire.Group{wire.GroupSecp521r1}, wire.GroupSecp521r1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg := srvClientConfig(pki.CA)
			ccfg.CurvePreferences = tt.clientGroups
			_, scfg := pki.configs()
			scfg.CurvePreferences = tt.serverGroups
			out := srvCryptoClient(t, ccfg, scfg)
			srvMustSucceed(t, out)
			res := out.server.E.Handshake().Result()
			if !res.HelloRetry || !out.state.HelloRetryRequest {
				t.Errorf("HelloRetry: server %t, client %t", res.HelloRetry, out.state.HelloRetryRequest)
			}
			if res.Group != tt.want || wire.Group(out.state.CurveID) != tt.want {
				t.Errorf("group: server %v, client %v, want %v", res.Group, out.state.CurveID, tt.want)
			}
			want := []string{"server:expect ClientHello", "server:expect ClientHello (retry)", "server:expect Finished", "server:connected"}
			if h := out.server.E.Handshake().History(); !slices.Equal(h, want) {
				t.Errorf("history %q, want %q", h, want)
			}
		})
	}
}

// srvClientAuthCase is one client-certificate policy test.
type srvClientAuthCase struct {
	name   string
	policy handshake.ClientAuthType
	// cert is "trusted", "untrusted" or "" (none).
	cert      string
	wantAlert wire.Alert // 0: success
	history   []string
}

func TestServerCryptoTLSClientAuth(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	other := newTestCA(t, keyECDSAP256, "unrelated root")
	untrusted := other.issue(t, keyEd25519, leafOptions{ClientAuth: true, CommonName: "stranger"})
	withCert := []string{"server:expect ClientHello", "server:expect Certificate", "server:expect CertificateVerify", "server:expect Finished", "server:connected"}
	noCert := []string{"server:expect ClientHello", "server:expect Certificate", "server:expect Finished", "server:connected"}
	plain := []string{"server:expect ClientHello", "server:expect Finished", "server:connected"}
	tests := []srvClientAuthCase{
		{"none/no cert requested", handshake.NoClientCert, "trusted", 0, plain},
		{"request/trusted", handshake.RequestClientCert, "trusted", 0, withCert},
		{"request/untrusted", handshake.RequestClientCert, "untrusted", 0, withCert},
		{"request/none", handshake.RequestClientCert, "", 0, noCert},
		{"require any/untrusted", handshake.RequireAnyClientCert, "untrusted", 0, withCert},
		{"require any/none", handshake.RequireAnyClientCert, "", wire.AlertCertificateRequired, nil},
		{"verify if given/trusted", handshake.VerifyClientCertIfGiven, "trusted", 0, withCert},
		{"verify if given/untrusted", handshake.VerifyClientCertIfGiven, "untrusted", wire.AlertUnknownCA, nil},
		{"verify if given/none", handshake.VerifyClientCertIfGiven, "", 0, noCert},
		{"require and verify/trusted", handshake.RequireAndVerifyClientCert, "trusted", 0, withCert},
		{"require and verify/untrusted", handshake.RequireAndVerifyClientCert, "untrusted", wire.AlertUnknownCA, nil},
		{"require and verify/none", handshake.RequireAndVerifyClientCert, "", wire.AlertCertificateRequired, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg := srvClientConfig(pki.CA)
			switch tt.cert {
			case "trusted":
				ccfg.Certificates = []tls.Certificate{tlsCertificate(pki.Client)}
			case "untrusted":
				ccfg.Certificates = []tls.Certificate{tlsCertificate(untrusted)}
			}
			_, scfg := pki.configs()
			scfg.ClientAuth = tt.policy
			out := srvCryptoClient(t, ccfg, scfg)
			srvCheckClientAuth(t, tt, out)
		})
	}
}

// srvCheckClientAuth checks one client-certificate outcome.
func srvCheckClientAuth(t *testing.T, tt srvClientAuthCase, out srvOutcome) {
	t.Helper()
	if tt.wantAlert != 0 {
		if got := alertOf(out.serverErr); got != tt.wantAlert {
			t.Fatalf("server error %v, want alert %v", out.serverErr, tt.wantAlert)
		}
		if out.clientErr == nil || !strings.Contains(out.clientErr.Error(), "remote error") {
			t.Errorf("client error %v, want the %v alert", out.clientErr, tt.wantAlert)
		}
		return
	}
	srvMustSucceed(t, out)
	res := out.server.E.Handshake().Result()
	wantCerts := 0
	if tt.cert != "" && tt.policy != handshake.NoClientCert {
		wantCerts = 1
	}
	if len(res.PeerCertificates) != wantCerts {
		t.Errorf("server saw %d client certificates, want %d", len(res.PeerCertificates), wantCerts)
	}
	verified := wantCerts == 1 && (tt.policy == handshake.VerifyClientCertIfGiven || tt.policy == handshake.RequireAndVerifyClientCert)
	if (len(res.VerifiedChains) > 0) != verified {
		t.Errorf("verified chains %d, want verified=%t", len(res.VerifiedChains), verified)
	}
	if wantCerts == 1 && res.SignatureScheme == 0 {
		t.Errorf("no client signature scheme recorded")
	}
	if h := out.server.E.Handshake().History(); !slices.Equal(h, tt.history) {
		t.Errorf("history %q, want %q", h, tt.history)
	}
}

func TestServerCryptoTLSCertificateSelection(t *testing.T) {
	ca := newTestCA(t, keyECDSAP256, "sni root")
	certA := ca.issue(t, keyECDSAP256, leafOptions{DNSNames: []string{"a.test"}, CommonName: "a.test"})
	certB := ca.issue(t, keyEd25519, leafOptions{DNSNames: []string{"b.test"}, CommonName: "b.test"})
	certC := ca.issue(t, keyRSA2048, leafOptions{DNSNames: []string{"c.test"}, CommonName: "c.test"})
	tests := []struct {
		name       string
		serverName string
		certs      []*handshake.Certificate
		getCert    func(*handshake.ClientHelloInfo) (*handshake.Certificate, error)
		wantCN     string
	}{
		{"sni picks second", "b.test", []*handshake.Certificate{certA, certB, certC}, nil, "b.test"},
		{"sni picks third", "c.test", []*handshake.Certificate{certA, certB, certC}, nil, "c.test"},
		{"unknown name falls back to first", "a.test", []*handshake.Certificate{certA}, nil, "a.test"},
		{"callback", "c.test", []*handshake.Certificate{certA}, func(hi *handshake.ClientHelloInfo) (*handshake.Certificate, error) {
			if hi.ServerName == "c.test" {
				return certC, nil
			}
			return nil, nil
		}, "c.test"},
		{"callback declines", "b.test", []*handshake.Certificate{certA, certB}, func(*handshake.ClientHelloInfo) (*handshake.Certificate, error) {
			return nil, nil
		}, "b.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg := srvClientConfig(ca)
			ccfg.ServerName = tt.serverName
			scfg := &handshake.Config{Certificates: tt.certs, GetCertificate: tt.getCert}
			out := srvCryptoClient(t, ccfg, scfg)
			srvMustSucceed(t, out)
			if cn := out.state.PeerCertificates[0].Subject.CommonName; cn != tt.wantCN {
				t.Errorf("client got certificate %q, want %q", cn, tt.wantCN)
			}
		})
	}
}

func TestServerCryptoTLSFailures(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	tests := []struct {
		name      string
		client    func(*tls.Config)
		server    func(*handshake.Config)
		wantAlert wire.Alert
	}{
		{"alpn mismatch", func(c *tls.Config) { c.NextProtos = []string{"h2"} },
			func(s *handshake.Config) { s.NextProtos = []string{"http/1.1"} }, wire.AlertNoApplicationProtocol},
		{"client without tls 1.3", func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS12, tls.VersionTLS12 },
			func(s *handshake.Config) { s.MinVersion = wire.VersionTLS13 }, wire.AlertProtocolVersion},
		{"no common group", func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.CurveP521} },
			func(s *handshake.Config) { s.CurvePreferences = []wire.Group{wire.GroupX25519} }, wire.AlertHandshakeFailure},
		{"no certificate", nil, func(s *handshake.Config) { s.Certificates = nil }, wire.AlertHandshakeFailure},
		{"callback error", nil, func(s *handshake.Config) {
			s.GetCertificate = func(*handshake.ClientHelloInfo) (*handshake.Certificate, error) {
				return nil, wire.Fatalf(wire.AlertUnrecognizedName, "no such host")
			}
		}, wire.AlertUnrecognizedName},
		{"verify connection rejects", nil, func(s *handshake.Config) {
			s.VerifyConnection = func(*handshake.Result) error { return fmt.Errorf("no thanks") }
		}, wire.AlertBadCertificate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg := srvClientConfig(pki.CA)
			_, scfg := pki.configs()
			if tt.client != nil {
				tt.client(ccfg)
			}
			if tt.server != nil {
				tt.server(scfg)
			}
			out := srvCryptoClient(t, ccfg, scfg)
			if got := alertOf(out.serverErr); got != tt.wantAlert {
				t.Fatalf("server error %v, want alert %v", out.serverErr, tt.wantAlert)
			}
			if out.clientErr == nil {
				t.Errorf("client succeeded")
			}
		})
	}
}

func TestServerCryptoTLSDetails(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	ccfg := srvClientConfig(pki.CA)
	ccfg.NextProtos = []string{"http/1.1", "h2"}
	var keyLog bytes.Buffer
	ccfg.KeyLogWriter = &keyLog
	_, scfg := pki.configs()
	scfg.NextProtos = []string{"h2", "http/1.1"}
	scfg.Certificates[0] = &handshake.Certificate{ // Leaf parsed lazily
		Chain:      pki.Server.Chain,
		PrivateKey: pki.Server.PrivateKey,
		OCSPStaple: []byte("not really an ocsp response"),
		SCTs:       [][]byte{[]byte("sct one"), []byte("sct two")},
	}
	logged := map[string]string{}
	scfg.KeyLog = func(label string, clientRandom, secret []byte) {
		logged[label] = fmt.Sprintf("%s %x %x", label, clientRandom, secret)
	}
	out := srvCryptoClient(t, ccfg, scfg)
	srvMustSucceed(t, out)
	hs := out.server.E.Handshake()
	if out.state.NegotiatedProtocol != "h2" || hs.Result().NegotiatedProtocol != "h2" {
		t.Errorf("ALPN: client %q, server %q, want server preference h2", out.state.NegotiatedProtocol, hs.Result().NegotiatedProtocol)
	}
	if string(out.state.OCSPResponse) != "not really an ocsp response" || len(out.state.SignedCertificateTimestamps) != 2 {
		t.Errorf("client got OCSP %q and %d SCTs", out.state.OCSPResponse, len(out.state.SignedCertificateTimestamps))
	}
	if scfg.Certificates[0].Leaf != nil {
		t.Errorf("the server stored the parsed leaf in the shared configuration")
	}
	if hs.Result().ServerName != "localhost" {
		t.Errorf("server name %q", hs.Result().ServerName)
	}
	exported, err := hs.ExportKeyingMaterial("gotls test", []byte("ctx"), 32)
	if err != nil || !bytes.Equal(exported, out.exported) {
		t.Errorf("exporters differ: %x (%v) vs crypto/tls %x", exported, err, out.exported)
	}
	for _, label := range []string{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
		"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"} {
		line, ok := logged[label]
		if !ok {
			t.Errorf("server did not log %s", label)
			continue
		}
		if label == "EXPORTER_SECRET" {
			continue // crypto/tls does not log the exporter secret
		}
		if !strings.Contains(keyLog.String(), line+"\n") {
			t.Errorf("server key log line %q not in crypto/tls's key log", line)
		}
	}
}

func TestServerCryptoTLSRSAClientCert(t *testing.T) {
	pki := newTestPKI(t, keyRSA2048)
	client := pki.CA.issue(t, keyRSA2048, leafOptions{ClientAuth: true, CommonName: "rsa client", DNSNames: []string{}, IPs: []net.IP{}})
	ccfg := srvClientConfig(pki.CA)
	ccfg.Certificates = []tls.Certificate{tlsCertificate(client)}
	_, scfg := pki.configs()
	scfg.ClientAuth = handshake.RequireAndVerifyClientCert
	out := srvCryptoClient(t, ccfg, scfg)
	srvMustSucceed(t, out)
	res := out.server.E.Handshake().Result()
	if res.SignatureScheme != wire.PSSWithSHA256 && res.SignatureScheme != wire.PSSWithSHA384 && res.SignatureScheme != wire.PSSWithSHA512 {
		t.Errorf("client signed with %v, want an rsa_pss_rsae scheme", res.SignatureScheme)
	}
	if len(res.VerifiedChains) == 0 || !res.VerifiedChains[0][0].Equal(client.Leaf) {
		t.Errorf("verified chains %v", res.VerifiedChains)
	}
}
