//go:build linux

package testenv

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// sameNetNS reports whether two /proc/.../ns/net links name one namespace.
func sameNetNS(t *testing.T, a, b string) bool {
	t.Helper()
	fa, err := os.Stat(a)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := os.Stat(b)
	if err != nil {
		t.Fatal(err)
	}
	return os.SameFile(fa, fb)
}

// socketInodes returns the inodes of the sockets process pid holds open.
func socketInodes(t *testing.T, pid int) []string {
	t.Helper()
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var inodes []string
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err == nil && strings.HasPrefix(target, "socket:[") {
			inodes = append(inodes, strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]"))
		}
	}
	return inodes
}

// tableInodes returns the inodes of every socket, in any state, listed in
// the tcp, tcp6, udp and udp6 tables under dir (a /proc/.../net).
func tableInodes(t *testing.T, dir string) []string {
	t.Helper()
	var inodes []string
	for _, name := range []string{"tcp", "tcp6", "udp", "udp6"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) >= 10 && f[0] != "sl" {
				inodes = append(inodes, f[9])
			}
		}
	}
	return inodes
}

// netDevices returns the names of the network devices listed in a
// /proc/.../net/dev file.
func netDevices(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var devs []string
	for _, line := range strings.Split(string(data), "\n") {
		if name, _, ok := strings.Cut(line, ":"); ok && !strings.Contains(name, "|") {
			devs = append(devs, strings.TrimSpace(name))
		}
	}
	return devs
}

// TestGnuTLSServerConfined checks where gnutls-serv listens: in a network
// namespace other than the test's, whose only device is lo, on 0.0.0.0
// and [::] there, with none of its sockets in the test's namespace; the
// returned address is a 127.0.0.1 listener of the test process itself.
func TestGnuTLSServerConfined(t *testing.T) {
	ca := NewCA(t, ECDSAP256)
	p, addr := GnuTLSServer(t, ServerOpts{Leaf: ca.Issue(t, ECDSAP256, LeafOptions{})})
	proc := "/proc/" + strconv.Itoa(p.cmd.Process.Pid)
	if sameNetNS(t, proc+"/ns/net", "/proc/self/ns/net") {
		t.Fatalf("%s shares the test's network namespace", p)
	}
	if devs := netDevices(t, proc+"/net/dev"); !slices.Equal(devs, []string{"lo"}) {
		t.Errorf("devices in the namespace of %s: %v, want [lo]", p, devs)
	}
	held := socketInodes(t, p.cmd.Process.Pid)
	listening := 0
	for _, table := range []string{"tcp", "tcp6"} {
		data, err := os.ReadFile(proc + "/net/" + table)
		if err != nil {
			t.Fatal(err)
		}
		for _, inode := range tableListeners(data, confinedPort) {
			if slices.Contains(held, inode) {
				listening++
			}
		}
	}
	if listening != 2 {
		t.Errorf("%s holds %d listeners on port %d in its namespace, want 2 (0.0.0.0 and [::])", p, listening, confinedPort)
	}
	host := tableInodes(t, "/proc/self/net")
	for _, inode := range held {
		if slices.Contains(host, inode) {
			t.Errorf("socket %s of %s is in the test's network namespace", inode, p)
		}
	}
	hostAddr, port, err := net.SplitHostPort(addr)
	if err != nil || hostAddr != "127.0.0.1" {
		t.Fatalf("address %q, want 127.0.0.1:PORT", addr)
	}
	n, _ := strconv.Atoi(port)
	ours, err := listenerInodes(n)
	if err != nil {
		t.Fatal(err)
	}
	if !procHoldsSocket(os.Getpid(), ours) {
		t.Errorf("%s is not a listener of the test process", addr)
	}
}

// TestInNetNSRestoresThreads runs many namespace switches at once and
// then checks that every thread of the test process is back in the
// test's network namespace, and that a dial made inside a confined
// process's namespace reaches a listener there that the test's own
// namespace cannot reach.
func TestInNetNSRestoresThreads(t *testing.T) {
	p, ns, err := startConfined(t, "sleep", []string{"30"})
	if err != nil {
		t.Fatal(err)
	}
	var l net.Listener
	if err := inNetNS(ns, func() (err error) {
		l, err = net.Listen("tcp4", "127.0.0.1:0")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go replyServer(l)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			c, err := dialInNetNS(ns, l.Addr().String(), StartTimeout)
			if err != nil {
				t.Errorf("dial in the namespace of %s: %v", p, err)
				return
			}
			_ = c.Close()
		})
	}
	wg.Wait()
	tasks, err := filepath.Glob("/proc/self/task/*/ns/net")
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no threads found: %v", err)
	}
	for _, task := range tasks {
		if _, err := os.Stat(task); err == nil && !sameNetNS(t, task, "/proc/self/ns/net") {
			t.Errorf("%s is not in the test's network namespace", task)
		}
	}
	if ok, _ := portListening(l.Addr().(*net.TCPAddr).Port); ok {
		return // some other process happens to listen on that port here
	}
	if c, err := net.DialTimeout("tcp4", l.Addr().String(), StartTimeout); err == nil {
		c.Close()
		t.Errorf("%s in the namespace of %s is reachable from the test's namespace", l.Addr(), p)
	}
}
