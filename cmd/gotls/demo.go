package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"gotls"
)

// demoMessage is what the demo client sends and the server echoes.
const demoMessage = "hello from the gotls demo client"

// demoTimeout bounds the whole demo.
const demoTimeout = 15 * time.Second

const demoExamples = `  gotls demo                          TLS 1.3 with the default groups and suites
  gotls demo -groups P-384            offer only P-384 for the key exchange
  gotls demo -groups X25519MLKEM768   post-quantum hybrid key exchange
  gotls demo -ciphersuites TLS_CHACHA20_POLY1305_SHA256
  gotls demo -secrets                 also print secret values (never do this for real traffic)
`

// demoOptions are the demo's flags.
type demoOptions struct {
	tls13   bool
	secrets bool
	groups  string
	suites  string
}

// runDemo runs a client and a server over 127.0.0.1 and prints each step
// of their handshake and of an encrypted echo as it happens.
func runDemo(ctx context.Context, e *env, args []string) int {
	var o demoOptions
	fs := newFlagSet("demo", "[-tls13] [-groups LIST] [-ciphersuites LIST] [-secrets]", demoExamples, e.stderr)
	fs.BoolVar(&o.tls13, "tls13", false, "allow only TLS 1.3, on both sides")
	fs.StringVar(&o.groups, "groups", "", "`LIST` of groups the client offers, colon-separated: "+groupNamesHelp)
	fs.StringVar(&o.suites, "ciphersuites", "", "`LIST` of cipher suites the client offers, colon-separated IANA names")
	fs.BoolVar(&o.secrets, "secrets", false, "print the values of the derived secrets, not just their names")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	ccfg := &gotls.Config{}
	if err := applyGroups(ccfg, o.groups); err != nil {
		return usageError(e.stderr, "demo", err)
	}
	suites, err := parseSuites(o.suites)
	if err != nil {
		return usageError(e.stderr, "demo", err)
	}
	ccfg.CipherSuites = suites
	d := &demo{p: newPrinter(e.stdout, e.colorOut), o: o}
	if err := d.run(ctx, ccfg); err != nil {
		d.p.result(false, "%v", err)
		return exitFailure
	}
	return exitOK
}

// demo holds one run of the demo.
type demo struct {
	p  *printer
	o  demoOptions
	ca *throwawayCA
}

