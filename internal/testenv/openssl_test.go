package testenv

import (
	"crypto/tls"
	"errors"
	"testing"

	"gotls/internal/wire"
)

// peerCase is one interop case: which certificates to make, how to
// configure the peer process and the crypto/tls side, and what the
// crypto/tls side must observe.
type peerCase struct {
	name       string
	key        KeyType
	leaf       LeafOptions
	clientAuth bool // the server demands a client certificate
	version    wire.Version
	groups     []wire.Group
	suites     []wire.CipherSuite
	cfg        func(*tls.Config) // adjusts the crypto/tls side
	want       stateWant
}

// serverPeerCases run crypto/tls as the client against a peer server.
var serverPeerCases = []peerCase{
	{name: "TLS13/ECDSA-P256", key: ECDSAP256, version: wire.VersionTLS13,
		want: stateWant{version: tls.VersionTLS13}},
	{name: "TLS13/RSA/CHACHA20/X25519", key: RSA2048, version: wire.VersionTLS13,
		groups: []wire.Group{wire.GroupX25519}, suites: []wire.CipherSuite{wire.TLS_CHACHA20_POLY1305_SHA256},
		want: stateWant{version: tls.VersionTLS13, suite: tls.TLS_CHACHA20_POLY1305_SHA256, curve: tls.X25519}},
	{name: "TLS13/Ed25519/AES256", key: Ed25519, version: wire.VersionTLS13,
		suites: []wire.CipherSuite{wire.TLS_AES_256_GCM_SHA384},
		want:   stateWant{version: tls.VersionTLS13, suite: tls.TLS_AES_256_GCM_SHA384}},
	{name: "TLS13/ECDSA-P384/HRR-P384", key: ECDSAP384, version: wire.VersionTLS13,
		groups: []wire.Group{wire.GroupSecp384r1},
		want:   stateWant{version: tls.VersionTLS13, curve: tls.CurveP384, hrr: true}},
	{name: "TLS13/RSA/intermediate", key: RSA2048, leaf: LeafOptions{Intermediate: true}, version: wire.VersionTLS13,
		want: stateWant{version: tls.VersionTLS13}},
	{name: "TLS13/ECDSA-P256/client-cert", key: ECDSAP256, clientAuth: true, version: wire.VersionTLS13,
		want: stateWant{version: tls.VersionTLS13}},
	{name: "TLS12/ECDSA-P384/AES256-GCM", key: ECDSAP384, version: wire.VersionTLS12,
		suites: []wire.CipherSuite{wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
		want:   stateWant{version: tls.VersionTLS12, suite: tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}},
	{name: "TLS12/RSA/AES128-CBC-SHA/P-256", key: RSA2048, version: wire.VersionTLS12,
		groups: []wire.Group{wire.GroupSecp256r1}, suites: []wire.CipherSuite{wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA},
		cfg:  func(c *tls.Config) { c.CipherSuites = []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA} },
		want: stateWant{version: tls.VersionTLS12, suite: tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, curve: tls.CurveP256}},
	{name: "TLS12/Ed25519/CHACHA20", key: Ed25519, version: wire.VersionTLS12,
		suites: []wire.CipherSuite{wire.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
		want:   stateWant{version: tls.VersionTLS12, suite: tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}},
	{name: "TLS12/RSA/client-cert/intermediate", key: RSA2048, leaf: LeafOptions{Intermediate: true}, clientAuth: true,
		version: wire.VersionTLS12, want: stateWant{version: tls.VersionTLS12}},
}

// TestOpenSSLServer proves OpenSSLServer with crypto/tls as the client:
// 1 MiB each way, checked byte for byte on both sides.
func TestOpenSSLServer(t *testing.T) {
	for _, tc := range serverPeerCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runServerPeerCase(t, tc, OpenSSLServer, ServerPayload())
		})
	}
}

// startServerFunc is the shape of OpenSSLServer and GnuTLSServer.
type startServerFunc func(testing.TB, ServerOpts) (*Proc, string)

