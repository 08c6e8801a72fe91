package gotls_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"testing"
	"time"

	"gotls"
	"gotls/internal/testenv"
	"gotls/internal/wire"
)

// interopGroups are the groups the openssl binary on our machines has.
var interopGroups = []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384}

// dialPeer connects our client to a peer server and completes the handshake.
func dialPeer(t *testing.T, addr string, cfg *gotls.Config) *gotls.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := &gotls.Dialer{Config: cfg}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatalf("handshake with %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*gotls.Conn)
}

func TestInteropOpenSSLServer13(t *testing.T) {
	testenv.Binary(t, "openssl")
	for _, kt := range crossKeys {
		ca, leaf := pkiFor(t, kt)
		for _, suite := range crossSuites {
			for _, group := range interopGroups {
				t.Run(fmt.Sprintf("%s/%s/%s", kt, gotls.CipherSuiteName(suite), gotls.GroupName(uint16(group))), func(t *testing.T) {
					p, addr := testenv.OpenSSLServer(t, testenv.ServerOpts{
						Leaf: leaf, Version: wire.VersionTLS13, Send: testenv.ServerPayload(),
						Groups: []wire.Group{wire.Group(group)}, CipherSuites: []wire.CipherSuite{wire.CipherSuite(suite)},
					})
					c := dialPeer(t, addr, &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool,
						CipherSuites: []uint16{suite}, CurvePreferences: []tls.CurveID{group}})
					checkState(t, c.ConnectionState(), suite, group)
					testenv.RunAsClient(t, c, p)
				})
			}
		}
	}
}

func TestInteropOpenSSLClient13(t *testing.T) {
	testenv.Binary(t, "openssl")
	for _, kt := range crossKeys {
		ca, leaf := pkiFor(t, kt)
		for _, suite := range crossSuites {
			for _, group := range interopGroups {
				t.Run(fmt.Sprintf("%s/%s/%s", kt, gotls.CipherSuiteName(suite), gotls.GroupName(uint16(group))), func(t *testing.T) {
					srv := serveOnePeer(t, &gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)},
						CipherSuites: []uint16{suite}, CurvePreferences: []tls.CurveID{group}},
						func(addr string) *testenv.Proc {
							return testenv.OpenSSLClient(t, addr, testenv.ClientOpts{CA: ca, Version: wire.VersionTLS13,
								Send: testenv.ClientPayload(), Groups: []wire.Group{wire.Group(group)},
								CipherSuites: []wire.CipherSuite{wire.CipherSuite(suite)}})
						})
					checkState(t, srv.ConnectionState(), suite, group)
				})
			}
		}
	}
}

// serveOnePeer listens, starts a peer client with start, accepts its
// connection with our server and runs the standard exchange.
func serveOnePeer(t *testing.T, cfg *gotls.Config, start func(addr string) *testenv.Proc) *gotls.Conn {
	t.Helper()
	l := testenv.Listen(t)
	p := start(l.Addr().String())
	raw := testenv.Accept(t, l, 10*time.Second)
	c := gotls.Server(raw, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.HandshakeContext(ctx); err != nil {
		t.Fatalf("handshake with %s: %v\n%s", p, err, p.Report())
	}
	testenv.RunAsServer(t, c, p)
	return c
}

func TestInteropOpenSSLHelloRetry13(t *testing.T) {
	testenv.Binary(t, "openssl")
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	t.Run("our client", func(t *testing.T) {
		p, addr := testenv.OpenSSLServer(t, testenv.ServerOpts{Leaf: leaf, Version: wire.VersionTLS13,
			Send: testenv.ServerPayload(), Groups: []wire.Group{wire.GroupSecp384r1}})
		c := dialPeer(t, addr, &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool,
			CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP384}})
		if st := c.ConnectionState(); !st.HelloRetryRequest || st.CurveID != tls.CurveP384 {
			t.Fatalf("HelloRetryRequest=%v group=%v; want a retry to P-384", st.HelloRetryRequest, st.CurveID)
		}
		testenv.RunAsClient(t, c, p)
	})
	t.Run("our server", func(t *testing.T) {
		srv := serveOnePeer(t, &gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)},
			CurvePreferences: []tls.CurveID{tls.CurveP384}},
			func(addr string) *testenv.Proc {
				return testenv.OpenSSLClient(t, addr, testenv.ClientOpts{CA: ca, Version: wire.VersionTLS13,
					Send: testenv.ClientPayload(), Groups: []wire.Group{wire.GroupX25519, wire.GroupSecp384r1}})
			})
		if st := srv.ConnectionState(); !st.HelloRetryRequest || st.CurveID != tls.CurveP384 {
			t.Fatalf("HelloRetryRequest=%v group=%v; want a retry to P-384", st.HelloRetryRequest, st.CurveID)
		}
	})
}

func TestInteropOpenSSLClientCert13(t *testing.T) {
	testenv.Binary(t, "openssl")
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	clientLeaf := ca.Issue(t, testenv.RSA2048, testenv.LeafOptions{ClientAuth: true})
	t.Run("our client", func(t *testing.T) {
		p, addr := testenv.OpenSSLServer(t, testenv.ServerOpts{Leaf: leaf, Version: wire.VersionTLS13,
			Send: testenv.ServerPayload(), ClientCA: ca})
		c := dialPeer(t, addr, &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool,
			Certificates: []tls.Certificate{tlsCert(clientLeaf)}})
		testenv.RunAsClient(t, c, p)
	})
	t.Run("our server", func(t *testing.T) {
		srv := serveOnePeer(t, &gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)},
			ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.Pool},
			func(addr string) *testenv.Proc {
				return testenv.OpenSSLClient(t, addr, testenv.ClientOpts{CA: ca, Version: wire.VersionTLS13,
					Send: testenv.ClientPayload(), Leaf: clientLeaf})
			})
		st := srv.ConnectionState()
		if len(st.VerifiedChains) == 0 || st.PeerCertificates[0].SerialNumber.Cmp(clientLeaf.Cert.SerialNumber) != 0 {
			t.Fatal("server did not verify the openssl client's certificate")
		}
	})
}

func TestInteropGnuTLS13(t *testing.T) {
	testenv.Binary(t, "gnutls-serv")
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	t.Run("our client", func(t *testing.T) {
		p, addr := testenv.GnuTLSServer(t, testenv.ServerOpts{Leaf: leaf, Version: wire.VersionTLS13})
		c := dialPeer(t, addr, &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool})
		if v := c.ConnectionState().Version; v != tls.VersionTLS13 {
			t.Fatalf("version %x", v)
		}
		testenv.RunAsClient(t, c, p)
	})
	t.Run("our server", func(t *testing.T) {
		srv := serveOnePeer(t, &gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}},
			func(addr string) *testenv.Proc {
				return testenv.GnuTLSClient(t, addr, testenv.ClientOpts{CA: ca, Version: wire.VersionTLS13,
					Send: testenv.ClientPayload()})
			})
		if v := srv.ConnectionState().Version; v != tls.VersionTLS13 {
			t.Fatalf("version %x", v)
		}
	})
}
