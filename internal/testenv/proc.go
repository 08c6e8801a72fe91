package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Timeouts used throughout the package. Every wait is bounded by one.
const (
	// StartTimeout bounds how long a peer may take to start listening.
	StartTimeout = 10 * time.Second
	// ExitTimeout bounds how long a peer may take to exit once its work is
	// done.
	ExitTimeout = 10 * time.Second
	// IOTimeout bounds one Exchange, both directions together.
	IOTimeout = 30 * time.Second
)

// Binary returns the path of the executable name. When it is missing the
// test is skipped, unless the environment variable CI is "true": there a
// real peer must run, so the test fails.
func Binary(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("testenv: %s is required in CI but was not found: %v", name, err)
	}
	t.Skipf("testenv: skipping: %s not found in PATH (install it to run this test; with CI=true this is a failure)", name)
	return ""
}

// Proc is a child process started by Start. Its standard output and
// standard error are captured; its standard input is a pipe that stays
// open until the process exits. The process is killed when the test ends.
type Proc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{} // closed once the process has exited
	err    error         // result of cmd.Wait, valid after done is closed

	feedMu  sync.Mutex
	feedErr error // first error writing Feed data to stdin

	peer peerRole // what the process does with TLS application data
}

// peerRole records how a TLS peer process treats application data, so
// that RunAsClient and RunAsServer know what to expect from it.
type peerRole struct {
	sends  []byte // data the peer sends after the handshake
	echoes bool   // the peer sends back what it receives
	prints bool   // the peer writes what it receives to stdout
}

// Start runs the executable name with args. A missing executable skips
// the test (see Binary). The process is killed in t.Cleanup, and if the
// test failed its command line, exit status and output are logged.
func Start(t testing.TB, name string, args ...string) *Proc {
	t.Helper()
	p, err := start(t, name, args, nil)
	if err != nil {
		t.Fatalf("testenv: starting %s: %v", p, err)
	}
	return p
}

// start is Start with process attributes (nil for none) that returns the
// error of starting the process instead of failing the test. The cleanup
// is registered only when the process started.
func start(t testing.TB, name string, args []string, attr *syscall.SysProcAttr) (*Proc, error) {
	t.Helper()
	cmd := exec.Command(Binary(t, name), args...)
	cmd.SysProcAttr = attr
	p := &Proc{
		cmd:    cmd,
		stdout: &syncBuffer{},
		stderr: &syncBuffer{},
		done:   make(chan struct{}),
	}
	cmd.Stdout = p.stdout
	cmd.Stderr = p.stderr
	// After the process exits, its output is still being copied; under load
	// that can take more than a second for a 1 MiB payload.
	cmd.WaitDelay = 10 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("testenv: stdin pipe for %s: %v", name, err)
	}
	p.stdin = stdin
	if err := cmd.Start(); err != nil {
		return p, err
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("testenv: %s\n%s", p, p.Report())
		}
	})
	return p, nil
}

// String returns the command line.
func (p *Proc) String() string { return strings.Join(p.cmd.Args, " ") }

// Stdin returns the write end of the process's standard input. Closing it
// sends end-of-file; some peers treat that as a request to stop.
func (p *Proc) Stdin() io.WriteCloser { return p.stdin }

// Feed writes data to the process's standard input in the background and
// leaves the pipe open. Errors are reported by Report and FeedErr.
func (p *Proc) Feed(data []byte) {
	go func() {
		if _, err := p.stdin.Write(data); err != nil {
			p.feedMu.Lock()
			defer p.feedMu.Unlock()
			if p.feedErr == nil {
				p.feedErr = err
			}
		}
	}()
}

// FeedErr returns the first error met while writing Feed data, if any.
func (p *Proc) FeedErr() error {
	p.feedMu.Lock()
	defer p.feedMu.Unlock()
	return p.feedErr
}

// Stdout returns a copy of everything the process wrote to standard
// output so far.
func (p *Proc) Stdout() []byte { return p.stdout.Bytes() }

// Stderr returns everything the process wrote to standard error so far.
func (p *Proc) Stderr() string { return string(p.stderr.Bytes()) }

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ErrTimeout is returned by Wait when the process outlives the timeout.
var ErrTimeout = errors.New("testenv: timed out waiting for process to exit")

// Wait waits up to timeout for the process to exit and returns its exit
// error (nil for status 0). After the timeout it returns ErrTimeout and
// leaves the process running.
func (p *Proc) Wait(timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-p.done:
		return p.err
	case <-timer.C:
		return fmt.Errorf("%w after %v: %s", ErrTimeout, timeout, p)
	}
}

// Kill kills the process if it is still running and waits (bounded) for
// it to be reaped.
func (p *Proc) Kill() {
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.Wait(ExitTimeout)
}

// Report describes the process's state and output for a failure message:
// exit status, stdin error, and the tails of standard error and standard
// output.
func (p *Proc) Report() string {
	var b strings.Builder
	if p.Exited() {
		fmt.Fprintf(&b, "exit: %v\n", exitText(p.err))
	} else {
		b.WriteString("exit: still running\n")
	}
	if err := p.FeedErr(); err != nil {
		fmt.Fprintf(&b, "stdin: %v\n", err)
	}
	fmt.Fprintf(&b, "stderr (last 4 KiB):\n%s\n", tail(p.stderr.Bytes(), 4096))
	fmt.Fprintf(&b, "stdout (%d bytes, last 1 KiB):\n%s", p.stdout.Len(), tail(p.stdout.Bytes(), 1024))
	return b.String()
}

// exitText renders a Wait result, where nil means a clean exit.
func exitText(err error) string {
	if err == nil {
		return "status 0"
	}
	return err.Error()
}

// tail returns the last n bytes of b as text, marking a cut.
func tail(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return "..." + string(b[len(b)-n:])
}

// maxCapture bounds how much output one process may leave in memory.
const maxCapture = 64 << 20

// syncBuffer is an io.Writer that goroutines may share, holding at most
// maxCapture bytes; output beyond that is dropped.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends b, dropping whatever exceeds maxCapture.
func (s *syncBuffer) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(b)
	if room := maxCapture - s.buf.Len(); len(b) > room {
		b = b[:max(room, 0)]
	}
	s.buf.Write(b)
	return n, nil
}

// Bytes returns a copy of the contents.
func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.buf.Bytes())
}

// Len returns the number of bytes held.
func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Len()
}
