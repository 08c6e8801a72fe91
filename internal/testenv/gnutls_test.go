package testenv

import (
	"crypto/tls"
	"testing"

	"gotls/internal/wire"
)

// TestGnuTLSServer proves GnuTLSServer with crypto/tls as the client: the
// server echoes 1 MiB, checked byte for byte.
func TestGnuTLSServer(t *testing.T) {
	for _, tc := range []peerCase{
		{name: "TLS13/ECDSA-P256", key: ECDSAP256, version: wire.VersionTLS13,
			want: stateWant{version: tls.VersionTLS13}},
		{name: "TLS13/Ed25519/HRR-P384/client-cert", key: Ed25519, clientAuth: true, version: wire.VersionTLS13,
			groups: []wire.Group{wire.GroupSecp384r1},
			want:   stateWant{version: tls.VersionTLS13, curve: tls.CurveP384, hrr: true}},
		{name: "TLS12/RSA/ECDHE-RSA-AES128-GCM/P-256", key: RSA2048, leaf: LeafOptions{Intermediate: true}, version: wire.VersionTLS12,
			groups: []wire.Group{wire.GroupSecp256r1}, suites: []wire.CipherSuite{wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
			want: stateWant{version: tls.VersionTLS12, suite: tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, curve: tls.CurveP256}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runServerPeerCase(t, tc, GnuTLSServer, nil)
		})
	}
}

// TestGnuTLSClient proves GnuTLSClient with crypto/tls as the server:
// 1 MiB each way, checked byte for byte on both sides.
func TestGnuTLSClient(t *testing.T) {
	for _, tc := range []peerCase{
		{name: "TLS13/Ed25519/CHACHA20", key: Ed25519, version: wire.VersionTLS13,
			suites: []wire.CipherSuite{wire.TLS_CHACHA20_POLY1305_SHA256},
			want:   stateWant{version: tls.VersionTLS13, suite: tls.TLS_CHACHA20_POLY1305_SHA256}},
		{name: "TLS12/ECDSA-P384/client-cert/intermediate", key: ECDSAP384, leaf: LeafOptions{Intermediate: true},
			clientAuth: true, version: wire.VersionTLS12, suites: []wire.CipherSuite{wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
			want: stateWant{version: tls.VersionTLS12, suite: tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runClientPeerCase(t, tc, GnuTLSClient)
		})
	}
}

// TestGnuTLSClientRejects proves that GnuTLSClient checks the server
// certificate's name.
func TestGnuTLSClientRejects(t *testing.T) {
	ca := NewCA(t, ECDSAP256)
	cfg := &tls.Config{Certificates: []tls.Certificate{stdCert(ca.Issue(t, ECDSAP256, LeafOptions{}))}}
	l := Listen(t)
	p := GnuTLSClient(t, l.Addr().String(), ClientOpts{CA: ca, ServerName: "wrong.test"})
	if _, err := stdAccept(t, l, cfg); err == nil {
		t.Fatalf("handshake succeeded; want %s to reject the server certificate", p)
	}
	if err := p.Wait(ExitTimeout); err == nil {
		t.Errorf("%s exited with status 0 after rejecting the server", p)
	}
}
