package testenv

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestBinary checks the three outcomes of Binary: found, skipped outside
// CI, fatal in CI.
func TestBinary(t *testing.T) {
	if got := Binary(t, "sh"); got == "" {
		t.Fatalf("Binary(sh) = %q", got)
	}
	const missing = "gotls-no-such-binary"
	for _, tc := range []struct {
		ci   string
		want string
	}{
		{"true", "fatal: testenv: " + missing + " is required in CI"},
		{"", "skip: testenv: skipping: " + missing + " not found"},
		{"false", "skip: testenv: skipping: " + missing + " not found"},
	} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			f := &fakeTB{TB: t}
			f.run(func() { Binary(f, missing) })
			f.expect(t, tc.want)
		})
	}
}

// TestProcIO checks standard input, output and error capture and the exit
// status.
func TestProcIO(t *testing.T) {
	p := Start(t, "sh", "-c", "echo out; echo err >&2; cat; exit 3")
	if _, err := p.Stdin().Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	if err := p.Stdin().Close(); err != nil {
		t.Fatal(err)
	}
	err := p.Wait(ExitTimeout)
	if err == nil || errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("Wait = %v, want exit status 3", err)
	}
	if got := string(p.Stdout()); got != "out\nhello\n" {
		t.Errorf("Stdout = %q", got)
	}
	if got := p.Stderr(); got != "err\n" {
		t.Errorf("Stderr = %q", got)
	}
	if !p.Exited() {
		t.Errorf("Exited = false after Wait returned")
	}
	if r := p.Report(); !strings.Contains(r, "exit status 3") || !strings.Contains(r, "err\n") {
		t.Errorf("Report lacks the exit status or stderr:\n%s", r)
	}
}

// TestProcFeed checks that Feed delivers a large input in the background
// while the pipe stays open, and ExpectStdout accepts the exact output.
func TestProcFeed(t *testing.T) {
	data := Payload("feed", 3*65536+17)
	p := Start(t, "head", "-c", "196625")
	p.Feed(data)
	p.ExpectStdout(t, data)
	if err := p.FeedErr(); err != nil {
		t.Errorf("FeedErr = %v", err)
	}
}

// TestProcWaitTimeout checks that Wait gives up, and Kill ends the process.
func TestProcWaitTimeout(t *testing.T) {
	p := Start(t, "sleep", "30")
	start := time.Now()
	if err := p.Wait(50 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Wait = %v, want ErrTimeout", err)
	}
	if p.Exited() {
		t.Fatalf("sleep exited early")
	}
	p.Kill()
	if !p.Exited() {
		t.Fatalf("Exited = false after Kill")
	}
	if err := p.Wait(time.Second); err == nil || errors.Is(err, ErrTimeout) {
		t.Errorf("Wait after Kill = %v, want the kill signal", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Wait and Kill took %v", d)
	}
}

// TestExpectStdoutFailures proves that ExpectStdout reports wrong output,
// a failed exit and a process that does not exit.
func TestExpectStdoutFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script string
		want   []string
	}{
		{"ok", "printf abc", nil},
		{"wrong-byte", "printf abd", []string{"got 3 bytes, want 3; first difference at offset 2"}},
		{"short", "printf ab", []string{"got 2 bytes, want 3"}},
		{"exit-status", "printf abc; exit 1", []string{"exited with exit status 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeTB{TB: t}
			p := Start(t, "sh", "-c", tc.script)
			f.run(func() { p.ExpectStdout(f, []byte("abc")) })
			f.expect(t, tc.want...)
		})
	}
}

// TestSyncBufferCap checks that captured output is bounded.
func TestSyncBufferCap(t *testing.T) {
	var b syncBuffer
	chunk := make([]byte, 1<<20)
	for range maxCapture>>20 + 3 {
		if n, err := b.Write(chunk); n != len(chunk) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if b.Len() != maxCapture {
		t.Errorf("Len = %d, want %d", b.Len(), maxCapture)
	}
}
