package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 10 * time.Second

// syncBuffer is a bytes.Buffer safe for concurrent writers, which reports
// the first "ACCEPT host:port" line written to it.
type syncBuffer struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	accepted chan string
	sent     bool
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{accepted: make(chan string, 1)} }

var acceptLine = regexp.MustCompile(`(?m)^ACCEPT (\S+)$`)

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if m := acceptLine.FindStringSubmatch(b.buf.String()); m != nil && !b.sent {
		b.sent = true
		b.accepted <- m[1]
	}
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testPKI holds PEM files made by a throwaway CA, in a temporary directory.
type testPKI struct {
	dir                   string
	caFile                string
	serverCert, serverKey string
	clientCert, clientKey string
	// rsaCert and rsaKey are an RSA-2048 server leaf, written by withRSA.
	rsaCert, rsaKey string
	ca              *throwawayCA
}

// newTestPKI writes a CA, a server leaf for localhost/127.0.0.1 and a
// client leaf to t.TempDir().
func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	now := time.Now()
	ca, err := newThrowawayCA("gotls test CA", now)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.issue("localhost", false, now)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := ca.issue("gotls test client", true, now)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := &testPKI{
		ca:         ca,
		dir:        dir,
		caFile:     filepath.Join(dir, "ca.pem"),
		serverCert: filepath.Join(dir, "server.pem"), serverKey: filepath.Join(dir, "server.key"),
		clientCert: filepath.Join(dir, "client.pem"), clientKey: filepath.Join(dir, "client.key"),
	}
	for path, data := range map[string][]byte{
		p.caFile: ca.pem, p.serverCert: srv.certPEM, p.serverKey: srv.keyPEM,
		p.clientCert: cli.certPEM, p.clientKey: cli.keyPEM,
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// withRSA adds an RSA-2048 server leaf for localhost/127.0.0.1, for the
// TLS 1.2 suites that need an RSA key.
func (p *testPKI) withRSA(t *testing.T) *testPKI {
	t.Helper()
	leaf, err := p.ca.issueRSA("localhost", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.rsaCert, p.rsaKey = filepath.Join(p.dir, "rsa.pem"), filepath.Join(p.dir, "rsa.key")
	if err := os.WriteFile(p.rsaCert, leaf.certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.rsaKey, leaf.keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// cmdResult is the outcome of one in-process command run.
type cmdResult struct {
	code           int
	stdout, stderr string
}

// runCmd runs a command in-process with stdin and waits for it, failing
// the test after testTimeout.
func runCmd(t *testing.T, stdin string, args ...string) cmdResult {
	t.Helper()
	var out bytes.Buffer
	errb := newSyncBuffer()
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: errb}
	done := make(chan int, 1)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	go func() { done <- run(ctx, e, args) }()
	select {
	case code := <-done:
		return cmdResult{code: code, stdout: out.String(), stderr: errb.String()}
	case <-time.After(testTimeout + time.Second):
		t.Fatalf("gotls %s did not finish in time; stderr:\n%s", strings.Join(args, " "), errb.String())
		return cmdResult{}
	}
}

// bgServe runs "gotls serve" in-process on 127.0.0.1 port 0 and returns
// its address and a channel that yields its exit code.
type bgServe struct {
	addr   string
	stderr *syncBuffer
	done   chan int
	// stop cancels the command's context.
	stop context.CancelFunc
}

func startServe(t *testing.T, args ...string) *bgServe {
	t.Helper()
	return startBackground(t, append([]string{"serve", "-accept", "127.0.0.1:0"}, args...)...)
}

// startBackground runs a command that prints "ACCEPT host:port" in-process,
// waits for that line, and stops the command when the test ends (or after
// 2*testTimeout).
func startBackground(t *testing.T, full ...string) *bgServe {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*testTimeout)
	s := &bgServe{stderr: newSyncBuffer(), done: make(chan int, 1), stop: cancel}
	e := &env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: s.stderr}
	go func() {
		s.done <- run(ctx, e, full)
		cancel()
	}()
	t.Cleanup(cancel)
	select {
	case s.addr = <-s.stderr.accepted:
	case code := <-s.done:
		t.Fatalf("%s exited with %d before listening:\n%s", full[0], code, s.stderr.String())
	case <-time.After(testTimeout):
		t.Fatalf("%s did not print ACCEPT:\n%s", full[0], s.stderr.String())
	}
	return s
}

// wait returns the server's exit code.
func (s *bgServe) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-s.done:
		return code
	case <-time.After(testTimeout):
		t.Fatalf("serve did not exit; stderr:\n%s", s.stderr.String())
		return -1
	}
}

// mustContain fails unless s contains each of wants.
func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}
