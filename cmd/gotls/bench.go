package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"gotls"
)

const benchExamples = `  gotls bench -compare
      both ends in this process over 127.0.0.1, gotls and crypto/tls in turn,
      then a table of medians and their ratio
  gotls bench -compare -mode handshake -groups X25519 -key rsa -duration 2s
      full handshakes only, X25519 and an RSA-2048 certificate
  gotls bench -compare -mode throughput -ciphersuites TLS_CHACHA20_POLY1305_SHA256
      bulk data only (crypto/tls cannot be told which TLS 1.3 suite to use:
      the table says what each stack negotiated)
  gotls bench -connect localhost:4433 -insecure -compare
      full handshakes against a server (dial, handshake, close), our client and
      crypto/tls's; for throughput the server must echo, as "gotls serve" does
  gotls bench -compare -json > bench.json
      the results as JSON on stdout, no progress on stderr

What is measured, as the median of the rounds:
  full handshakes/s      each of -conns workers dials, completes a full handshake
                         (no session tickets) and closes, in a loop; in-process the
                         round also waits for the server side to finish
  per CPU second         the same work divided by the CPU time of this process, which
                         other load on the machine disturbs far less than wall time
  allocs, KiB/handshake  heap allocations of the whole process per handshake: both
                         ends in-process, the client with -connect
  MB/s                   in-process: -size writes from each client to a server that
                         reads and discards them; with -connect: -size written, then
                         read back from an echo server, one write in flight at a time
`

// Limits of the bench flags.
const (
	maxBenchRounds = 1000
	maxBenchConns  = 1024
	// maxBenchSize bounds -size: against an echo server a whole write is
	// in flight before its echo is read, and must fit in socket buffers.
	maxBenchSize     = 1 << 20
	minBenchDuration = 10 * time.Millisecond
	maxBenchDuration = time.Hour
)

// Workload modes of -mode.
const (
	benchHandshake  = "handshake"
	benchThroughput = "throughput"
	benchBoth       = "both"
)

// benchOptions are bench's flags.
type benchOptions struct {
	common     commonFlags
	connect    string
	servername string
	caFile     string
	insecure   bool
	duration   time.Duration
	rounds     int
	conns      int
	size       int
	mode       string
	key        string
	compare    bool
	json       bool
}

func (o *benchOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.connect, "connect", "", "measure against the server at `HOST:PORT`; default: both ends in this process over 127.0.0.1")
	fs.StringVar(&o.servername, "servername", "", "with -connect: `NAME` to send as SNI and to verify; default: the host of -connect")
	fs.StringVar(&o.caFile, "CAfile", "", "with -connect: CA certificates `FILE` (PEM) to trust instead of the system roots")
	fs.BoolVar(&o.insecure, "insecure", false, "with -connect: do not verify the server's certificate")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "length of each round of each stack and measure")
	fs.IntVar(&o.rounds, "rounds", 5, "`N` rounds per stack and measure; the table shows their median")
	fs.IntVar(&o.conns, "conns", runtime.GOMAXPROCS(0), "`N` connections in parallel, each a client goroutine; the default is GOMAXPROCS")
	fs.IntVar(&o.size, "size", 16384, "`BYTES` per write for throughput")
	fs.StringVar(&o.mode, "mode", benchBoth, "what to measure: handshake, throughput or both")
	fs.StringVar(&o.key, "key", "", "in-process: the server certificate's key, ecdsa (P-256, the default), rsa (2048 bits) or ed25519")
	fs.BoolVar(&o.compare, "compare", false, "run crypto/tls alongside, in alternating rounds, and show the ratio gotls/crypto/tls")
	fs.BoolVar(&o.json, "json", false, "print the results as JSON on stdout and no progress on stderr")
	c := &o.common
	fs.StringVar(&c.groups, "groups", "", "`LIST` of key exchange groups in preference order, colon-separated: "+groupNamesHelp)
	fs.StringVar(&c.suites, "ciphersuites", "", "`LIST` of TLS 1.3 cipher suites, colon-separated (crypto/tls ignores it)")
	fs.StringVar(&c.cipher, "cipher", "", "`LIST` of TLS 1.2 cipher suites, colon-separated OpenSSL or IANA names")
	fs.BoolVar(&c.tls12, "tls1_2", false, "use TLS 1.2 only")
	fs.BoolVar(&c.tls13, "tls1_3", false, "use TLS 1.3 only")
}

