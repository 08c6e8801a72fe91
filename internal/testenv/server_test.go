package testenv

import (
	"errors"
	"net"
	"strconv"
	"testing"
)

// TestPortTakenDetected starts each peer server that shares the test's
// network namespace on a port that is already taken and checks that the
// wait reports errPortTaken, which makes startServer retry on another
// port. (gnutls-serv runs in a namespace of its own, where every port is
// free.)
func TestPortTakenDetected(t *testing.T) {
	ca := NewCA(t, ECDSAP256)
	leaf := ca.Issue(t, ECDSAP256, LeafOptions{})
	for _, tc := range []struct {
		name   string
		listen string
		bin    string
		args   func(port string) []string
		wait   func(*Proc, int) error
	}{
		{"openssl", "127.0.0.1:0", "openssl", func(port string) []string {
			return []string{"s_server", "-accept", "127.0.0.1:" + port, "-quiet", "-naccept", "1",
				"-cert", leaf.CertFile, "-key", leaf.KeyFile}
		}, waitOpenSSLServer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, err := net.Listen("tcp4", tc.listen)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			port := l.Addr().(*net.TCPAddr).Port
			p := Start(t, tc.bin, tc.args(strconv.Itoa(port))...)
			if err := tc.wait(p, port); !errors.Is(err, errPortTaken) {
				t.Errorf("wait = %v, want errPortTaken\n%s", err, p.Report())
			}
		})
	}
}
