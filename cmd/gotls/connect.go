package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"gotls"
)

const connectExamples = `  gotls connect -connect example.com:443 -trace < /dev/null
      handshake with a public server and show each step
  printf 'GET / HTTP/1.0\r\nHost: example.com\r\n\r\n' | gotls connect -connect example.com:443
      fetch a page; the summary goes to stderr, the page to stdout
  gotls connect -connect 127.0.0.1:4433 -CAfile ca.pem -alpn h2,http/1.1 -groups X25519MLKEM768:X25519
  echo hi | gotls connect -connect localhost:4433 -insecure -closewrite
      send "hi" to an echo server, half-close, print the echo
  gotls connect -connect example.com:443 -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305 < /dev/null
      TLS 1.2 with one cipher suite
  gotls connect -connect example.com:443 -status < /dev/null
      show the OCSP response the server staples (decoded, not verified)
  gotls connect -connect localhost:4433 -CAfile ca.pem -revocation hard -status < /dev/null
      verify the staple, or else ask the certificate's OCSP responder or CRL; fail (exit 1)
      when the certificate is revoked or no source answers (soft: warn on stderr and go on)
  gotls connect -connect localhost:4433 -CAfile ca.pem -reconnect < /dev/null
      connect, then reconnect 5 times resuming the session: prints New or Reused for each,
      then "Reused 5/5 reconnections" (a WARNING when fewer; the exit status stays 0)
  gotls connect -connect localhost:4433 -CAfile ca.pem -sess_out sess.pem < /dev/null
  gotls connect -connect localhost:4433 -CAfile ca.pem -sess_in sess.pem -early_data req.txt
      save a session, then resume it and send req.txt as 0-RTT data: prints
      "Early data was accepted", "rejected" (not resent) or "not sent" and why
`

// connectOptions are connect's flags.
type connectOptions struct {
	commonFlags
	connect    string
	servername string
	caFile     string
	cert, key  string
	insecure   bool
	trace      bool
	closeWrite bool
	status     bool
	revocation string
	resume     resumeFlags
}

func (o *connectOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.connect, "connect", "", "server `HOST:PORT` (required)")
	fs.StringVar(&o.servername, "servername", "", "`NAME` to send as SNI and to verify; default: the host of -connect (an IP address is verified but not sent)")
	fs.StringVar(&o.caFile, "CAfile", "", "CA certificates `FILE` (PEM) to trust instead of the system roots")
	fs.StringVar(&o.cert, "cert", "", "client certificate chain `FILE` (PEM), if the server asks for one")
	fs.StringVar(&o.key, "key", "", "client private key `FILE` (PEM)")
	fs.BoolVar(&o.insecure, "insecure", false, "do not verify the server's certificate (the summary still says whether it would verify)")
	fs.BoolVar(&o.trace, "trace", false, "print each handshake step on stderr")
	fs.BoolVar(&o.closeWrite, "closewrite", false, "send close_notify when stdin ends (default: keep the connection open until the server closes it)")
	fs.BoolVar(&o.status, "status", false, "print the server's OCSP staple decoded (responder, times, certificate status) and the revocation verdict on stderr; the client always asks for a staple")
	fs.StringVar(&o.revocation, "revocation", "off", "revocation `POLICY`: off (the default: nothing is checked), soft (check the staple, else the OCSP responder, else the CRL; "+
		"go on with a warning when none answers) or hard (fail when none answers); a revoked certificate, a bad staple and a Must-Staple certificate without a staple fail under both")
	o.resume.register(fs)
	o.commonFlags.register(fs)
}