// runBench measures handshakes per second and throughput, of gotls alone
// or next to crypto/tls.
func runBench(ctx context.Context, e *env, args []string) int {
	o, code, ok := parseBenchFlags(e.stderr, args)
	if !ok {
		return code
	}
	if err := o.check(); err != nil {
		return usageError(e.stderr, "bench", err)
	}
	base := &gotls.Config{}
	if err := applyCommon(base, &o.common); err != nil {
		return usageError(e.stderr, "bench", err)
	}
	suites12, _ := parseSuites12(o.common.cipher)
	if kind, _ := benchKeyKind(o.key); o.connect == "" && kind != "rsa" && needsRSAKey(suites12) {
		return usageError(e.stderr, "bench", errors.New("the suites of -cipher need an RSA certificate: add -key rsa"))
	}
	return o.run(ctx, e, base)
}

// parseBenchFlags parses bench's flags. It returns false with the exit
// code when the command must stop: after -help or on a usage error.
func parseBenchFlags(w io.Writer, args []string) (*benchOptions, int, bool) {
	o := &benchOptions{}
	fs := newFlagSet("bench", "[-connect HOST:PORT [-servername NAME] [-CAfile FILE] [-insecure]] [-compare] [-mode handshake|throughput|both] "+
		"[-duration D] [-rounds N] [-conns N] [-size BYTES] [-tls1_2 | -tls1_3] [-groups LIST] [-ciphersuites LIST] [-cipher LIST] [-key ecdsa|rsa|ed25519] [-json]",
		benchExamples, w)
	o.register(fs)
	code, ok := parseFlags(fs, args)
	return o, code, ok
}

// run measures with the checked options and base, the Config the shared
// flags made, and prints the results.
func (o *benchOptions) run(ctx context.Context, e *env, base *gotls.Config) int {
	p, err := newBenchPlan(o, base)
	if err != nil {
		return failure(e.stderr, "bench", err)
	}
	defer p.close()
	if !o.json {
		fmt.Fprintf(e.stderr, "gotls bench: %s, about %v\n", p.describe(), p.estimate().Round(time.Second))
		for _, note := range []string{legacyNote(base.CipherSuites), p.note()} {
			if note != "" {
				fmt.Fprintln(e.stderr, note)
			}
		}
	}
	prog := newBenchProgress(e.stderr, isTerminalWriter(e.stderr), o.json)
	rep, err := p.run(ctx, prog)
	prog.finish()
	if ctx.Err() != nil {
		return failure(e.stderr, "bench", errors.New("interrupted"))
	}
	if err != nil {
		return failure(e.stderr, "bench", err)
	}
	if o.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return failure(e.stderr, "bench", err)
		}
		return exitOK
	}
	rep.writeTable(e.stdout)
	return exitOK
}

// check validates the flags together.
func (o *benchOptions) check() error {
	switch {
	case o.rounds < 1 || o.rounds > maxBenchRounds:
		return fmt.Errorf("-rounds %d is not from 1 to %d", o.rounds, maxBenchRounds)
	case o.conns < 1 || o.conns > maxBenchConns:
		return fmt.Errorf("-conns %d is not from 1 to %d", o.conns, maxBenchConns)
	case o.size < 1 || o.size > maxBenchSize:
		return fmt.Errorf("-size %d is not from 1 to %d", o.size, maxBenchSize)
	case o.duration < minBenchDuration || o.duration > maxBenchDuration:
		return fmt.Errorf("-duration %v is not from %v to %v", o.duration, minBenchDuration, maxBenchDuration)
	case o.mode != benchHandshake && o.mode != benchThroughput && o.mode != benchBoth:
		return fmt.Errorf("unknown -mode %q (known: handshake, throughput, both)", o.mode)
	}
	if o.connect != "" {
		if _, err := parseConnect(o.connect); err != nil {
			return err
		}
		if o.key != "" {
			return errors.New("-key sets the in-process server's certificate: it does not go with -connect")
		}
		return nil
	}
	if o.servername != "" || o.caFile != "" || o.insecure {
		return errors.New("-servername, -CAfile and -insecure go with -connect: in-process, the client trusts a throwaway CA")
	}
	_, err := benchKeyKind(o.key)
	return err
}

// benchKeyKind maps a -key value to "ecdsa", "rsa" or "ed25519".
func benchKeyKind(s string) (string, error) {
	switch strings.ToLower(s) {
	case "", "ecdsa", "p-256", "p256":
		return "ecdsa", nil
	case "rsa", "rsa2048":
		return "rsa", nil
	case "ed25519":
		return "ed25519", nil
	}
	return "", fmt.Errorf("unknown -key %q (known: ecdsa, rsa, ed25519)", s)
}

// measures returns the workloads -mode selects.
func (o *benchOptions) measures() (handshakes, throughput bool) {
	return o.mode != benchThroughput, o.mode != benchHandshake
}
