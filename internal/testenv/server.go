package testenv

import (
	"errors"
	"net"
	"strconv"
	"testing"
)

// startAttempts is how often a server starter tries fresh ports when the
// one it picked was taken meanwhile.
const startAttempts = 3

// errPortTaken reports that another process took the chosen port between
// FreePort and the server's bind.
var errPortTaken = errors.New("port taken by another process")

// serverSpec describes how to start one kind of peer server.
type serverSpec struct {
	name    string                        // executable
	args    func(port int) []string       // command line for a port
	wait    func(p *Proc, port int) error // waits until p listens
	started func(p *Proc)                 // runs once p listens
}

// startServer runs a server process on a fresh port on 127.0.0.1,
// retrying with another port when the one it chose was taken, and returns
// it with its address once it listens.
func startServer(t testing.TB, spec serverSpec) (*Proc, string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		port := FreePort(t)
		p := Start(t, spec.name, spec.args(port)...)
		err := spec.wait(p, port)
		if err == nil {
			spec.started(p)
			return p, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		}
		p.Kill()
		if errors.Is(err, errPortTaken) && attempt < startAttempts {
			continue
		}
		t.Fatalf("testenv: %s did not start listening: %v\n%s", p, err, p.Report())
	}
}