// run performs the demo: setup, handshake, echo, close, summary.
func (d *demo) run(ctx context.Context, ccfg *gotls.Config) error {
	ctx, cancel := context.WithTimeout(ctx, demoTimeout)
	defer cancel()
	d.intro()
	scfg, err := d.setup(ccfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	d.p.plain("server  listening on %s (loopback, port chosen by the system)", ln.Addr())

	steps := make(chan error, 3)
	go d.serve(ctx, ln, scfg, steps)
	cli, err := d.handshake(ctx, ln.Addr().String(), ccfg, steps)
	if err != nil {
		return err
	}
	defer cli.Close()
	if err := d.exchange(cli, steps); err != nil {
		return err
	}
	if err := d.closeBoth(cli, steps); err != nil {
		return err
	}
	d.summary(infoOf(cli))
	return nil
}

// intro says what the reader is about to see.
func (d *demo) intro() {
	fmt.Fprintln(d.p.w, d.p.pal.paint(styleBold, "gotls demo: a TLS client and server in this process, talking over 127.0.0.1"))
	d.p.plain("Each line is printed as it happens. \"client │\" and \"server │\" say who acts;")
	d.p.plain("\"⇢ wire\" lines show the TLS records a side sends: outer type and body length.")
}

// setup makes the throwaway CA and the server certificate and completes
// both configurations. It returns the server's.
func (d *demo) setup(ccfg *gotls.Config) (*gotls.Config, error) {
	d.p.heading("Setup")
	now := time.Now()
	ca, err := newThrowawayCA("gotls demo CA", now)
	if err != nil {
		return nil, err
	}
	leaf, err := ca.issue("localhost", false, now)
	if err != nil {
		return nil, err
	}
	cert, err := gotls.X509KeyPair(leaf.certPEM, leaf.keyPEM)
	if err != nil {
		return nil, err
	}
	d.ca = ca
	d.p.plain("CA      %q: ECDSA P-256, self-signed, made in memory just now", ca.cert.Subject.CommonName)
	d.p.plain("server  certificate for %s, signed by the CA, valid until %s",
		strings.Join(leafNames(leaf), ", "), leaf.cert.NotAfter.UTC().Format(time.RFC3339))
	d.p.plain("client  trusts only %q and expects the name \"localhost\"", ca.cert.Subject.CommonName)
	scfg := &gotls.Config{Certificates: append(ccfg.Certificates[:0:0], cert)}
	ccfg.RootCAs = ca.pool()
	ccfg.ServerName = "localhost"
	for _, c := range []*gotls.Config{ccfg, scfg} {
		c.HandshakeTrace = d.p.event
		c.TraceSecrets = d.o.secrets
		if d.o.tls13 {
			c.MinVersion, c.MaxVersion = gotls.VersionTLS13, gotls.VersionTLS13
		}
	}
	d.describeOffer(ccfg)
	return scfg, nil
}

// describeOffer says what the flags changed in the client's offer.
func (d *demo) describeOffer(ccfg *gotls.Config) {
	versions := "the defaults"
	if d.o.tls13 {
		versions = "TLS 1.3 only (-tls13)"
	}
	groups, suites := "the defaults", "the defaults"
	if d.o.groups != "" {
		groups = d.o.groups
	}
	if d.o.suites != "" {
		suites = d.o.suites
	}
	d.p.plain("offer   versions: %s; groups: %s; cipher suites: %s", versions, groups, suites)
	if d.o.secrets {
		d.p.plain("secrets %s", d.p.pal.paint(styleYellow, "VALUES SHOWN (-secrets): anyone who has them can decrypt this session"))
	} else {
		d.p.plain("secrets only their names are shown; add -secrets to see the values")
	}
}

func leafNames(l *leafCert) []string {
	names := append([]string(nil), l.cert.DNSNames...)
	for _, ip := range l.cert.IPAddresses {
		names = append(names, ip.String())
	}
	return names
}

// handshake dials the server, runs the client handshake and waits for the
// server's handshake to end.
func (d *demo) handshake(ctx context.Context, addr string, ccfg *gotls.Config, steps <-chan error) (*gotls.Conn, error) {
	var nd net.Dialer
	raw, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	raw.SetDeadline(time.Now().Add(demoTimeout))
	d.p.plain("client  connected from %s", raw.LocalAddr())
	d.p.heading("Handshake")
	start := time.Now()
	cli := gotls.Client(d.tap(raw, true), ccfg)
	cerr := cli.HandshakeContext(ctx)
	if cerr != nil {
		cli.Close()
	}
	serr := waitStep(ctx, steps)
	if cerr != nil || serr != nil {
		return nil, joinSides(cerr, serr)
	}
	d.p.result(true, "handshake complete in %s", time.Since(start).Round(10*time.Microsecond))
	return cli, nil
}

// joinSides combines the client's and the server's errors.
func joinSides(cerr, serr error) error {
	var errs []error
	if cerr != nil {
		errs = append(errs, fmt.Errorf("client: %w", cerr))
	}
	if serr != nil {
		errs = append(errs, fmt.Errorf("server: %w", serr))
	}
	return errors.Join(errs...)
}

// tap wraps raw so that the records it sends are printed for one side.
func (d *demo) tap(raw net.Conn, client bool) net.Conn {
	return &recordTap{Conn: raw, onWrite: func(recs []record) {
		d.p.wire(client, describeRecords(recs))
	}}
}

// waitStep waits for the server goroutine to finish its next step.
func waitStep(ctx context.Context, steps <-chan error) error {
	select {
	case err := <-steps:
		return err
	case <-ctx.Done():
		return fmt.Errorf("timed out waiting for the server: %w", ctx.Err())
	}
}

// serve is the demo's server: one connection, handshake, echo one
// message, close. It reports the end of each step on steps.
func (d *demo) serve(ctx context.Context, ln net.Listener, cfg *gotls.Config, steps chan<- error) {
	raw, err := ln.Accept()
	if err != nil {
		steps <- err
		return
	}
	raw.SetDeadline(time.Now().Add(demoTimeout))
	conn := gotls.Server(d.tap(raw, false), cfg)
	defer conn.Close()
	for _, step := range []func() error{
		func() error { return conn.HandshakeContext(ctx) },
		func() error { return d.echo(conn) },
		func() error { return d.serverClose(conn) },
	} {
		err := step()
		steps <- err
		if err != nil {
			return
		}
	}
}

// echo reads the demo message and writes it back.
func (d *demo) echo(conn *gotls.Conn) error {
	buf := make([]byte, len(demoMessage))
	if _, err := io.ReadFull(conn, buf); err != nil {
		return fmt.Errorf("reading the message: %w", err)
	}
	d.p.say(false, "read %d bytes of application data: %q", len(buf), buf)
	d.p.say(false, "write them back")
	if _, err := conn.Write(buf); err != nil {
		return fmt.Errorf("echoing: %w", err)
	}
	return nil
}

// serverClose waits for the client's close_notify and answers with its
// own.
func (d *demo) serverClose(conn *gotls.Conn) error {
	var one [1]byte
	if n, err := conn.Read(one[:]); !errors.Is(err, io.EOF) {
		return fmt.Errorf("expected close_notify, got %d bytes and error %v", n, err)
	}
	d.p.say(false, "received close_notify: the client will send nothing more")
	d.p.say(false, "send close_notify")
	return conn.CloseWrite()
}

// exchange sends the demo message and reads the echo.
func (d *demo) exchange(cli *gotls.Conn, steps <-chan error) error {
	d.p.heading("Application data (encrypted)")
	d.p.plain("In TLS 1.3 each record hides its real type and adds a 16-byte AEAD tag.")
	d.p.say(true, "write %q (%d bytes)", demoMessage, len(demoMessage))
	if _, err := cli.Write([]byte(demoMessage)); err != nil {
		return fmt.Errorf("client write: %w", err)
	}
	buf := make([]byte, len(demoMessage))
	if _, err := io.ReadFull(cli, buf); err != nil {
		return joinSides(fmt.Errorf("reading the echo: %w", err), <-steps)
	}
	if err := <-steps; err != nil {
		return fmt.Errorf("server: %w", err)
	}
	d.p.say(true, "read %d bytes: %q", len(buf), buf)
	if string(buf) != demoMessage {
		return errors.New("the echo differs from the message")
	}
	d.p.result(true, "the echo matches")
	return nil
}

// closeBoth closes the connection in both directions with close_notify.
func (d *demo) closeBoth(cli *gotls.Conn, steps <-chan error) error {
	d.p.heading("Closing")
	d.p.say(true, "send close_notify")
	if err := cli.CloseWrite(); err != nil {
		return fmt.Errorf("client close_notify: %w", err)
	}
	var one [1]byte
	n, err := cli.Read(one[:])
	serr := <-steps
	if serr != nil {
		return fmt.Errorf("server: %w", serr)
	}
	if !errors.Is(err, io.EOF) {
		return fmt.Errorf("client: expected close_notify, got %d bytes and error %v", n, err)
	}
	d.p.say(true, "received close_notify")
	d.p.result(true, "closed cleanly in both directions")
	return nil
}

// summary prints what the handshake agreed on.
func (d *demo) summary(info connInfo) {
	d.p.heading("Summary")
	d.p.plain("version       %s", gotls.VersionName(info.version))
	d.p.plain("cipher suite  %s", suiteLabel(info.suite))
	d.p.plain("group         %s", groupLabel(info.group))
	retry := "no"
	if info.helloRetry {
		retry = "yes (the server asked for a key share for another group)"
	}
	d.p.plain("HelloRetry    %s", retry)
	d.p.plain("certificate   %s", d.chainText(info))
}

// chainText describes the verified chain: leaf name up to the root.
func (d *demo) chainText(info connInfo) string {
	if len(info.verifiedChains) == 0 {
		return "not verified"
	}
	var names []string
	for _, c := range info.verifiedChains[0] {
		names = append(names, fmt.Sprintf("%q", certName(c)))
	}
	return "verified for \"localhost\": " + strings.Join(names, " ← ")
}
