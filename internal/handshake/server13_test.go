package handshake_test

// The TLS 1.3 server against our own client, engine to engine in memory.

import (
	"bytes"
	"crypto/x509"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"gotls/internal/engine"
	"gotls/internal/handshake"
	"gotls/internal/wire"
)

func TestServerEngineHandshakes(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	full := []string{"server:expect ClientHello", "server:expect Finished", "server:connected"}
	retry := []string{"server:expect ClientHello", "server:expect ClientHello (retry)", "server:expect Finished", "server:connected"}
	auth := []string{"server:expect ClientHello", "server:expect Certificate", "server:expect CertificateVerify", "server:expect Finished", "server:connected"}
	authEmpty := []string{"server:expect ClientHello", "server:expect Certificate", "server:expect Finished", "server:connected"}
	tests := []struct {
		name      string
		edit      func(c, s *handshake.Config)
		history   []string
		wantRetry bool
		wantGroup wire.Group
	}{
		{"full", func(c, s *handshake.Config) {}, full, false, wire.GroupX25519MLKEM768},
		{"server prefers x25519", func(c, s *handshake.Config) { s.CurvePreferences = []wire.Group{wire.GroupX25519} }, full, false, wire.GroupX25519},
		{"hello retry for p-384", func(c, s *handshake.Config) { s.CurvePreferences = []wire.Group{wire.GroupSecp384r1} }, retry, true, wire.GroupSecp384r1},
		{"client auth", func(c, s *handshake.Config) {
			s.ClientAuth = handshake.RequireAndVerifyClientCert
			c.Certificates = []*handshake.Certificate{pki.Client}
		}, auth, false, wire.GroupX25519MLKEM768},
		{"client auth requested, none given", func(c, s *handshake.Config) { s.ClientAuth = handshake.VerifyClientCertIfGiven }, authEmpty, false, wire.GroupX25519MLKEM768},
		{"retry and client auth", func(c, s *handshake.Config) {
			s.CurvePreferences = []wire.Group{wire.GroupSecp256r1}
			s.ClientAuth = handshake.RequireAnyClientCert
			c.Certificates = []*handshake.Certificate{pki.Client}
		}, []string{"server:expect ClientHello", "server:expect ClientHello (retry)", "server:expect Certificate",
			"server:expect CertificateVerify", "server:expect Finished", "server:connected"}, true, wire.GroupSecp256r1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg, scfg := pki.configs()
			tt.edit(ccfg, scfg)
			client, server := runHandshake(t, ccfg, scfg)
			mustSucceed(t, client, server)
			res := server.E.Handshake().Result()
			if h := server.E.Handshake().History(); !slices.Equal(h, tt.history) {
				t.Errorf("server history %q, want %q", h, tt.history)
			}
			if res.HelloRetry != tt.wantRetry || client.E.Handshake().Result().HelloRetry != tt.wantRetry {
				t.Errorf("HelloRetry: server %t, client %t, want %t", res.HelloRetry, client.E.Handshake().Result().HelloRetry, tt.wantRetry)
			}
			if res.Group != tt.wantGroup {
				t.Errorf("group %v, want %v", res.Group, tt.wantGroup)
			}
			sendApp(t, client, server, []byte("hello server"))
			sendApp(t, server, client, bytes.Repeat([]byte("hello client "), 3000))
		})
	}
}

func TestServerEngineFailures(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	tests := []struct {
		name      string
		edit      func(c, s *handshake.Config)
		wantAlert wire.Alert
	}{
		{"alpn mismatch", func(c, s *handshake.Config) {
			c.NextProtos = []string{"h2"}
			s.NextProtos = []string{"http/1.1"}
		}, wire.AlertNoApplicationProtocol},
		{"client certificate required", func(c, s *handshake.Config) { s.ClientAuth = handshake.RequireAnyClientCert }, wire.AlertCertificateRequired},
		{"peer certificate callback rejects a missing certificate", func(c, s *handshake.Config) {
			s.ClientAuth = handshake.RequestClientCert
			s.VerifyPeerCertificate = func([][]byte, [][]*x509.Certificate) error { return errors.New("certificate wanted") }
		}, wire.AlertBadCertificate},
		{"no common suite", func(c, s *handshake.Config) {
			c.CipherSuites = []wire.CipherSuite{wire.TLS_AES_256_GCM_SHA384}
			s.CipherSuites = []wire.CipherSuite{wire.TLS_CHACHA20_POLY1305_SHA256}
		}, wire.AlertHandshakeFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg, scfg := pki.configs()
			tt.edit(ccfg, scfg)
			client, server := runHandshake(t, ccfg, scfg)
			if got := alertOf(server.Err); got != tt.wantAlert {
				t.Fatalf("server error %v, want alert %v", server.Err, tt.wantAlert)
			}
			if got := remoteAlertOf(client.Err); got != tt.wantAlert {
				t.Errorf("client error %v, want the peer's %v", client.Err, tt.wantAlert)
			}
		})
	}
}

