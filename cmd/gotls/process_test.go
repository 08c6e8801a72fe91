package main

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// runMainEnv, when set in the environment, makes the test binary run
// gotls itself instead of the tests, so that tests can start gotls in
// separate processes.
const runMainEnv = "GOTLS_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		ctx, cancel := context.WithTimeout(context.Background(), 2*testTimeout)
		code := run(ctx, processEnv(), os.Args[1:])
		cancel()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// startServeProcess runs "gotls serve" on 127.0.0.1 port 0 in a process
// of its own, waits for its ACCEPT line, and kills it when the test
// ends.
func startServeProcess(t *testing.T, args ...string) *bgServe {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*testTimeout)
	full := append([]string{"serve", "-accept", "127.0.0.1:0"}, args...)
	cmd := exec.CommandContext(ctx, exe, full...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	s := &bgServe{stderr: newSyncBuffer(), done: make(chan int, 1), stop: cancel}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		cmd.Wait()
		s.done <- cmd.ProcessState.ExitCode()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(testTimeout):
			t.Errorf("serve process %d did not exit", cmd.Process.Pid)
		}
	})
	select {
	case s.addr = <-s.stderr.accepted:
	case code := <-s.done:
		s.done <- code
		t.Fatalf("serve process exited with %d before listening:\n%s", code, s.stderr.String())
	case <-time.After(testTimeout):
		t.Fatalf("serve process did not print ACCEPT:\n%s", s.stderr.String())
	}
	return s
}
