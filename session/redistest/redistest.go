// Package redistest starts a private redis-server for tests, so that the
// tests of the session store, the handshake and the command line can run
// against a real Redis.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// startAttempts is how many ports StartRedis tries before giving up; a
// port picked as free can be taken by someone else before the server
// binds it.
const startAttempts = 5

// readyTimeout is how long a started server has to answer PING.
const readyTimeout = 5 * time.Second

// StartRedis starts redis-server on 127.0.0.1 on a free port, without
// persistence, waits until it answers PING, and returns its address and a
// function that kills it. The server is also killed when the test ends;
// stop may be called any number of times. When redis-server is not
// installed the test is skipped, unless the environment has CI=true, in
// which case it fails.
func StartRedis(t testing.TB) (addr string, stop func()) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redistest: redis-server is required in CI: %v", err)
		}
		t.Skipf("redistest: redis-server not installed: %v", err)
	}
	var lastErr error
	for range startAttempts {
		addr, stop, err := start(bin)
		if err == nil {
			t.Cleanup(stop)
			return addr, stop
		}
		lastErr = err
	}
	t.Fatalf("redistest: starting redis-server: %v", lastErr)
	return "", nil
}

// start runs one redis-server on a port that was free a moment ago and
// waits for it to answer.
func start(bin string) (string, func(), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin,
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--loglevel", "warning",
	)
	var output strings.Builder
	cmd.Stdout = &output
	cmd.Stderr = &output
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			<-exited
		})
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := waitReady(addr, exited); err != nil {
		stop()
		return "", nil, fmt.Errorf("%w; output: %s", err, output.String())
	}
	return addr, stop, nil
}

// freePort returns a TCP port on 127.0.0.1 that no one listened on a
// moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls addr with PING until it answers PONG, the server exits,
// or readyTimeout passes.
func waitReady(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited before answering")
		default:
		}
		if ping(addr) == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("redis-server at %s did not answer PING within %v", addr, readyTimeout)
}

// ping sends one inline PING to addr and checks the reply.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("unexpected reply to PING: %q", line)
	}
	return nil
}
