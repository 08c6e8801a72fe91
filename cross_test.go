package gotls_test

import (
	"crypto/tls"
	"fmt"
	"net"
	"testing"

	"gotls"
	"gotls/internal/testenv"
)

// crossSuites, crossGroups and crossKeys span the interop matrix.
var (
	crossSuites = []uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256}
	crossGroups = []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384, tls.X25519MLKEM768}
	crossKeys   = []testenv.KeyType{testenv.ECDSAP256, testenv.RSA2048, testenv.Ed25519}
)

// pkiFor returns a CA and a server leaf of key type kt.
func pkiFor(t testing.TB, kt testenv.KeyType) (*testenv.CA, *testenv.Leaf) {
	ca := testenv.NewCA(t, testenv.ECDSAP256)
	return ca, ca.Issue(t, kt, testenv.LeafOptions{})
}

func tlsCert(l *testenv.Leaf) tls.Certificate {
	return tls.Certificate{Certificate: l.Chain, PrivateKey: l.Key, Leaf: l.Cert}
}

// TestCrossOurClient runs our client against crypto/tls's server for every
// suite, group and certificate type, with 1 MiB each way.
func TestCrossOurClient(t *testing.T) {
	const size = 1 << 20
	for _, kt := range crossKeys {
		ca, leaf := pkiFor(t, kt)
		for _, suite := range crossSuites {
			for _, group := range crossGroups {
				name := fmt.Sprintf("%s/%s/%s", kt, gotls.CipherSuiteName(suite), gotls.GroupName(uint16(group)))
				t.Run(name, func(t *testing.T) {
					a, b := tcpPair(t)
					srv := tls.Server(b, &tls.Config{
						Certificates: []tls.Certificate{tlsCert(leaf)}, MinVersion: tls.VersionTLS13,
						CurvePreferences: []tls.CurveID{group},
					})
					cl := gotls.Client(a, &gotls.Config{
						ServerName: "localhost", RootCAs: ca.Pool,
						CipherSuites: []uint16{suite}, CurvePreferences: []tls.CurveID{group},
					})
					up, down := payload("up"+name, size), payload("down"+name, size)
					err := bothEnds(
						func() error { return exchange(srv, down, up) },
						func() error { return exchange(cl, up, down) })
					if err != nil {
						t.Fatal(err)
					}
					checkState(t, cl.ConnectionState(), suite, group)
					checkState(t, srv.ConnectionState(), suite, group)
				})
			}
		}
	}
}

// TestCrossOurServer runs crypto/tls's client against our server for every
// suite, group and certificate type, with 1 MiB each way.
func TestCrossOurServer(t *testing.T) {
	const size = 1 << 20
	for _, kt := range crossKeys {
		ca, leaf := pkiFor(t, kt)
		for _, suite := range crossSuites {
			for _, group := range crossGroups {
				name := fmt.Sprintf("%s/%s/%s", kt, gotls.CipherSuiteName(suite), gotls.GroupName(uint16(group)))
				t.Run(name, func(t *testing.T) {
					a, b := tcpPair(t)
					srv := gotls.Server(b, &gotls.Config{
						Certificates: []tls.Certificate{tlsCert(leaf)},
						CipherSuites: []uint16{suite}, CurvePreferences: []tls.CurveID{group},
					})
					cl := tls.Client(a, &tls.Config{
						ServerName: "localhost", RootCAs: ca.Pool, MinVersion: tls.VersionTLS13,
						CurvePreferences: []tls.CurveID{group},
					})
					up, down := payload("up"+name, size), payload("down"+name, size)
					err := bothEnds(
						func() error { return exchange(srv, down, up) },
						func() error { return exchange(cl, up, down) })
					if err != nil {
						t.Fatal(err)
					}
					checkState(t, cl.ConnectionState(), suite, group)
					checkState(t, srv.ConnectionState(), suite, group)
				})
			}
		}
	}
}

// checkState asserts what a TLS 1.3 connection agreed on.
func checkState(t *testing.T, st tls.ConnectionState, suite uint16, group tls.CurveID) {
	t.Helper()
	if !st.HandshakeComplete || st.Version != tls.VersionTLS13 || st.CipherSuite != suite || st.CurveID != group {
		t.Errorf("state: complete=%v version=%x suite=%x group=%v; want TLS 1.3, %x, %v",
			st.HandshakeComplete, st.Version, st.CipherSuite, st.CurveID, suite, group)
	}
}

// TestCrossHelloRetry forces HelloRetryRequest in both directions: the
// client's first key share is for a group the server does not take.
func TestCrossHelloRetry(t *testing.T) {
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	prefs := []tls.CurveID{tls.X25519, tls.CurveP384}
	t.Run("our client", func(t *testing.T) {
		a, b := tcpPair(t)
		srv := tls.Server(b, &tls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}, CurvePreferences: []tls.CurveID{tls.CurveP384}})
		cl := gotls.Client(a, &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool, CurvePreferences: prefs})
		runHRR(t, cl, srv)
		if !cl.ConnectionState().HelloRetryRequest {
			t.Error("client did not see a HelloRetryRequest")
		}
	})
	t.Run("our server", func(t *testing.T) {
		a, b := tcpPair(t)
		srv := gotls.Server(b, &gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}, CurvePreferences: []tls.CurveID{tls.CurveP384}})
		cl := tls.Client(a, &tls.Config{ServerName: "localhost", RootCAs: ca.Pool, CurvePreferences: prefs})
		runHRR(t, cl, srv)
		if !srv.ConnectionState().HelloRetryRequest {
			t.Error("server did not send a HelloRetryRequest")
		}
	})
}

type stater interface {
	ConnectionState() tls.ConnectionState
}

func runHRR(t *testing.T, cl, srv net.Conn) {
	t.Helper()
	err := bothEnds(
		func() error { return exchange(srv, []byte("from server"), []byte("from client")) },
		func() error { return exchange(cl, []byte("from client"), []byte("from server")) })
	if err != nil {
		t.Fatal(err)
	}
	if g := cl.(stater).ConnectionState().CurveID; g != tls.CurveP384 {
		t.Errorf("group %v; want P-384", g)
	}
}
