package handshake_test

// Our TLS 1.3 client against our server, engine to engine in memory.

import (
	"bytes"
	"crypto/x509"
	"errors"
	"slices"
	"strings"
	"testing"

	"gotls/internal/engine"
	"gotls/internal/handshake"
	"gotls/internal/msg"
	"gotls/internal/wire"
)

// Legal client state sequences (design §4).
var (
	cliShapeFull = []string{
		"client:expect ServerHello",
		"client:expect EncryptedExtensions",
		"client:expect Certificate or CertificateRequest",
		"client:expect CertificateVerify",
		"client:expect Finished",
		"client:connected",
	}
	cliShapeHRR = []string{
		"client:expect ServerHello",
		"client:expect ServerHello (retry)",
		"client:expect EncryptedExtensions",
		"client:expect Certificate or CertificateRequest",
		"client:expect CertificateVerify",
		"client:expect Finished",
		"client:connected",
	}
	cliShapeClientAuth = []string{
		"client:expect ServerHello",
		"client:expect EncryptedExtensions",
		"client:expect Certificate or CertificateRequest",
		"client:expect Certificate",
		"client:expect CertificateVerify",
		"client:expect Finished",
		"client:connected",
	}
)

func TestClientEngineHandshakeShapes(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	tests := []struct {
		name      string
		setup     func(c, s *handshake.Config)
		shape     []string
		retry     bool
		group     wire.Group
		peerCerts bool
	}{
		{name: "full", shape: cliShapeFull, group: wire.GroupX25519MLKEM768},
		{name: "hello retry", shape: cliShapeHRR, retry: true, group: wire.GroupSecp384r1,
			setup: func(c, s *handshake.Config) { s.CurvePreferences = []wire.Group{wire.GroupSecp384r1} }},
		{name: "client auth", shape: cliShapeClientAuth, group: wire.GroupX25519MLKEM768, peerCerts: true,
			setup: func(c, s *handshake.Config) {
				s.ClientAuth = handshake.RequireAndVerifyClientCert
				c.Certificates = []*handshake.Certificate{pki.Client}
			}},
		{name: "client auth without certificate", shape: cliShapeClientAuth, group: wire.GroupX25519MLKEM768,
			setup: func(c, s *handshake.Config) { s.ClientAuth = handshake.RequestClientCert }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg, scfg := pki.configs()
			if tt.setup != nil {
				tt.setup(ccfg, scfg)
			}
			client, server := runHandshake(t, ccfg, scfg)
			mustSucceed(t, client, server)
			hs := client.E.Handshake()
			if got := hs.History(); !slices.Equal(got, tt.shape) {
				t.Errorf("client history\n got %q\nwant %q", got, tt.shape)
			}
			r := hs.Result()
			if r.Version != wire.VersionTLS13 || r.HelloRetry != tt.retry || r.Group != tt.group {
				t.Errorf("result version %v retry %v group %v; want TLS 1.3, %v, %v", r.Version, r.HelloRetry, r.Group, tt.retry, tt.group)
			}
			if len(r.PeerCertificates) != 1 || len(r.VerifiedChains) != 1 {
				t.Errorf("client saw %d peer certificates, %d verified chains", len(r.PeerCertificates), len(r.VerifiedChains))
			}
			if got := len(server.E.Handshake().Result().PeerCertificates) > 0; got != tt.peerCerts {
				t.Errorf("server received a client certificate: %v, want %v", got, tt.peerCerts)
			}
			sendApp(t, client, server, []byte("ping"))
			sendApp(t, server, client, []byte("pong"))
		})
	}
}

