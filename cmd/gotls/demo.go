package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
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
  gotls demo -tls1_2                  TLS 1.2 with ECDHE: signed ServerKeyExchange, master secret, key block
  gotls demo -tls1_2 -kx rsa          TLS 1.2 RSA key transport: the pre-master secret encrypted to the
                                      server's RSA key (legacy: no forward secrecy)
  gotls demo -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA   a legacy CBC suite
  gotls demo -secrets                 also print secret values (never do this for real traffic)
`

// demoOptions are the demo's flags.
type demoOptions struct {
	tls12, tls13 bool
	// kx is the TLS 1.2 key exchange: "" or "ecdhe" (the default), or
	// "rsa" for RSA key transport.
	kx string
	// kxImpliedTLS12 says -kx rsa turned on -tls1_2.
	kxImpliedTLS12 bool
	secrets        bool
	groups         string
	suites         string
	cipher         string
}

// runDemo runs a client and a server over 127.0.0.1 and prints each step
// of their handshake and of an encrypted echo as it happens.
func runDemo(ctx context.Context, e *env, args []string) int {
	var o demoOptions
	fs := newFlagSet("demo", "[-tls1_2 [-kx ecdhe|rsa] [-cipher LIST] | -tls1_3] [-groups LIST] [-ciphersuites LIST] [-secrets]", demoExamples, e.stderr)
	fs.BoolVar(&o.tls12, "tls1_2", false, "allow at most TLS 1.2, on both sides")
	fs.BoolVar(&o.tls13, "tls1_3", false, "allow only TLS 1.3, on both sides")
	fs.BoolVar(&o.tls13, "tls13", false, "same as -tls1_3")
	fs.StringVar(&o.kx, "kx", "", "TLS 1.2 key exchange `KIND`: ecdhe (the default) or rsa (RSA key transport: legacy, no forward secrecy; implies -tls1_2)")
	fs.StringVar(&o.groups, "groups", "", "`LIST` of groups the client offers, colon-separated: "+groupNamesHelp)
	fs.StringVar(&o.suites, "ciphersuites", "", "`LIST` of TLS 1.3 cipher suites the client offers, colon-separated IANA names")
	fs.StringVar(&o.cipher, "cipher", "", "`LIST` of TLS 1.2 cipher suites the client offers, colon-separated OpenSSL or IANA names")
	fs.BoolVar(&o.secrets, "secrets", false, "print the values of the derived secrets, not just their names")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	ccfg, err := o.clientConfig()
	if err != nil {
		return usageError(e.stderr, "demo", err)
	}
	d := &demo{p: newPrinter(e.stdout, e.colorOut), o: o}
	if err := d.run(ctx, ccfg); err != nil {
		d.p.result(false, "%v", err)
		return exitFailure
	}
	return exitOK
}

// check validates the version and key exchange flags together.
func (o *demoOptions) check() error {
	switch o.kx {
	case "", "ecdhe":
	case "rsa":
		if o.tls13 {
			return errors.New("-kx rsa needs TLS 1.2: TLS 1.3 has no RSA key transport")
		}
		o.kxImpliedTLS12 = !o.tls12
		o.tls12 = true
	default:
		return fmt.Errorf("unknown -kx %q: want ecdhe or rsa", o.kx)
	}
	if o.tls12 && o.tls13 {
		return errors.New("-tls1_2 and -tls1_3 exclude each other")
	}
	return nil
}

// clientConfig checks the flags and returns the client's configuration
// before setup adds the trust anchor and the trace.
func (o *demoOptions) clientConfig() (*gotls.Config, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	ccfg := &gotls.Config{}
	if err := applyGroups(ccfg, o.groups); err != nil {
		return nil, err
	}
	suites13, err := parseSuites13(o.suites)
	if err != nil {
		return nil, err
	}
	suites12, err := parseSuites12(o.cipher)
	if err != nil {
		return nil, err
	}
	switch {
	case o.kx == "rsa" && len(suites12) == 0:
		suites12 = rsaTransportSuites
	case o.kx == "rsa" && anySuite(suites12, func(s suiteInfo) bool { return !s.rsaKX }):
		return nil, errors.New("-kx rsa: -cipher may name only RSA key transport suites (AES128-GCM-SHA256, AES256-GCM-SHA384, AES128-SHA, AES256-SHA)")
	case o.kx == "ecdhe" && anySuite(suites12, func(s suiteInfo) bool { return s.rsaKX }):
		return nil, errors.New("-kx ecdhe: -cipher names an RSA key transport suite")
	}
	if o.tls12 && len(ccfg.CurvePreferences) > 0 && !slices.ContainsFunc(ccfg.CurvePreferences, func(g tls.CurveID) bool { return g != gotls.X25519MLKEM768 }) {
		return nil, errors.New("-tls1_2: X25519MLKEM768 exists only in TLS 1.3; TLS 1.2 ECDHE needs X25519 or a P- curve")
	}
	ccfg.CipherSuites = append(suites13, suites12...)
	ccfg.LegacyRSAKeyExchange = o.kx == "rsa"
	return ccfg, nil
}

// demo holds one run of the demo.
type demo struct {
	p    *printer
	o    demoOptions
	ca   *throwawayCA
	flow tls12Flow
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
	rsaLeaf := needsRSAKey(tls12Suites(ccfg.CipherSuites))
	var leaf *leafCert
	if rsaLeaf {
		leaf, err = ca.issueRSA("localhost", now)
	} else {
		leaf, err = ca.issue("localhost", false, now)
	}
	if err != nil {
		return nil, err
	}
	cert, err := gotls.X509KeyPair(leaf.certPEM, leaf.keyPEM)
	if err != nil {
		return nil, err
	}
	d.ca = ca
	d.flow = flowOf(ccfg, leaf)
	d.p.plain("CA      %q: ECDSA P-256, self-signed, made in memory just now", ca.cert.Subject.CommonName)
	d.p.plain("server  certificate for %s with %s, signed by the CA, valid until %s",
		strings.Join(leafNames(leaf), ", "), keyText(leaf), leaf.cert.NotAfter.UTC().Format(time.RFC3339))
	d.p.plain("client  trusts only %q and expects the name \"localhost\"", ca.cert.Subject.CommonName)
	scfg := &gotls.Config{Certificates: append(ccfg.Certificates[:0:0], cert)}
	// The demo's server accepts the legacy suites the client names.
	scfg.LegacyRSAKeyExchange = anySuite(ccfg.CipherSuites, func(s suiteInfo) bool { return s.rsaKX })
	scfg.LegacyCBCSuites = anySuite(ccfg.CipherSuites, func(s suiteInfo) bool { return s.cbc })
	ccfg.RootCAs = ca.pool()
	ccfg.ServerName = "localhost"
	for _, c := range []*gotls.Config{ccfg, scfg} {
		c.HandshakeTrace = d.trace
		c.TraceSecrets = d.o.secrets
		switch {
		case d.o.tls13:
			c.MinVersion, c.MaxVersion = gotls.VersionTLS13, gotls.VersionTLS13
		case d.o.tls12:
			c.MaxVersion = gotls.VersionTLS12
		}
	}
	d.describeOffer(ccfg)
	return scfg, nil
}

// flowOf returns what the notes need to know, from the client's offer
// and the server's certificate.
func flowOf(ccfg *gotls.Config, leaf *leafCert) tls12Flow {
	ids := tls12Suites(ccfg.CipherSuites)
	f := tls12Flow{rsaKX: len(ids) > 0 && !anySuite(ids, func(s suiteInfo) bool { return !s.rsaKX })}
	if k, ok := leaf.cert.PublicKey.(*rsa.PublicKey); ok {
		f.rsaBits = k.N.BitLen()
	}
	return f
}

// keyText describes a leaf's public key.
func keyText(l *leafCert) string {
	switch k := l.cert.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("an RSA-%d key", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "an ECDSA " + k.Curve.Params().Name + " key"
	}
	return "a " + l.cert.PublicKeyAlgorithm.String() + " key"
}

// tls12Suites returns the TLS 1.2 suites of ids.
func tls12Suites(ids []uint16) []uint16 {
	var out []uint16
	for _, id := range ids {
		if s, ok := lookupSuite(id); ok && !s.tls13 {
			out = append(out, id)
		}
	}
	return out
}

// describeOffer says what the flags changed in the client's offer.
func (d *demo) describeOffer(ccfg *gotls.Config) {
	versions := "the defaults (TLS 1.3 and TLS 1.2; TLS 1.3 wins)"
	switch {
	case d.o.tls13:
		versions = "TLS 1.3 only (-tls1_3)"
	case d.o.kxImpliedTLS12:
		versions = "TLS 1.2 at most (-kx rsa implies -tls1_2)"
	case d.o.tls12:
		versions = "TLS 1.2 at most (-tls1_2)"
	}
	groups, suites := "the defaults", "the defaults"
	if d.o.groups != "" {
		groups = d.o.groups
	}
	if d.o.tls12 {
		if ids := tls12Suites(ccfg.CipherSuites); len(ids) > 0 {
			names := make([]string, len(ids))
			for i, id := range ids {
				names[i] = gotls.CipherSuiteOpenSSLName(id)
			}
			suites = strings.Join(names, ", ")
		}
	} else if d.o.suites != "" {
		suites = d.o.suites
	}
	d.p.plain("offer   versions: %s; groups: %s; cipher suites: %s", versions, groups, suites)
	if ccfg.LegacyRSAKeyExchange {
		d.p.plain("legacy  LegacyRSAKeyExchange on both sides: RSA key transport is off by default in gotls")
	}
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
	if text := recordOverhead(infoOf(cli), len(demoMessage)); text != "" {
		d.paragraph("", text)
	}
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
	if infoOf(cli).version == gotls.VersionTLS12 {
		d.paragraph("", "In TLS 1.2 close_notify is an encrypted alert whose record type, alert, stays visible.")
	}
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
	d.p.plain("group         %s", info.groupText())
	if fs, why := forwardSecrecy(info); fs {
		d.p.plain("secrecy       forward secret: %s", why)
	} else {
		d.paragraph("secrecy       ", "no forward secrecy: "+why)
	}
	if info.version == gotls.VersionTLS13 {
		retry := "no"
		if info.helloRetry {
			retry = "yes (the server asked for a key share for another group)"
		}
		d.p.plain("HelloRetry    %s", retry)
	}
	d.p.plain("certificate   %s", d.chainText(info))
}

// paragraph writes text wrapped under a heading, label before its first
// line and the following lines aligned with it.
func (d *demo) paragraph(label, text string) {
	indent := strings.Repeat(" ", len(label))
	for i, line := range wrapWords(text, wrapWidth-len(label), "") {
		if i == 0 {
			d.p.plain("%s%s", label, line)
		} else {
			d.p.plain("%s%s", indent, line)
		}
	}
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

// trace prints a handshake event of either side with the demo's notes.
func (d *demo) trace(ev gotls.HandshakeEvent) {
	d.p.annotated(ev, d.notes(ev))
}
