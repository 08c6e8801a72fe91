package testenv

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"
)

// This file holds the crypto/tls stand-in for the gotls stack: the peer
// harness is proven against it, so that gotls can later take its place
// with no change to the harness.

// handshakeTimeout bounds one crypto/tls handshake in these tests.
const handshakeTimeout = 10 * time.Second

// stdCert turns a Leaf into a crypto/tls certificate.
func stdCert(l *Leaf) tls.Certificate {
	return tls.Certificate{Certificate: l.Chain, PrivateKey: l.Key, Leaf: l.Cert}
}

// stdDial connects to addr with crypto/tls and completes the handshake,
// returning the error instead of failing when the handshake fails.
func stdDial(t *testing.T, addr string, cfg *tls.Config) (*tls.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), handshakeTimeout)
	defer cancel()
	d := &tls.Dialer{Config: cfg}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*tls.Conn), nil
}

// stdAccept accepts one connection on l and runs the crypto/tls server
// handshake on it, returning the handshake error.
func stdAccept(t *testing.T, l net.Listener, cfg *tls.Config) (*tls.Conn, error) {
	t.Helper()
	raw := Accept(t, l, StartTimeout)
	c := tls.Server(raw, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), handshakeTimeout)
	defer cancel()
	return c, c.HandshakeContext(ctx)
}

// stateWant lists the connection properties a case checks; zero fields
// are not checked.
type stateWant struct {
	version uint16
	suite   uint16
	curve   tls.CurveID
	hrr     bool
	peerCN  string // common name of the peer's leaf certificate
}

// checkState compares a connection state with want.
func checkState(t *testing.T, cs tls.ConnectionState, want stateWant) {
	t.Helper()
	if want.version != 0 && cs.Version != want.version {
		t.Errorf("version = %s, want %s", tls.VersionName(cs.Version), tls.VersionName(want.version))
	}
	if want.suite != 0 && cs.CipherSuite != want.suite {
		t.Errorf("cipher suite = %s, want %s", tls.CipherSuiteName(cs.CipherSuite), tls.CipherSuiteName(want.suite))
	}
	if want.curve != 0 && cs.CurveID != want.curve {
		t.Errorf("group = %v, want %v", cs.CurveID, want.curve)
	}
	if cs.HelloRetryRequest != want.hrr {
		t.Errorf("HelloRetryRequest = %v, want %v", cs.HelloRetryRequest, want.hrr)
	}
	if want.peerCN != "" {
		if len(cs.PeerCertificates) == 0 {
			t.Errorf("no peer certificate, want one for %q", want.peerCN)
		} else if cn := cs.PeerCertificates[0].Subject.CommonName; cn != want.peerCN {
			t.Errorf("peer certificate CN = %q, want %q", cn, want.peerCN)
		}
	}
}