func TestServerSuitePreference(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	tests := []struct {
		name   string
		client []wire.CipherSuite
		server []wire.CipherSuite
		want   wire.CipherSuite
	}{
		{"server order among all", []wire.CipherSuite{wire.TLS_AES_256_GCM_SHA384, wire.TLS_AES_128_GCM_SHA256},
			nil, wire.TLS_AES_128_GCM_SHA256},
		{"client lacks aes hardware", []wire.CipherSuite{wire.TLS_CHACHA20_POLY1305_SHA256, wire.TLS_AES_128_GCM_SHA256},
			nil, wire.TLS_CHACHA20_POLY1305_SHA256},
		{"server filter", nil, []wire.CipherSuite{wire.TLS_AES_256_GCM_SHA384}, wire.TLS_AES_256_GCM_SHA384},
		{"tls 1.2 suites in the filter are ignored", nil,
			[]wire.CipherSuite{wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, wire.TLS_CHACHA20_POLY1305_SHA256}, wire.TLS_CHACHA20_POLY1305_SHA256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg, scfg := pki.configs()
			ccfg.CipherSuites, scfg.CipherSuites = tt.client, tt.server
			client, server := runHandshake(t, ccfg, scfg)
			mustSucceed(t, client, server)
			got := server.E.Handshake().Result().CipherSuite
			if got != tt.want {
				t.Errorf("suite %v, want %v", got, tt.want)
			}
		})
	}
}

// srvEvents collects trace events.
type srvEvents struct {
	sync.Mutex
	all []handshake.Event
}

func (e *srvEvents) add(ev handshake.Event) {
	e.Lock()
	defer e.Unlock()
	e.all = append(e.all, ev)
}

// text returns the server events as "step: detail" lines.
func (e *srvEvents) text() string {
	var b strings.Builder
	for _, ev := range e.all {
		if !ev.Client {
			b.WriteString(ev.Step + ": " + ev.Detail + "\n")
		}
	}
	return b.String()
}

func TestServerTrace(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	for _, secrets := range []bool{false, true} {
		ccfg, scfg := pki.configs()
		scfg.CurvePreferences = []wire.Group{wire.GroupSecp256r1}
		var events srvEvents
		scfg.Trace = events.add
		scfg.TraceSecrets = secrets
		var logged [][]byte
		scfg.KeyLog = func(label string, cr, secret []byte) { logged = append(logged, secret) }
		client, server := runHandshake(t, ccfg, scfg)
		mustSucceed(t, client, server)
		text := events.text()
		for _, want := range []string{"receive ClientHello", "choose version: TLSv1.3", "choose cipher suite: TLS_",
			"choose group: secp256r1", "send HelloRetryRequest", "choose certificate", "key exchange: secp256r1",
			"send ServerHello", "send EncryptedExtensions", "send Certificate", "send CertificateVerify: signed the transcript hash with ecdsa_secp256r1_sha256",
			"send Finished", "receive Finished", "install keys", "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "EXPORTER_SECRET", "connected"} {
			if !strings.Contains(text, want) {
				t.Errorf("trace lacks %q:\n%s", want, text)
			}
		}
		if len(logged) != 5 {
			t.Errorf("%d secrets logged, want 5", len(logged))
		}
		for _, s := range logged {
			hexed := strings.ToLower(srvHex(s))
			if strings.Contains(text, hexed) != secrets {
				t.Errorf("secret value in trace: %t, want %t", !secrets, secrets)
			}
		}
	}
}

// srvHex is lowercase hex.
func srvHex(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

func TestServerKeyUpdate(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	ccfg, scfg := pki.configs()
	client, server := runHandshake(t, ccfg, scfg)
	mustSucceed(t, client, server)
	if err := server.E.KeyUpdate(true); err != nil {
		t.Fatal(err)
	}
	sendApp(t, server, client, []byte("after server key update"))
	sendApp(t, client, server, []byte("after the answering key update"))
}

// srvFuzzConfig is a server configuration shared by fuzz runs.
var srvFuzzConfig struct {
	once sync.Once
	cfg  *handshake.Config
}

// FuzzServer13 feeds arbitrary bytes to a fresh server engine. The first
// byte picks the chunk size. It must never panic or hang, and it fails
// with an error carrying an alert.
func FuzzServer13(f *testing.F) {
	srvFuzzConfig.once.Do(func() {
		_, srvFuzzConfig.cfg = newTestPKI(f, keyECDSAP256).configs()
		srvFuzzConfig.cfg.NextProtos = []string{"h2"}
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		chunk := int(data[0])%64 + 1
		e := engine.New(srvFuzzConfig.cfg, false)
		if err := e.Start(); err != nil {
			t.Fatal(err)
		}
		for rest := data[1:]; len(rest) > 0 && e.Err() == nil; {
			n := min(chunk, len(rest))
			took, _ := e.Feed(rest[:n])
			if took == 0 {
				break
			}
			rest = rest[took:]
		}
		if err := e.Err(); err != nil && alertOf(err) == 0xff {
			if _, remote := err.(*engine.RemoteAlertError); !remote {
				t.Fatalf("error without an alert: %v", err)
			}
		}
	})
}
