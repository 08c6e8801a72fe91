// Command gotls is the command-line face of the gotls TLS library: a
// step-by-step handshake demo, an openssl-style test server and client,
// and a local CA with an OCSP responder for revocation tests.
//
// Usage:
//
//	gotls demo    [-tls1_2 [-kx ecdhe|rsa] | -tls1_3] [-groups LIST] [-secrets] ...
//	gotls serve   -accept [HOST:]PORT [-cert FILE -key FILE] [-www] [-tls1_2] [-cipher LIST] [-status | -status_file FILE] ...
//	gotls connect -connect HOST:PORT [-CAfile FILE] [-trace] [-no_tls1_3] [-cipher LIST] [-status] [-revocation off|soft|hard] ...
//	gotls cert    [-ca-dir DIR] init|issue|revoke|ocsp|serve|list [flags]
//	gotls bench   [-connect HOST:PORT] [-compare] [-mode handshake|throughput|both] [-json] ...
//
// Run "gotls COMMAND -help" for the flags and examples of each command.
// Exit status: 0 success, 1 TLS or verification failure, 2 usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// env is what a command may touch of the outside world. Tests build one
// with buffers; main builds it from the process.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// colorOut and colorErr say whether stdout and stderr may carry ANSI
	// colour.
	colorOut, colorErr bool
	// getenv reads an environment variable; nil reads none.
	getenv func(string) string
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) int
}

func commands() []command {
	return []command{
		{"demo", "run a client and a server in this process and explain their handshake", runDemo},
		{"serve", "accept TLS connections: echo, or a status page with -www (like openssl s_server)", runServe},
		{"connect", "connect to a TLS server, copy stdin to it and its answer to stdout (like openssl s_client)", runConnect},
		{"cert", "a local CA for testing: issue and revoke certificates, run an OCSP responder and CRL server", runCert},
		{"bench", "measure handshakes/s and throughput, in-process or against a server, next to crypto/tls with -compare", runBench},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first interrupt asks the command to stop cleanly; after it,
	// signals have their default effect again, so a second one kills.
	context.AfterFunc(ctx, stop)
	code := run(ctx, processEnv(), os.Args[1:])
	stop()
	os.Exit(code)
}

// processEnv returns the env of the running process.
func processEnv() *env {
	noColor, term := os.Getenv("NO_COLOR"), os.Getenv("TERM")
	return &env{
		stdin:    os.Stdin,
		stdout:   os.Stdout,
		stderr:   os.Stderr,
		colorOut: useColor(noColor, term, isTerminal(os.Stdout)),
		colorErr: useColor(noColor, term, isTerminal(os.Stderr)),
		getenv:   os.Getenv,
	}
}

// useColor decides whether output may be coloured: only on a terminal,
// never when NO_COLOR is set to anything (https://no-color.org), and not
// on a dumb terminal.
func useColor(noColor, term string, terminal bool) bool {
	return terminal && noColor == "" && term != "dumb"
}

// isTerminal reports whether f is a character device, which on the
// systems gotls targets means a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// run dispatches args to a subcommand and returns the exit code.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && name == "help" {
			return run(ctx, e, []string{args[1], "-help"})
		}
		usage(e.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "gotls: unknown command %q\n\n", name)
	usage(e.stderr)
	return exitUsage
}

// usage prints the top-level help.
func usage(w io.Writer) {
	fmt.Fprintf(w, "gotls - TLS 1.3 and 1.2 in Go: a handshake demo, a test server and a test client\n\n")
	fmt.Fprintf(w, "Usage:\n  gotls COMMAND [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, `
Examples:
  gotls demo                       watch a handshake between two ends on 127.0.0.1
  gotls demo -tls1_2 -kx rsa       the same in TLS 1.2 with RSA key transport
  gotls serve -accept 4433 -www    status page server with a throwaway certificate
  gotls connect -connect example.com:443 -trace
  gotls connect -connect example.com:443 -status -revocation hard < /dev/null
                                   show the OCSP staple and refuse a revoked certificate
  gotls cert -ca-dir ./ca init     a local CA; then "gotls cert issue", "revoke", "serve"
  gotls bench -compare             handshakes/s and MB/s of gotls and crypto/tls, side by side

Flags take one dash or two, like openssl: -connect or --connect.
Run "gotls COMMAND -help" for each command's flags.
Exit status: 0 success, 1 TLS or verification failure, 2 usage error.
Colour is used only on a terminal, and never when NO_COLOR is set.
`)
}

// newFlagSet returns a flag set whose -help prints synopsis, the flags
// and examples to w.
func newFlagSet(name, synopsis, examples string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("gotls "+name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage:\n  gotls %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
		fmt.Fprintf(w, "\nExamples:\n%s", examples)
	}
	return fs
}

// parseFlags parses args. It returns the exit code to use and false when
// the command must stop: after -help (0) or on a usage error (2).
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage, false
	}
	return exitOK, true
}

// usageError reports a bad flag value and returns the usage exit code.
func usageError(w io.Writer, cmd string, err error) int {
	fmt.Fprintf(w, "gotls %s: %v\n", cmd, err)
	fmt.Fprintf(w, "Run \"gotls %s -help\" for usage.\n", cmd)
	return exitUsage
}

// failure reports a runtime error and returns the failure exit code.
func failure(w io.Writer, cmd string, err error) int {
	fmt.Fprintf(w, "gotls %s: %v\n", cmd, err)
	return exitFailure
}
