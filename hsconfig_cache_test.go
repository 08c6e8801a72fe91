package gotls_test

import (
	"bytes"
	"crypto/tls"
	"testing"

	"gotls"
	"gotls/internal/testenv"
)

// TestCertificateCacheFollowsConfig checks that a server Config presents
// its current certificates although it converts them only once: after the
// Certificates slice is replaced, or one of its entries is, the next
// connection presents the new leaf.
func TestCertificateCacheFollowsConfig(t *testing.T) {
	ca := testenv.NewCA(t, testenv.ECDSAP256)
	first := ca.Issue(t, testenv.ECDSAP256, testenv.LeafOptions{})
	second := ca.Issue(t, testenv.ECDSAP256, testenv.LeafOptions{})
	cfg := &gotls.Config{Certificates: []tls.Certificate{tlsCert(first)}}
	presented := func() []byte {
		t.Helper()
		a, b := tcpPair(t)
		srv := gotls.Server(b, cfg)
		cl := tls.Client(a, &tls.Config{ServerName: "localhost", RootCAs: ca.Pool})
		if err := bothEnds(srv.Handshake, cl.Handshake); err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		defer cl.Close()
		return cl.ConnectionState().PeerCertificates[0].Raw
	}
	steps := []struct {
		name   string
		change func()
		want   *testenv.Leaf
	}{
		{"initial", func() {}, first},
		{"unchanged", func() {}, first},
		{"slice replaced", func() { cfg.Certificates = []tls.Certificate{tlsCert(second)} }, second},
		{"entry replaced", func() { cfg.Certificates[0] = tlsCert(first) }, first},
		{"clone", func() { cfg = cfg.Clone() }, first},
	}
	for _, s := range steps {
		s.change()
		if got := presented(); !bytes.Equal(got, s.want.Chain[0]) {
			t.Errorf("%s: server presented another certificate than the configured one", s.name)
		}
	}
}
