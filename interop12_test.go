package gotls_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gotls"
	"gotls/internal/testenv"
	"gotls/internal/wire"
)

// suites12 lists every TLS 1.2 suite gotls implements with the certificate
// key type that can serve it.
var suites12 = []struct {
	id  uint16
	key testenv.KeyType
}{
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, testenv.ECDSAP256},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, testenv.ECDSAP256},
	{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, testenv.ECDSAP256},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, testenv.ECDSAP256},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, testenv.ECDSAP256},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, testenv.RSA2048},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, testenv.RSA2048},
	{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, testenv.RSA2048},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, testenv.RSA2048},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, testenv.RSA2048},
	{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, testenv.RSA2048},
	{tls.TLS_RSA_WITH_AES_256_GCM_SHA384, testenv.RSA2048},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA, testenv.RSA2048},
	{tls.TLS_RSA_WITH_AES_256_CBC_SHA, testenv.RSA2048},
}

// legacyConfig turns on the off-by-default TLS 1.2 suites and pins one.
func legacyConfig(cfg *gotls.Config, suite uint16) *gotls.Config {
	cfg.MaxVersion = tls.VersionTLS12
	cfg.CipherSuites = []uint16{suite}
	cfg.LegacyRSAKeyExchange = true
	cfg.LegacyCBCSuites = true
	return cfg
}

func TestInteropOpenSSLServer12(t *testing.T) {
	testenv.Binary(t, "openssl")
	pkis := map[testenv.KeyType][2]any{}
	for _, s := range suites12 {
		if _, ok := pkis[s.key]; !ok {
			ca, leaf := pkiFor(t, s.key)
			pkis[s.key] = [2]any{ca, leaf}
		}
		ca, leaf := pkis[s.key][0].(*testenv.CA), pkis[s.key][1].(*testenv.Leaf)
		t.Run(fmt.Sprintf("%s/%s", s.key, gotls.CipherSuiteName(s.id)), func(t *testing.T) {
			p, addr := testenv.OpenSSLServer(t, testenv.ServerOpts{Leaf: leaf, Version: wire.VersionTLS12,
				Send: testenv.ServerPayload(), CipherSuites: []wire.CipherSuite{wire.CipherSuite(s.id)}})
			c := dialPeer(t, addr, legacyConfig(&gotls.Config{ServerName: "localhost", RootCAs: ca.Pool}, s.id))
			if st := c.ConnectionState(); st.Version != tls.VersionTLS12 || st.CipherSuite != s.id {
				t.Fatalf("negotiated %x/%x", st.Version, st.CipherSuite)
			}
			testenv.RunAsClient(t, c, p)
		})
	}
}

func TestInteropOpenSSLClient12(t *testing.T) {
	testenv.Binary(t, "openssl")
	for _, s := range suites12 {
		ca, leaf := pkiFor(t, s.key)
		t.Run(fmt.Sprintf("%s/%s", s.key, gotls.CipherSuiteName(s.id)), func(t *testing.T) {
			cfg := legacyConfig(&gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}}, s.id)
			srv := serveOnePeer(t, cfg, func(addr string) *testenv.Proc {
				return testenv.OpenSSLClient(t, addr, testenv.ClientOpts{CA: ca, Version: wire.VersionTLS12,
					Send: testenv.ClientPayload(), CipherSuites: []wire.CipherSuite{wire.CipherSuite(s.id)}})
			})
			if st := srv.ConnectionState(); st.Version != tls.VersionTLS12 || st.CipherSuite != s.id {
				t.Fatalf("negotiated %x/%x", st.Version, st.CipherSuite)
			}
		})
	}
}

// versionCase is one cell of the version matrix against openssl.
type versionCase struct {
	ours     string
	min, max uint16
	peer     string
	args     []string
	want     uint16 // 0: the handshake must fail with protocol_version
}

func versionMatrix() []versionCase {
	ours := []struct {
		name     string
		min, max uint16
	}{
		{"1.2 only", tls.VersionTLS12, tls.VersionTLS12},
		{"1.3 only", tls.VersionTLS13, tls.VersionTLS13},
		{"both", tls.VersionTLS12, tls.VersionTLS13},
	}
	peers := []struct {
		name string
		args []string
		min  uint16
		max  uint16
	}{
		{"-tls1_2", []string{"-tls1_2"}, tls.VersionTLS12, tls.VersionTLS12},
		{"-tls1_3", []string{"-tls1_3"}, tls.VersionTLS13, tls.VersionTLS13},
		{"-no_tls1_3", []string{"-no_tls1_3"}, tls.VersionTLS10, tls.VersionTLS12},
	}
	var out []versionCase
	for _, o := range ours {
		for _, p := range peers {
			want := min(o.max, p.max)
			if want < max(o.min, p.min) {
				want = 0
			}
			out = append(out, versionCase{o.name, o.min, o.max, p.name, p.args, want})
		}
	}
	return out
}

// checkVersionOutcome asserts the negotiated version or the failure.
func checkVersionOutcome(t *testing.T, vc versionCase, st tls.ConnectionState, err error) {
	t.Helper()
	if vc.want == 0 {
		if err == nil {
			t.Fatalf("handshake succeeded with %x; want protocol_version", st.Version)
		}
		if !strings.Contains(err.Error(), "protocol version") && !strings.Contains(err.Error(), "protocol_version") {
			t.Fatalf("error %v; want protocol_version", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if st.Version != vc.want {
		t.Fatalf("negotiated %x; want %x", st.Version, vc.want)
	}
}

func TestInteropOpenSSLVersionMatrix(t *testing.T) {
	testenv.Binary(t, "openssl")
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	for _, vc := range versionMatrix() {
		t.Run("our client "+vc.ours+" vs s_server "+vc.peer, func(t *testing.T) {
			_, addr := testenv.OpenSSLServer(t, testenv.ServerOpts{Leaf: leaf, Args: vc.args})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			d := &gotls.Dialer{Config: &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool,
				MinVersion: vc.min, MaxVersion: vc.max}}
			c, err := d.DialContext(ctx, "tcp", addr)
			var st tls.ConnectionState
			if err == nil {
				st = c.(*gotls.Conn).ConnectionState()
				c.Close()
			}
			checkVersionOutcome(t, vc, st, err)
		})
		t.Run("our server "+vc.ours+" vs s_client "+vc.peer, func(t *testing.T) {
			l := testenv.Listen(t)
			p := testenv.OpenSSLClient(t, l.Addr().String(), testenv.ClientOpts{CA: ca, Args: vc.args})
			srv := gotls.Server(testenv.Accept(t, l, 10*time.Second), &gotls.Config{
				Certificates: []tls.Certificate{tlsCert(leaf)}, MinVersion: vc.min, MaxVersion: vc.max})
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := srv.HandshakeContext(ctx)
			checkVersionOutcome(t, vc, srv.ConnectionState(), err)
			if err != nil {
				var ae *gotls.AlertError
				if !errors.As(err, &ae) || ae.Alert != wire.AlertProtocolVersion {
					t.Fatalf("server error %v; want a protocol_version alert sent (%s)", err, p)
				}
			}
		})
	}
}
