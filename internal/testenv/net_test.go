package testenv

import (
	"net"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestFreePortAndWaitListening checks that FreePort gives a port one can
// listen on and that WaitListening sees the listener.
func TestFreePortAndWaitListening(t *testing.T) {
	port := FreePort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening on the free port: %v", err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			_ = c.Close()
		}
	}()
	WaitListening(t, addr, StartTimeout)
}

// TestWaitListeningTimeout proves WaitListening fails when nothing
// listens.
func TestWaitListeningTimeout(t *testing.T) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(FreePort(t)))
	f := &fakeTB{TB: t}
	f.run(func() { WaitListening(f, addr, 100*time.Millisecond) })
	f.expect(t, "nothing listening on "+addr)
}

// TestTableListeners parses /proc/net/tcp-format text.
func TestTableListeners(t *testing.T) {
	const table = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 10 0
   1: 0100007F:D431 0100007F:1F91 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 20 4 30 10 -1
   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0000000000000000 100 0 0 10 0
   3: short line
`
	for _, tc := range []struct {
		port int
		want []string
	}{
		{8080, []string{"111", "333"}}, // 0x1F90, listening twice
		{54321, nil},                   // 0xD431, established only
		{8081, nil},                    // only a remote port
		{1, nil},
	} {
		if got := tableListeners([]byte(table), tc.port); !slices.Equal(got, tc.want) {
			t.Errorf("port %d: got %v, want %v", tc.port, got, tc.want)
		}
	}
}

// TestPortListening checks the passive check against a real listener.
func TestPortListening(t *testing.T) {
	if !canSeeListeners() {
		t.Skip("no /proc/net/tcp on this system")
	}
	l := Listen(t)
	port := l.Addr().(*net.TCPAddr).Port
	if ok, err := portListening(port); !ok || err != nil {
		t.Errorf("portListening(%d) = %v, %v with a listener", port, ok, err)
	}
	inodes, _ := listenerInodes(port)
	if !procHoldsSocket(os.Getpid(), inodes) {
		t.Errorf("procHoldsSocket(self, %v) = false for our own listener", inodes)
	}
	if p := Start(t, "sleep", "5"); procHoldsSocket(p.cmd.Process.Pid, inodes) {
		t.Errorf("procHoldsSocket(sleep, %v) = true for our listener", inodes)
	}
	_ = l.Close()
	if ok, _ := portListening(port); ok {
		t.Errorf("portListening(%d) = true after close", port)
	}
}

// TestWaitBoundExited checks that waitBound stops when the process dies.
func TestWaitBoundExited(t *testing.T) {
	p := Start(t, "true")
	if err := waitBound(p, FreePort(t), StartTimeout); err != errExited {
		t.Errorf("waitBound = %v, want errExited", err)
	}
}

// TestAccept checks Accept with and without a client.
func TestAccept(t *testing.T) {
	l := Listen(t)
	go func() {
		if c, err := net.Dial("tcp", l.Addr().String()); err == nil {
			time.Sleep(100 * time.Millisecond)
			_ = c.Close()
		}
	}()
	if c := Accept(t, l, StartTimeout); c == nil {
		t.Fatal("Accept returned nil")
	}
	f := &fakeTB{TB: t}
	f.run(func() { Accept(f, Listen(t), 50*time.Millisecond) })
	f.expect(t, "no connection on")
}