// runConnect connects to a server, copies stdin to it and its data to
// stdout until the server closes, then prints a one-line summary.
func runConnect(ctx context.Context, e *env, args []string) int {
	var o connectOptions
	fs := newFlagSet("connect", "-connect HOST:PORT [-servername NAME] [-CAfile FILE] [-alpn LIST] [-groups LIST] [-tls1_2 | -tls1_3 | -no_tls1_3] [-cipher LIST] [-ciphersuites LIST] [-cert FILE -key FILE] [-insecure] [-status] [-revocation off|soft|hard] [-reconnect] [-sess_out FILE] [-sess_in FILE] [-early_data FILE] [-no_ticket] [-keylogfile FILE] [-quiet] [-trace] [-closewrite]", connectExamples, e.stderr)
	o.register(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	host, err := o.check()
	if err != nil {
		return usageError(e.stderr, "connect", err)
	}
	cfg, note, err := commonConfig(&o.commonFlags)
	if err != nil {
		return usageError(e.stderr, "connect", err)
	}
	if note != "" {
		fmt.Fprintln(e.stderr, note)
	}
	policy, err := parseRevocationPolicy(o.revocation)
	if err != nil {
		return usageError(e.stderr, "connect", err)
	}
	c := &client{o: &o, e: e, rev: &revocationReport{policy: policy}}
	if err := c.config(cfg, host); err != nil {
		return failure(e.stderr, "connect", err)
	}
	closeKeyLog, err := useKeyLog(cfg, &o.commonFlags)
	if err != nil {
		return failure(e.stderr, "connect", err)
	}
	defer closeKeyLog()
	return c.run(ctx, cfg)
}

// check validates the flags together and returns the host of -connect.
func (o *connectOptions) check() (string, error) {
	if o.connect == "" {
		return "", errors.New("-connect HOST:PORT is required")
	}
	host, err := parseConnect(o.connect)
	if err != nil {
		return "", err
	}
	if (o.cert == "") != (o.key == "") {
		return "", errors.New("-cert and -key go together")
	}
	return host, o.resume.check(&o.commonFlags)
}

// client is one run of connect.
type client struct {
	o *connectOptions
	e *env
	// insecureNote says, with -insecure, what verification would have
	// found.
	insecureNote string
	// rev collects what the handshake said about revocation.
	rev *revocationReport
	// cache is the session cache of -reconnect, -sess_in and -sess_out,
	// or nil.
	cache *sessionCache
	// early is the 0-RTT data of -early_data, or nil.
	early []byte
	// offered is the session in the cache when the connection that
	// carries early data started.
	offered []byte
	// earlySent says the handshake reported sending early data.
	earlySent atomic.Bool
	// unverified says a connection dropped by -reconnect did not verify.
	unverified bool
}

// config completes cfg from the flags, loading the files they name.
func (c *client) config(cfg *gotls.Config, host string) error {
	cfg.ServerName, cfg.InsecureSkipVerify = c.o.servername, c.o.insecure
	if cfg.ServerName == "" {
		cfg.ServerName = defaultServerName(host)
	}
	if c.o.caFile != "" {
		pool, err := loadCAFile(c.o.caFile)
		if err != nil {
			return err
		}
		cfg.RootCAs = pool
	}
	if c.o.cert != "" {
		cert, err := gotls.LoadX509KeyPair(c.o.cert, c.o.key)
		if err != nil {
			return err
		}
		cfg.Certificates = append(cfg.Certificates, cert)
	}
	if c.o.insecure {
		cfg.VerifyPeerCertificate = c.wouldVerify(cfg.RootCAs, cfg.ServerName)
	}
	if err := c.configSessions(cfg); err != nil {
		return err
	}
	c.configTrace(cfg)
	return nil
}

// configTrace sets the revocation policy, prints soft-fail warnings and
// watches the handshake's revocation and early data steps, passing every
// step on to the -trace printer.
func (c *client) configTrace(cfg *gotls.Config) {
	cfg.RevocationPolicy = c.rev.policy
	cfg.RevocationWarning = func(err error) {
		c.rev.warn(err)
		fmt.Fprintf(c.e.stderr, "gotls connect: warning: revocation status unavailable, continuing (soft-fail): %v\n", err)
	}
	var show func(gotls.HandshakeEvent)
	if c.o.trace {
		show = newPrinter(c.e.stderr, c.e.colorErr).event
	}
	if show == nil && c.rev.policy == gotls.RevocationOff && c.early == nil {
		return
	}
	cfg.HandshakeTrace = func(ev gotls.HandshakeEvent) {
		c.rev.observe(ev)
		if ev.Client && ev.Step == earlyDataStep {
			c.earlySent.Store(true)
		}
		if show != nil {
			show(ev)
		}
	}
}

// reportRevocation prints the staple with -status, and the revocation
// verdict with -status or a checking policy, after a handshake that ended
// with err.
func (c *client) reportRevocation(conn *gotls.Conn, err error) {
	if conn == nil {
		return // no TCP connection, no handshake
	}
	if c.o.status {
		st := conn.ConnectionState()
		var leaf *x509.Certificate
		if len(st.PeerCertificates) > 0 {
			leaf = st.PeerCertificates[0]
		}
		for _, line := range describeStaple(st.OCSPResponse, leaf, time.Now()) {
			fmt.Fprintln(c.e.stderr, line)
		}
	}
	if c.o.status || (c.rev.policy != gotls.RevocationOff && (err != nil || !c.o.quiet)) {
		fmt.Fprintln(c.e.stderr, c.rev.verdict(err))
	}
}

// wouldVerify returns a callback that, with -insecure, checks the chain
// anyway and only records the outcome for the summary.
func (c *client) wouldVerify(roots *x509.CertPool, name string) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		c.insecureNote = checkChain(raw, roots, name)
		return nil
	}
}