// runServerPeerCase starts the peer server for tc, connects with
// crypto/tls, checks the handshake result and runs the bulk check.
func runServerPeerCase(t *testing.T, tc peerCase, start startServerFunc, send []byte) {
	ca := NewCA(t, tc.key)
	opts := ServerOpts{
		Leaf:         ca.Issue(t, tc.key, tc.leaf),
		Version:      tc.version,
		Groups:       tc.groups,
		CipherSuites: tc.suites,
		Send:         send,
	}
	cfg := &tls.Config{RootCAs: ca.Pool, ServerName: "localhost"}
	if tc.clientAuth {
		clientCA := NewCA(t, ECDSAP256)
		opts.ClientCA = clientCA
		cfg.Certificates = []tls.Certificate{stdCert(clientCA.Issue(t, tc.key, LeafOptions{ClientAuth: true}))}
	}
	if tc.cfg != nil {
		tc.cfg(cfg)
	}
	p, addr := start(t, opts)
	conn, err := stdDial(t, addr, cfg)
	if err != nil {
		t.Fatalf("handshake with %s: %v", p, err)
	}
	want := tc.want
	want.peerCN = "localhost"
	checkState(t, conn.ConnectionState(), want)
	RunAsClient(t, conn, p)
}

// TestOpenSSLServerRejects proves that the client-certificate settings of
// OpenSSLServer are enforced: no certificate, or one from another CA,
// makes the connection fail.
func TestOpenSSLServerRejects(t *testing.T) {
	for _, tc := range []struct {
		name      string
		version   wire.Version
		wrongCert bool
	}{
		{"TLS13/no-cert", wire.VersionTLS13, false},
		{"TLS13/wrong-CA", wire.VersionTLS13, true},
		{"TLS12/no-cert", wire.VersionTLS12, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ca := NewCA(t, ECDSAP256)
			clientCA := NewCA(t, ECDSAP256)
			opts := ServerOpts{Leaf: ca.Issue(t, ECDSAP256, LeafOptions{}), ClientCA: clientCA, Version: tc.version}
			cfg := &tls.Config{RootCAs: ca.Pool, ServerName: "localhost"}
			if tc.wrongCert {
				other := NewCA(t, ECDSAP256)
				cfg.Certificates = []tls.Certificate{stdCert(other.Issue(t, ECDSAP256, LeafOptions{ClientAuth: true}))}
			}
			p, addr := OpenSSLServer(t, opts)
			err := handshakeAndRead(t, addr, cfg)
			if err == nil {
				t.Fatalf("connection succeeded; want the server to reject the client")
			}
			t.Logf("client error, as expected: %v", err)
			if err := p.Wait(ExitTimeout); errors.Is(err, ErrTimeout) {
				t.Errorf("%s did not stop after its one connection: %v", p, err)
			}
		})
	}
}

// handshakeAndRead dials addr and reads one byte, which in TLS 1.3 is
// where a client learns that the server rejected its certificate.
func handshakeAndRead(t *testing.T, addr string, cfg *tls.Config) error {
	conn, err := stdDial(t, addr, cfg)
	if err != nil {
		return err
	}
	if _, err := conn.Write([]byte("ping\n")); err != nil {
		return err
	}
	var b [1]byte
	_, err = conn.Read(b[:])
	if err == nil {
		return errors.New("read succeeded")
	}
	return err
}

