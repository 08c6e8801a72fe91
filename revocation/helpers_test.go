package revocation_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"gotls"
	"gotls/revocation/revocationtest"
)

// clock is a controllable clock for tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// newClock returns a clock set to the current time, truncated to seconds.
func newClock() *clock { return &clock{now: time.Now().Truncate(time.Second)} }

// Now returns the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// serverConfig returns a gotls server configuration presenting leaf.
func serverConfig(leaf *revocationtest.Leaf) *gotls.Config {
	return &gotls.Config{Certificates: []tls.Certificate{{Certificate: leaf.Chain, PrivateKey: leaf.Key, Leaf: leaf.Cert}}}
}

// clientConfig returns a gotls client configuration that trusts ca, uses
// its clock, and applies policy.
func clientConfig(ca *revocationtest.CA, policy gotls.RevocationPolicy) *gotls.Config {
	return &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool, Time: ca.Now, RevocationPolicy: policy,
		RevocationTimeout: 2 * time.Second}
}

// connect runs one handshake between our client and our server over
// loopback TCP, and returns the client's state and error.
func connect(t *testing.T, client, server *gotls.Config) (tls.ConnectionState, error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	srvDone := make(chan error, 1)
	go func() {
		raw, err := l.Accept()
		if err != nil {
			srvDone <- err
			return
		}
		defer raw.Close()
		raw.SetDeadline(time.Now().Add(15 * time.Second))
		srvDone <- gotls.Server(raw, server).Handshake()
	}()
	raw, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn := gotls.Client(raw, client)
	err = conn.HandshakeContext(ctx)
	state := conn.ConnectionState()
	raw.Close()
	<-srvDone
	return state, err
}

// revocationErrorOf returns the RevocationError err carries, or nil.
func revocationErrorOf(err error) *gotls.RevocationError {
	var re *gotls.RevocationError
	if errors.As(err, &re) {
		return re
	}
	return nil
}

// alertOf returns the alert a local handshake error carries, or 0xff.
func alertOf(err error) gotls.Alert {
	var ae *gotls.AlertError
	if errors.As(err, &ae) {
		return ae.Alert
	}
	return 0xff
}