// checkChain says whether a DER chain verifies for name against roots (nil:
// the system roots).
func checkChain(raw [][]byte, roots *x509.CertPool, name string) string {
	if len(raw) == 0 {
		return "no certificate"
	}
	certs := make([]*x509.Certificate, 0, len(raw))
	for _, der := range raw {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return "would fail: " + err.Error()
		}
		certs = append(certs, cert)
	}
	opts := x509.VerifyOptions{Roots: roots, DNSName: name, Intermediates: x509.NewCertPool()}
	for _, ic := range certs[1:] {
		opts.Intermediates.AddCert(ic)
	}
	if _, err := certs[0].Verify(opts); err != nil {
		return "would fail: " + err.Error()
	}
	return "would pass"
}

// run dials, runs the handshake, copies data both ways and reports. With
// -reconnect, the connections before the last are made and dropped first.
func (c *client) run(ctx context.Context, cfg *gotls.Config) int {
	reused := 0
	if c.o.resume.reconnect {
		n, ok := c.warmUp(ctx, cfg)
		if !ok {
			return exitFailure
		}
		reused = n
	}
	conn, err := c.dial(ctx, cfg, true)
	if err != nil {
		c.reportHandshakeError(err)
		c.reportRevocation(conn, err)
		return exitFailure
	}
	defer conn.Close()
	// An interrupt ends the connection without close_notify.
	stop := context.AfterFunc(ctx, func() { conn.NetConn().Close() })
	defer stop()
	if !c.o.quiet {
		fmt.Fprintf(c.e.stderr, "CONNECTED to %s (%s)\n", c.o.connect, conn.RemoteAddr())
	}
	info := infoOf(conn)
	if c.o.resume.reconnect {
		if info.didResume {
			reused++
		}
		c.reportReconnects(info, reused)
	}
	info.early = c.reportEarlyData(conn)
	c.reportRevocation(conn, nil)
	go c.sendInput(conn)
	_, err = io.Copy(c.e.stdout, conn)
	closing := "closed cleanly (close_notify)"
	switch {
	case err != nil && ctx.Err() != nil:
		closing = "interrupted"
	case err != nil:
		closing = "NOT closed cleanly: " + err.Error()
	}
	if !c.o.quiet || err != nil {
		fmt.Fprintln(c.e.stderr, info.clientSummary(c.o.insecure, c.insecureNote, closing))
	}
	saved := c.reportSaved()
	// Exit 0 only for verified connections: with -insecure, only when the
	// chain would have verified anyway.
	if err != nil || !c.verified(info) || c.unverified || !saved {
		return exitFailure
	}
	return exitOK
}

// dial connects and runs the handshake within handshakeTimeout, with the
// -early_data data when withEarly is set. When the handshake fails it
// returns the closed connection as well, for its partial state.
func (c *client) dial(ctx context.Context, cfg *gotls.Config, withEarly bool) (*gotls.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	var nd net.Dialer
	raw, err := nd.DialContext(ctx, "tcp", c.o.connect)
	if err != nil {
		return nil, err
	}
	conn := gotls.Client(raw, cfg)
	if withEarly && c.early != nil {
		c.offered = c.cache.current()
		c.earlySent.Store(false)
		if err := conn.SetEarlyData(c.early); err != nil {
			raw.Close()
			return nil, err
		}
	}
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return conn, err
	}
	return conn, nil
}

// sendInput copies stdin to the server. When stdin ends it sends
// close_notify with -closewrite and otherwise leaves the connection open,
// so that the server decides when it ends.
func (c *client) sendInput(conn *gotls.Conn) {
	if _, err := io.Copy(conn, c.e.stdin); err != nil {
		return
	}
	if c.o.closeWrite {
		conn.CloseWrite()
	}
}

// reportHandshakeError explains why the connection could not be made.
func (c *client) reportHandshakeError(err error) {
	fmt.Fprintf(c.e.stderr, "gotls connect: %s: %v\n", c.o.connect, err)
	var cve *gotls.CertificateVerificationError
	if errors.As(err, &cve) {
		fmt.Fprintf(c.e.stderr, "verification: FAILED (%s check for %q)\n", cve.Check, cve.Name)
	}
	var alert *gotls.RemoteAlertError
	if errors.As(err, &alert) {
		fmt.Fprintf(c.e.stderr, "the server refused the handshake with a %s alert\n", alert.Alert)
	}
}
