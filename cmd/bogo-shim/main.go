// Command bogo-shim lets BoringSSL's BoGo conformance runner drive gotls.
//
// The runner (ssl/test/runner in BoringSSL's tree) starts this binary once
// per test with single-dash flags; the shim connects back to the runner,
// writes its shim ID, speaks TLS as client or server (-server) with the
// configuration the flags describe, echoes application data XOR 0xFF, and
// exits 0 on success, 1 on failure with the reason on stderr, or 89 when
// the test needs something gotls does not implement. config.json beside
// this file lists the disabled tests and maps BoringSSL's error codes to
// gotls's error strings; doc/conformance.md says how to run it.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Exit statuses the runner understands.
const (
	exitOK            = 0
	exitFailure       = 1
	exitUnimplemented = 89
)

func main() {
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	os.Exit(code)
}

// unimplementedError marks a test that needs a feature gotls lacks.
type unimplementedError struct {
	reason string
}

func (e *unimplementedError) Error() string { return "unimplemented: " + e.reason }

// run is the whole shim: it parses args, answers the capability probe or
// runs the test's connections, and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	parsed, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "bogo-shim: %v\n", err)
		if errors.Is(err, errUnknownFlag) {
			return exitUnimplemented
		}
		return exitFailure
	}
	if parsed.probe {
		// The split-handshake "handshaker" is a BoringSSL-only feature.
		fmt.Fprintln(stdout, "No")
		return exitOK
	}
	conns := []*options{parsed.initial}
	if parsed.initial.resumeCount > 0 {
		conns = append(conns, parsed.resume)
	}
	for i, o := range conns {
		o.validate(i > 0)
		if len(o.unsupported) > 0 {
			for _, why := range o.unsupported {
				fmt.Fprintf(stderr, "unimplemented: %s\n", why)
			}
			logUnimplemented(o.unsupported[0])
			return exitUnimplemented
		}
	}
	if err := runConnections(parsed); err != nil {
		fmt.Fprintf(stderr, "bogo-shim: %v\n", err)
		var u *unimplementedError
		if errors.As(err, &u) {
			logUnimplemented(u.reason)
			return exitUnimplemented
		}
		return exitFailure
	}
	return exitOK
}

// unimplementedLogEnv names a file to which the shim appends, one line per
// run, why it exited "unimplemented". The runner does not show the stderr
// of such tests; the log lets doc/conformance.md count the reasons.
const unimplementedLogEnv = "BOGO_SHIM_UNIMPLEMENTED_LOG"

// logUnimplemented appends reason to the file named by
// BOGO_SHIM_UNIMPLEMENTED_LOG, if set. Failures to log are ignored.
func logUnimplemented(reason string) {
	path := os.Getenv(unimplementedLogEnv)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, reason)
}
