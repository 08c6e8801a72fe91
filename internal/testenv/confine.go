package testenv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"
)

// This file runs a peer server that cannot be told which address to
// listen on (gnutls-serv binds 0.0.0.0 and [::]) so that it is reachable
// on loopback only: the server lives in a network namespace of its own,
// where the loopback device is the only device, and the test reaches it
// through a bridge listening on 127.0.0.1 in the test's namespace.

// errNoNetNS reports that this system or process may not create or enter
// network namespaces: creating one needs Linux and CAP_SYS_ADMIN (root).
var errNoNetNS = errors.New("network namespaces unavailable")

// confinedPort is the port a confined server listens on inside its
// namespace. Nothing else lives there, so any port is free.
const confinedPort = 4433

// bridgeDialTimeout bounds one connection from the bridge to a confined
// server; it is shorter than the wait in bridge.close.
const bridgeDialTimeout = 5 * time.Second

// startConfinedServer starts name with args (built for confinedPort) in a
// network namespace of its own, waits until it accepts connections there
// and returns it with the 127.0.0.1 address of a bridge to it. Where
// network namespaces are unavailable the test is skipped, or fails when
// the environment variable CI is "true".
func startConfinedServer(t testing.TB, name string, args []string) (*Proc, string) {
	t.Helper()
	p, ns, err := startConfined(t, name, args)
	if errors.Is(err, errNoNetNS) {
		netnsUnavailable(t, name, err)
	}
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	target := net.JoinHostPort("127.0.0.1", strconv.Itoa(confinedPort))
	if err := waitConfined(p, ns, target, StartTimeout); err != nil {
		p.Kill()
		if errors.Is(err, errNoNetNS) {
			netnsUnavailable(t, name, err)
		}
		t.Fatalf("testenv: %s did not start listening on %s in its network namespace: %v\n%s", p, target, err, p.Report())
	}
	return p, startBridge(t, func() (net.Conn, error) { return dialInNetNS(ns, target, bridgeDialTimeout) })
}

// netnsUnavailable skips the test because name cannot be confined to a
// network namespace of its own, or fails it when CI is "true".
func netnsUnavailable(t testing.TB, name string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("testenv: %s must run in a network namespace of its own, which CI requires (run the tests as root on Linux): %v", name, err)
	}
	t.Skipf("testenv: skipping: %s must run in a network namespace of its own, which needs root on Linux (with CI=true this is a failure): %v", name, err)
}

// waitConfined waits until p accepts connections on target inside its
// namespace ns, connecting there to check (p sees each check as a
// connection that closes at once). It gives up early when p exits or
// the namespace cannot be entered.
func waitConfined(p *Proc, ns *os.File, target string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if p.Exited() {
			return errExited
		}
		c, err := dialInNetNS(ns, target, time.Second)
		if err == nil {
			return c.Close()
		}
		if errors.Is(err, errNoNetNS) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not accepting after %v: %w", timeout, err)
		}
		time.Sleep(pollInterval)
	}
}
