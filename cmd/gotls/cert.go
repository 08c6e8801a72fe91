package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// defaultCADirName is the CA directory when neither -ca-dir nor
// GOTLS_CA_DIR names one.
const defaultCADirName = "gotls-ca"

const certExamples = `  gotls cert -ca-dir ./ca init -responder 127.0.0.1:8888
      make a CA (ECDSA P-256) whose certificates name an OCSP responder and a CRL on 127.0.0.1:8888
  gotls cert -ca-dir ./ca issue -name localhost,127.0.0.1 -out server
      issue server.pem (leaf + CA) and server-key.pem
  gotls cert -ca-dir ./ca issue -name localhost -must-staple -out staple
      a Must-Staple leaf: clients that check revocation require an OCSP staple
  gotls cert -ca-dir ./ca serve &
      run the OCSP responder and the CRL server on the CA's -responder address (loopback)
  gotls serve -accept 4433 -cert server.pem -key server-key.pem -status
      a server that staples OCSP responses fetched from that responder
  gotls connect -connect localhost:4433 -CAfile ca/ca.pem -revocation hard -status < /dev/null
      check the staple (or ask the responder) and refuse a revoked or unverifiable certificate
  gotls cert -ca-dir ./ca revoke -reason keyCompromise server.pem
  gotls cert -ca-dir ./ca ocsp -cert server.pem -out server.ocsp.der
      write a DER OCSP response for "gotls serve -status_file server.ocsp.der"
  gotls cert -ca-dir ./ca list
`

// certCommand is one subcommand of "gotls cert".
type certCommand struct {
	name, summary string
	run           func(ctx context.Context, e *env, caDir string, args []string) int
}

func certCommands() []certCommand {
	return []certCommand{
		{"init", "make a CA: ca.pem, ca-key.pem and state.json in the CA directory", runCertInit},
		{"issue", "issue a server (or -client) certificate, optionally Must-Staple", runCertIssue},
		{"revoke", "revoke a certificate by SERIAL (hex) or certificate FILE", runCertRevoke},
		{"ocsp", "write a signed DER OCSP response for a certificate (for serve -status_file)", runCertOCSP},
		{"serve", "run the CA's OCSP responder and CRL server over HTTP (loopback by default)", runCertServe},
		{"list", "show the CA and the certificates it issued, with their status", runCertList},
	}
}

// runCert dispatches "gotls cert [-ca-dir DIR] COMMAND ...".
func runCert(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("gotls cert", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	caDir := fs.String("ca-dir", defaultCADir(e), "`DIR` that holds the CA; $GOTLS_CA_DIR sets the default, else ./"+defaultCADirName)
	fs.Usage = func() { certUsage(e.stderr, fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() == 0 {
		return usageError(e.stderr, "cert", errors.New("missing COMMAND (init, issue, revoke, ocsp, serve or list)"))
	}
	name := fs.Arg(0)
	if name == "help" {
		certUsage(e.stdout, fs)
		return exitOK
	}
	for _, c := range certCommands() {
		if c.name == name {
			return c.run(ctx, e, *caDir, fs.Args()[1:])
		}
	}
	return usageError(e.stderr, "cert", fmt.Errorf("unknown command %q", name))
}

// certUsage prints the help of "gotls cert".
func certUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "gotls cert - a local CA for testing: certificates, revocation, OCSP responses and a CRL\n\n")
	fmt.Fprintf(w, "Usage:\n  gotls cert [-ca-dir DIR] COMMAND [flags]\n\nCommands:\n")
	for _, c := range certCommands() {
		fmt.Fprintf(w, "  %-7s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nFlags:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintf(w, `
The CA directory holds ca.pem (the CA certificate: give it to clients with
-CAfile), ca-key.pem (the CA key, mode 0600) and state.json (the certificates
issued, and their revocations). An Ed25519 CA also has ocsp-responder.pem and
ocsp-responder-key.pem: a delegated OCSP responder with an ECDSA key.
The CA is for testing only: never trust it system-wide.

Examples:
%s
Run "gotls cert COMMAND -help" for each command's flags.
Exit status: 0 success, 1 failure, 2 usage error.
`, certExamples)
}

// defaultCADir returns $GOTLS_CA_DIR, or ./gotls-ca.
func defaultCADir(e *env) string {
	if e.getenv != nil {
		if d := e.getenv("GOTLS_CA_DIR"); d != "" {
			return d
		}
	}
	return defaultCADirName
}

// newCertFlagSet returns the flag set of "gotls cert NAME", which takes
// -ca-dir as well, with the value given before NAME as its default.
func newCertFlagSet(name, synopsis, examples string, e *env, caDir *string) *flag.FlagSet {
	fs := newFlagSet("cert "+name, synopsis, examples, e.stderr)
	fs.StringVar(caDir, "ca-dir", *caDir, "`DIR` that holds the CA (may also come before the command)")
	return fs
}

// parseWithArgs parses flags that may come before or after positional
// arguments, and returns exactly want positionals, or the exit code and
// false.
func parseWithArgs(fs *flag.FlagSet, args []string, want int, what string) ([]string, int, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != want {
		if len(pos) < want {
			fmt.Fprintf(fs.Output(), "%s: missing %s\n", fs.Name(), what)
		} else {
			fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), pos[want])
		}
		fmt.Fprintf(fs.Output(), "Run \"%s -help\" for usage.\n", fs.Name())
		return nil, exitUsage, false
	}
	return pos, exitOK, true
}

// keyDescription names a public key's algorithm and size.
func keyDescription(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}

// splitNameList splits a -name list on commas, dropping blanks.
func splitNameList(s string) []string {
	var out []string
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}