// clientPeerCases run crypto/tls as the server against a peer client.
var clientPeerCases = []peerCase{
	{name: "TLS13/ECDSA-P256", key: ECDSAP256, version: wire.VersionTLS13,
		want: stateWant{version: tls.VersionTLS13, curve: tls.X25519}},
	{name: "TLS13/RSA/AES256/P-256", key: RSA2048, version: wire.VersionTLS13,
		groups: []wire.Group{wire.GroupSecp256r1}, suites: []wire.CipherSuite{wire.TLS_AES_256_GCM_SHA384},
		want: stateWant{version: tls.VersionTLS13, suite: tls.TLS_AES_256_GCM_SHA384, curve: tls.CurveP256}},
	{name: "TLS13/ECDSA-P384/HRR-P384", key: ECDSAP384, version: wire.VersionTLS13,
		cfg:  func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.CurveP384} },
		want: stateWant{version: tls.VersionTLS13, curve: tls.CurveP384, hrr: true}},
	{name: "TLS13/Ed25519/client-cert", key: Ed25519, clientAuth: true, version: wire.VersionTLS13,
		want: stateWant{version: tls.VersionTLS13}},
	{name: "TLS13/RSA/intermediate", key: RSA2048, leaf: LeafOptions{Intermediate: true}, version: wire.VersionTLS13,
		want: stateWant{version: tls.VersionTLS13}},
	{name: "TLS12/RSA/ECDHE-RSA-AES256-GCM", key: RSA2048, version: wire.VersionTLS12,
		suites: []wire.CipherSuite{wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
		want:   stateWant{version: tls.VersionTLS12, suite: tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}},
	{name: "TLS12/ECDSA-P384/client-cert/intermediate", key: ECDSAP384, leaf: LeafOptions{Intermediate: true},
		clientAuth: true, version: wire.VersionTLS12, want: stateWant{version: tls.VersionTLS12}},
}

// TestOpenSSLClient proves OpenSSLClient with crypto/tls as the server:
// 1 MiB each way, checked byte for byte on both sides.
func TestOpenSSLClient(t *testing.T) {
	for _, tc := range clientPeerCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runClientPeerCase(t, tc, OpenSSLClient)
		})
	}
}

// startClientFunc is the shape of OpenSSLClient and GnuTLSClient.
type startClientFunc func(testing.TB, string, ClientOpts) *Proc

// runClientPeerCase starts the peer client for tc against a crypto/tls
// server, checks the handshake result and runs the bulk check.
func runClientPeerCase(t *testing.T, tc peerCase, start startClientFunc) {
	ca := NewCA(t, tc.key)
	leaf := ca.Issue(t, tc.key, tc.leaf)
	cfg := &tls.Config{Certificates: []tls.Certificate{stdCert(leaf)}}
	opts := ClientOpts{CA: ca, Version: tc.version, Groups: tc.groups, CipherSuites: tc.suites, Send: ClientPayload()}
	want := tc.want
	if tc.clientAuth {
		clientCA := NewCA(t, tc.key)
		opts.Leaf = clientCA.Issue(t, tc.key, LeafOptions{ClientAuth: true, DNSNames: []string{"client.test"}, Intermediate: tc.leaf.Intermediate})
		cfg.ClientCAs = clientCA.Pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		want.peerCN = "client.test"
	}
	if tc.cfg != nil {
		tc.cfg(cfg)
	}
	l := Listen(t)
	p := start(t, l.Addr().String(), opts)
	conn, err := stdAccept(t, l, cfg)
	if err != nil {
		t.Fatalf("handshake with %s: %v", p, err)
	}
	checkState(t, conn.ConnectionState(), want)
	RunAsServer(t, conn, p)
}

// TestOpenSSLClientRejects proves that OpenSSLClient checks the server
// certificate: a certificate from another CA, or for another name, makes
// the handshake fail and the client exit with an error.
func TestOpenSSLClientRejects(t *testing.T) {
	for _, tc := range []struct {
		name       string
		otherCA    bool
		serverName string
	}{
		{"unknown-CA", true, ""},
		{"wrong-name", false, "wrong.test"},
		{"wrong-IP", false, "192.0.2.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ca := NewCA(t, ECDSAP256)
			trusted := ca
			if tc.otherCA {
				trusted = NewCA(t, ECDSAP256)
			}
			cfg := &tls.Config{Certificates: []tls.Certificate{stdCert(ca.Issue(t, ECDSAP256, LeafOptions{}))}}
			l := Listen(t)
			p := OpenSSLClient(t, l.Addr().String(), ClientOpts{CA: trusted, ServerName: tc.serverName})
			if _, err := stdAccept(t, l, cfg); err == nil {
				t.Fatalf("handshake succeeded; want %s to reject the server certificate", p)
			} else {
				t.Logf("server error, as expected: %v", err)
			}
			if err := p.Wait(ExitTimeout); err == nil {
				t.Errorf("%s exited with status 0 after rejecting the server", p)
			}
		})
	}
}
