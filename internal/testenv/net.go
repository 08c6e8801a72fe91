package testenv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pollInterval is how often readiness checks look again.
const pollInterval = 20 * time.Millisecond

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago: it
// listens on port 0, notes the port the kernel chose and closes the
// listener. Another process may take the port before the caller does;
// the peer starters retry with a new port when that happens.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: finding a free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatalf("testenv: closing probe listener: %v", err)
	}
	return port
}

// WaitListening polls addr with TCP connects until one succeeds, and fails
// the test if none does within timeout. Each successful probe is a real
// connection the server will see; for servers that accept only one
// connection, the peer starters use a passive check instead.
func WaitListening(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return
		}
		lastErr = err
		time.Sleep(pollInterval)
	}
	t.Fatalf("testenv: nothing listening on %s after %v: %v", addr, timeout, lastErr)
}

// errExited reports that a peer process died before it was ready.
var errExited = errors.New("process exited before it was listening")

// waitBound waits until p itself listens on TCP port, without connecting
// to it, by reading the kernel's socket tables and p's file descriptors; a
// socket some other process holds on the port does not count. It gives up
// early when p exits. Where /proc/net/tcp is missing (not Linux) it falls
// back to a connect probe.
func waitBound(p *Proc, port int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if p.Exited() {
			return errExited
		}
		inodes, err := listenerInodes(port)
		if err != nil {
			return waitConnect(p, port, deadline)
		}
		if procHoldsSocket(p.cmd.Process.Pid, inodes) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("port %d not listening after %v", port, timeout)
		}
		time.Sleep(pollInterval)
	}
}

// waitConnect is waitBound's fallback: it probes the port by connecting.
func waitConnect(p *Proc, port int, deadline time.Time) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for time.Now().Before(deadline) {
		if p.Exited() {
			return errExited
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			return c.Close()
		}
		time.Sleep(pollInterval)
	}
	return fmt.Errorf("%s not listening", addr)
}

// canSeeListeners reports whether waitBound can check for a listener
// without connecting to it.
func canSeeListeners() bool {
	_, err := listenerInodes(0)
	return err == nil
}

// portListening reports whether any process listens on TCP port.
func portListening(port int) (bool, error) {
	inodes, err := listenerInodes(port)
	return len(inodes) > 0, err
}

// tcpListenState is the kernel's code for a listening socket in
// /proc/net/tcp.
const tcpListenState = "0A"

// listenerInodes returns the socket inodes that /proc/net/tcp and
// /proc/net/tcp6 show listening on port. It returns an error when neither
// table can be read.
func listenerInodes(port int) ([]string, error) {
	readable := false
	var inodes []string
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		readable = true
		inodes = append(inodes, tableListeners(data, port)...)
	}
	if !readable {
		return nil, errors.New("no /proc/net/tcp")
	}
	return inodes, nil
}

// tableListeners scans one /proc/net/tcp-format table for sockets
// listening on port and returns their inodes. Each row reads
// "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout
// inode ...", with the local address as HEXIP:HEXPORT.
func tableListeners(data []byte, port int) []string {
	want := fmt.Sprintf(":%04X", port)
	var inodes []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		if strings.HasSuffix(fields[1], want) && fields[3] == tcpListenState {
			inodes = append(inodes, fields[9])
		}
	}
	return inodes
}

// procHoldsSocket reports whether process pid has a file descriptor open
// on one of the socket inodes.
func procHoldsSocket(pid int, inodes []string) bool {
	if len(inodes) == 0 {
		return false
	}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		target, err := os.Readlink(dir + "/" + e.Name())
		if err != nil {
			continue
		}
		for _, inode := range inodes {
			if target == "socket:["+inode+"]" {
				return true
			}
		}
	}
	return false
}

// Listen returns a TCP listener on 127.0.0.1 with a port the kernel
// chooses; it is closed when the test ends.
func Listen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: listening: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// Accept accepts one connection on l, failing the test if none arrives
// within timeout; on timeout l is closed. It works with any net.Listener,
// including ones that wrap accepted connections in TLS. The connection is
// closed when the test ends.
func Accept(t testing.TB, l net.Listener, timeout time.Duration) net.Conn {
	t.Helper()
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := l.Accept()
		ch <- result{c, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("testenv: accepting on %v: %v", l.Addr(), r.err)
		}
		t.Cleanup(func() { _ = r.c.Close() })
		return r.c
	case <-timer.C:
		_ = l.Close()
		t.Fatalf("testenv: no connection on %v within %v", l.Addr(), timeout)
		return nil
	}
}