func TestClientEngineSuitesAndGroups(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	suites := []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_AES_256_GCM_SHA384, wire.TLS_CHACHA20_POLY1305_SHA256}
	groups := []wire.Group{wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1, wire.GroupX25519MLKEM768}
	for _, suite := range suites {
		for _, group := range groups {
			t.Run(suite.String()+"/"+group.String(), func(t *testing.T) {
				ccfg, scfg := pki.configs()
				ccfg.CipherSuites = []wire.CipherSuite{suite}
				ccfg.CurvePreferences = []wire.Group{group}
				client, server := runHandshake(t, ccfg, scfg)
				mustSucceed(t, client, server)
				r := client.E.Handshake().Result()
				if r.CipherSuite != suite || r.Group != group || r.HelloRetry {
					t.Errorf("negotiated %v/%v (retry %v), want %v/%v", r.CipherSuite, r.Group, r.HelloRetry, suite, group)
				}
				sendApp(t, client, server, bytes.Repeat([]byte("x"), 40000))
			})
		}
	}
}

func TestClientEngineServerKeys(t *testing.T) {
	for _, kt := range []keyType{keyECDSAP256, keyECDSAP384, keyRSA2048, keyEd25519} {
		t.Run(kt.String(), func(t *testing.T) {
			pki := newTestPKI(t, kt)
			ccfg, scfg := pki.configs()
			client, server := runHandshake(t, ccfg, scfg)
			mustSucceed(t, client, server)
			if s := client.E.Handshake().Result().SignatureScheme; s == 0 {
				t.Error("no signature scheme recorded")
			}
		})
	}
}

func TestClientEngineALPNAndServerName(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	ccfg, scfg := pki.configs()
	ccfg.NextProtos = []string{"h2", "http/1.1"}
	scfg.NextProtos = []string{"http/1.1"}
	ccfg.ServerName = "example.test."
	var seen string
	scfg.GetCertificate = func(h *handshake.ClientHelloInfo) (*handshake.Certificate, error) {
		seen = h.ServerName
		return pki.Server, nil
	}
	client, server := runHandshake(t, ccfg, scfg)
	mustSucceed(t, client, server)
	if p := client.E.Handshake().Result().NegotiatedProtocol; p != "http/1.1" {
		t.Errorf("ALPN %q, want http/1.1", p)
	}
	if seen != "example.test" {
		t.Errorf("server saw server_name %q, want example.test (trailing dot stripped)", seen)
	}
}

func TestClientEngineIPServerName(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	for _, name := range []string{"127.0.0.1", "::1"} {
		t.Run(name, func(t *testing.T) {
			ccfg, scfg := pki.configs()
			ccfg.ServerName = name
			seen := "unset"
			scfg.GetCertificate = func(h *handshake.ClientHelloInfo) (*handshake.Certificate, error) {
				seen = h.ServerName
				return pki.Server, nil
			}
			client, server := runHandshake(t, ccfg, scfg)
			mustSucceed(t, client, server)
			if seen != "" {
				t.Errorf("server_name %q sent for an IP address", seen)
			}
		})
	}
}

func TestClientConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*handshake.Config)
		want string
	}{
		{"no server name", func(c *handshake.Config) { c.ServerName = "" }, "either ServerName or InsecureSkipVerify"},
		{"max version 1.1", func(c *handshake.Config) { c.MaxVersion = wire.VersionTLS11 }, "no supported versions"},
		{"unsupported groups only", func(c *handshake.Config) { c.CurvePreferences = []wire.Group{wire.GroupX448} }, "no supported groups"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &handshake.Config{ServerName: "localhost"}
			tt.mod(cfg)
			e := engine.New(cfg, true)
			err := e.Start()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Start error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestClientKeyLogAndTrace(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	ccfg, scfg := pki.configs()
	labels := map[string]int{}
	ccfg.KeyLog = func(label string, clientRandom, secret []byte) {
		if len(clientRandom) != 32 || len(secret) == 0 {
			t.Errorf("key log %s: client random %d bytes, secret %d bytes", label, len(clientRandom), len(secret))
		}
		labels[label]++
	}
	var trace []string
	ccfg.Trace = func(ev handshake.Event) {
		if !ev.Client {
			t.Errorf("client trace event marked as server: %+v", ev)
		}
		trace = append(trace, ev.Step+": "+ev.Detail)
	}
	client, server := runHandshake(t, ccfg, scfg)
	mustSucceed(t, client, server)
	for _, l := range []string{"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
		"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"} {
		if labels[l] != 1 {
			t.Errorf("key log label %s logged %d times", l, labels[l])
		}
	}
	all := strings.Join(trace, "\n")
	for _, want := range []string{"send ClientHello", "receive ServerHello", "chain of", `name "localhost": ok`,
		"CLIENT_HANDSHAKE_TRAFFIC_SECRET (32 bytes)", "verify Finished"} {
		if !strings.Contains(all, want) {
			t.Errorf("trace lacks %q:\n%s", want, all)
		}
	}
}

func TestClientKeyUpdate(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	ccfg, scfg := pki.configs()
	client, server := runHandshake(t, ccfg, scfg)
	mustSucceed(t, client, server)
	steps := []struct {
		name    string
		from    *peer
		request bool
	}{
		{"client, not requested", client, false},
		{"client, requested", client, true},
		{"server, not requested", server, false},
		{"server, requested", server, true},
	}
	for _, st := range steps {
		if err := st.from.E.KeyUpdate(st.request); err != nil {
			t.Fatalf("%s: KeyUpdate: %v", st.name, err)
		}
		pump(client, server)
		sendApp(t, client, server, []byte("after "+st.name))
		sendApp(t, server, client, []byte("reply after "+st.name))
	}
	if got := client.E.Handshake().History(); got[len(got)-1] != "client:connected" {
		t.Errorf("client ended in %q", got[len(got)-1])
	}
}

func TestClientExporterMatchesServer(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	ccfg, scfg := pki.configs()
	client, server := runHandshake(t, ccfg, scfg)
	mustSucceed(t, client, server)
	a, err := client.E.Handshake().ExportKeyingMaterial("EXPERIMENTAL test", []byte("ctx"), 42)
	if err != nil {
		t.Fatal(err)
	}
	b, err := server.E.Handshake().ExportKeyingMaterial("EXPERIMENTAL test", []byte("ctx"), 42)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) || len(a) != 42 {
		t.Errorf("exporters differ: %x vs %x", a, b)
	}
}

// TestClientVerifyConnectionAndPeerCallbacks checks that both callbacks
// run, see the chain, and that their errors abort with bad_certificate or
// the alert they carry.
func TestClientVerifyCallbacks(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	boom := errors.New("boom")
	tests := []struct {
		name      string
		setup     func(c *handshake.Config)
		wantAlert wire.Alert
	}{
		{"VerifyPeerCertificate ok", func(c *handshake.Config) {
			c.VerifyPeerCertificate = func(raw [][]byte, chains [][]*x509.Certificate) error {
				if len(raw) != 1 || len(chains) != 1 {
					return errors.New("missing chain")
				}
				return nil
			}
		}, 0},
		{"VerifyPeerCertificate error", func(c *handshake.Config) {
			c.VerifyPeerCertificate = func([][]byte, [][]*x509.Certificate) error { return boom }
		}, wire.AlertBadCertificate},
		{"VerifyPeerCertificate wire error", func(c *handshake.Config) {
			c.VerifyPeerCertificate = func([][]byte, [][]*x509.Certificate) error {
				return wire.Fatalf(wire.AlertCertificateRevoked, "revoked")
			}
		}, wire.AlertCertificateRevoked},
		{"VerifyConnection ok", func(c *handshake.Config) {
			c.VerifyConnection = func(r *handshake.Result) error {
				if r.CipherSuite == 0 || len(r.PeerCertificates) == 0 || r.ServerName != "localhost" {
					return errors.New("incomplete result")
				}
				return nil
			}
		}, 0},
		{"VerifyConnection error", func(c *handshake.Config) {
			c.VerifyConnection = func(*handshake.Result) error { return boom }
		}, wire.AlertBadCertificate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg, scfg := pki.configs()
			tt.setup(ccfg)
			client, server := runHandshake(t, ccfg, scfg)
			if tt.wantAlert == 0 {
				mustSucceed(t, client, server)
				return
			}
			if a := alertOf(client.Err); a != tt.wantAlert {
				t.Errorf("client error %v, want alert %v", client.Err, tt.wantAlert)
			}
			if a := remoteAlertOf(server.Err); a != tt.wantAlert {
				t.Errorf("server error %v, want the peer's %v", server.Err, tt.wantAlert)
			}
		})
	}
}

