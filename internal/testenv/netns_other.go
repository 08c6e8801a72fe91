//go:build !linux

package testenv

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"testing"
	"time"
)

// startConfined would start a process in a network namespace of its own;
// only Linux has them, so it always fails with errNoNetNS here.
func startConfined(t testing.TB, name string, args []string) (*Proc, *os.File, error) {
	return nil, nil, fmt.Errorf("%w on %s", errNoNetNS, runtime.GOOS)
}

// dialInNetNS is never reached where startConfined always fails.
func dialInNetNS(ns *os.File, addr string, timeout time.Duration) (net.Conn, error) {
	return nil, fmt.Errorf("%w on %s", errNoNetNS, runtime.GOOS)
}