// TestClientGetClientCertificate checks the callback path and that a
// callback error aborts the handshake.
func TestClientGetClientCertificate(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	tests := []struct {
		name      string
		cb        func(*handshake.CertificateRequestInfo) (*handshake.Certificate, error)
		wantCert  bool
		wantAlert wire.Alert
	}{
		{"returns certificate", func(info *handshake.CertificateRequestInfo) (*handshake.Certificate, error) {
			if info.Version != wire.VersionTLS13 || len(info.SignatureSchemes) == 0 {
				return nil, errors.New("bad request info")
			}
			return pki.Client, nil
		}, true, 0},
		{"returns nothing", func(*handshake.CertificateRequestInfo) (*handshake.Certificate, error) {
			return nil, nil
		}, false, 0},
		{"fails", func(*handshake.CertificateRequestInfo) (*handshake.Certificate, error) {
			return nil, errors.New("no certificate for you")
		}, false, wire.AlertInternalError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg, scfg := pki.configs()
			scfg.ClientAuth = handshake.VerifyClientCertIfGiven
			ccfg.GetClientCertificate = tt.cb
			client, server := runHandshake(t, ccfg, scfg)
			if tt.wantAlert != 0 {
				if alertOf(client.Err) != tt.wantAlert {
					t.Fatalf("client error %v, want %v", client.Err, tt.wantAlert)
				}
				return
			}
			mustSucceed(t, client, server)
			if got := len(server.E.Handshake().Result().PeerCertificates) > 0; got != tt.wantCert {
				t.Errorf("server got a client certificate: %v, want %v", got, tt.wantCert)
			}
		})
	}
}

// TestClientRequiredCertificateMissing: a server that requires a
// certificate rejects our empty Certificate with certificate_required.
func TestClientRequiredCertificateMissing(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	ccfg, scfg := pki.configs()
	scfg.ClientAuth = handshake.RequireAnyClientCert
	client, server := runHandshake(t, ccfg, scfg)
	if remoteAlertOf(client.Err) != wire.AlertCertificateRequired {
		t.Errorf("client error %v, want the server's certificate_required", client.Err)
	}
	if alertOf(server.Err) != wire.AlertCertificateRequired {
		t.Errorf("server error %v", server.Err)
	}
}

// TestServerRejectsNewSessionTicket: NewSessionTicket comes only from
// servers (RFC 8446, Section 4.6.1).
func TestConnectedRejectsUnexpectedMessages(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	ccfg, scfg := pki.configs()
	client, server := runHandshake(t, ccfg, scfg)
	mustSucceed(t, client, server)
	nst := &msg.NewSessionTicket{TLS13: true, Lifetime: 60, Nonce: []byte{1}, Ticket: []byte("ticket")}
	raw, err := nst.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := client.E.Handshake().Handle(raw); err != nil {
		t.Errorf("client rejected a NewSessionTicket: %v", err)
	}
	if err := server.E.Handshake().Handle(raw); alertOf(err) != wire.AlertUnexpectedMessage {
		t.Errorf("server accepted a NewSessionTicket: %v", err)
	}
	fin := &msg.Finished{VerifyData: make([]byte, 32)}
	raw, _ = fin.Marshal()
	if err := client.E.Handshake().Handle(raw); alertOf(err) != wire.AlertUnexpectedMessage {
		t.Errorf("client accepted a Finished after the handshake: %v", err)
	}
}
