package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"gotls"
)

// Timeouts of the server.
const (
	handshakeTimeout = 10 * time.Second
	idleTimeout      = 5 * time.Minute
	requestTimeout   = 10 * time.Second
	lingerTimeout    = time.Second
	// acceptRetryDelay is the wait before accepting again when out of
	// file descriptors.
	acceptRetryDelay = 100 * time.Millisecond
	maxRequestHead   = 8 << 10
)

const serveExamples = `  gotls serve -accept 4433 -www
      status page on https://127.0.0.1:4433/ with a throwaway certificate
  gotls serve -accept 0.0.0.0:4433 -cert server.pem -key server.key
      echo server reachable from other hosts
  gotls serve -accept 4433 -cert server.pem -key server.key -CAfile ca.pem -Verify 1
      require a client certificate issued by ca.pem
  gotls serve -accept 0 -naccept 1 -www
      listen on a free port (printed as "ACCEPT host:port"), exit after one connection
  gotls serve -accept 4433 -www -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA
      TLS 1.2 only, with an ECDHE suite and a legacy RSA key transport CBC suite
      (without -cert, an RSA certificate is made as well for the RSA suites)
  gotls serve -accept 4433 -cert server.pem -key server-key.pem -status
      staple OCSP responses fetched from the certificate's responder (its AIA), refreshed
      halfway to their next update; server.pem must hold the issuer after the leaf
  gotls serve -accept 4433 -cert server.pem -key server-key.pem -status_file server.ocsp.der
      staple a DER OCSP response from a file (see "gotls cert ocsp"), read again when it changes
  gotls serve -accept 4433 -early_data
      accept TLS 1.3 0-RTT data (logged, echoed first); try it with
      gotls connect -sess_out s.pem, then gotls connect -sess_in s.pem -early_data FILE
  gotls serve -accept 4433 -store redis://127.0.0.1:6379 -early_data
  gotls serve -accept 4434 -store redis://127.0.0.1:6379 -early_data
      two servers sharing ticket keys, TLS 1.2 session IDs and 0-RTT anti-replay records:
      a session made on one resumes on the other, early data is accepted once across both
  gotls serve -accept 4433 -tls1_2 -no_ticket -ticket_lifetime 10m
      TLS 1.2 resumption by session ID only, for 10 minutes
`

// depthFlag is an optional certificate chain depth, as in openssl's
// -verify and -Verify.
type depthFlag struct {
	set   bool
	depth int
}

// String returns the depth, or "" when unset.
func (d *depthFlag) String() string {
	if !d.set {
		return ""
	}
	return strconv.Itoa(d.depth)
}

// Set parses a non-negative depth.
func (d *depthFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 100 {
		return fmt.Errorf("depth %q is not a number from 0 to 100", s)
	}
	d.set, d.depth = true, n
	return nil
}

// serveOptions are serve's flags.
type serveOptions struct {
	commonFlags
	accept          string
	cert, key       string
	caFile          string
	verify, verify2 depthFlag
	www             bool
	naccept         int
	status          bool
	statusFile      string
	resume          serveResumeFlags
}

func (o *serveOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.accept, "accept", "4433", "listen on `[HOST:]PORT`; a bare port listens on "+defaultAcceptHost+" only, use 0.0.0.0:PORT to listen widely; port 0 picks a free port")
	fs.StringVar(&o.cert, "cert", "", "certificate chain `FILE` (PEM); without -cert and -key a throwaway certificate for localhost is used")
	fs.StringVar(&o.key, "key", "", "private key `FILE` (PEM: PKCS #8, PKCS #1 or SEC 1)")
	fs.StringVar(&o.caFile, "CAfile", "", "CA certificates `FILE` (PEM) that client certificates must chain to")
	fs.Var(&o.verify, "verify", "ask for a client certificate and verify it if given, with chain `DEPTH` at most")
	fs.Var(&o.verify2, "Verify", "require a client certificate and verify it, with chain `DEPTH` at most")
	fs.BoolVar(&o.www, "www", false, "answer an HTTP GET with a status page, then close, like openssl s_server -www")
	fs.IntVar(&o.naccept, "naccept", 0, "exit after `N` connections (0: never); the exit status is 1 if any failed")
	fs.BoolVar(&o.status, "status", false, "staple OCSP responses fetched from each certificate's OCSP responder, refreshed in the background (needs -cert with the issuer in the chain)")
	fs.StringVar(&o.statusFile, "status_file", "", "staple the DER OCSP response in `FILE` to the -cert certificate; the file is read again when it changes, and never served once expired")
	o.resume.register(fs)
	o.commonFlags.register(fs)
}

// runServe accepts TLS connections and echoes or serves a status page.
func runServe(ctx context.Context, e *env, args []string) int {
	var o serveOptions
	fs := newFlagSet("serve", "-accept [HOST:]PORT [-cert FILE -key FILE] [-CAfile FILE -Verify DEPTH | -verify DEPTH] [-www] [-status | -status_file FILE] [-alpn LIST] [-groups LIST] [-tls1_2 | -tls1_3 | -no_tls1_3] [-cipher LIST] [-ciphersuites LIST] [-early_data] [-max_early_data N] [-store memory|redis://HOST:PORT] [-no_ticket] [-ticket_lifetime DURATION] [-naccept N] [-quiet] [-keylogfile FILE]", serveExamples, e.stderr)
	o.register(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	addr, err := o.check()
	if err != nil {
		return usageError(e.stderr, "serve", err)
	}
	cfg, note, err := commonConfig(&o.commonFlags)
	if err != nil {
		return usageError(e.stderr, "serve", err)
	}
	s := &server{o: &o, cfg: cfg, log: &lockedWriter{w: e.stderr}}
	if note != "" {
		s.logf("%s", note)
	}
	if err := s.configure(); err != nil {
		return failure(e.stderr, "serve", err)
	}
	closeStore, err := s.configureResumption(ctx)
	if err != nil {
		return failure(e.stderr, "serve", err)
	}
	defer closeStore()
	stopStapling, err := s.addStapling()
	if err != nil {
		return failure(e.stderr, "serve", err)
	}
	defer stopStapling()
	closeKeyLog, err := useKeyLog(cfg, &o.commonFlags)
	if err != nil {
		return failure(e.stderr, "serve", err)
	}
	defer closeKeyLog()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return failure(e.stderr, "serve", err)
	}
	s.logf("ACCEPT %s", ln.Addr())
	if !o.quiet && isLoopback(ln.Addr()) {
		s.logf("listening on loopback only; use -accept 0.0.0.0:PORT to accept connections from other hosts")
	}
	return s.loop(ctx, ln)
}

// check validates the flags together and returns the listen address.
func (o *serveOptions) check() (string, error) {
	addr, err := parseAccept(o.accept)
	if err != nil {
		return "", err
	}
	switch {
	case (o.cert == "") != (o.key == ""):
		return "", errors.New("-cert and -key go together")
	case o.verify.set && o.verify2.set:
		return "", errors.New("-verify and -Verify exclude each other")
	case (o.verify.set || o.verify2.set) && o.caFile == "":
		return "", errors.New("-verify and -Verify need -CAfile")
	case o.naccept < 0:
		return "", errors.New("-naccept must not be negative")
	case o.status && o.statusFile != "":
		return "", errors.New("-status and -status_file exclude each other")
	case (o.status || o.statusFile != "") && o.cert == "":
		return "", errors.New("-status and -status_file need -cert and -key: a throwaway certificate has no OCSP responder")
	}
	return addr, o.resume.check(&o.commonFlags)
}

// server is one run of serve.
type server struct {
	o   *serveOptions
	cfg *gotls.Config
	log *lockedWriter
}

// configure completes the server's Config from the flags, loading the
// files they name.
func (s *server) configure() error {
	cfg := s.cfg
	if err := s.addCertificate(cfg); err != nil {
		return err
	}
	if s.o.caFile == "" {
		return nil
	}
	pool, err := loadCAFile(s.o.caFile)
	if err != nil {
		return err
	}
	cfg.ClientCAs = pool
	depth := s.o.verify
	switch {
	case s.o.verify2.set:
		cfg.ClientAuth, depth = gotls.RequireAndVerifyClientCert, s.o.verify2
	case s.o.verify.set:
		cfg.ClientAuth = gotls.VerifyClientCertIfGiven
	}
	if depth.set {
		cfg.VerifyPeerCertificate = checkDepth(depth.depth)
	}
	return nil
}

// addCertificate loads -cert and -key, or makes a throwaway certificate.
func (s *server) addCertificate(cfg *gotls.Config) error {
	if s.o.cert != "" {
		cert, err := gotls.LoadX509KeyPair(s.o.cert, s.o.key)
		if err != nil {
			return err
		}
		cfg.Certificates = append(cfg.Certificates, cert)
		return nil
	}
	now := time.Now()
	ca, err := newThrowawayCA("gotls serve throwaway CA", now)
	if err != nil {
		return err
	}
	leaves := []func() (*leafCert, error){func() (*leafCert, error) { return ca.issue("localhost", false, now) }}
	kind := "an ECDSA P-256 certificate"
	if anySuite(cfg.CipherSuites, func(s suiteInfo) bool { return s.rsaKey }) {
		// The RSA suites named with -cipher need an RSA key.
		leaves = append(leaves, func() (*leafCert, error) { return ca.issueRSA("localhost", now) })
		kind = "an ECDSA P-256 and an RSA-2048 certificate"
	}
	for _, issue := range leaves {
		leaf, err := issue()
		if err != nil {
			return err
		}
		cert, err := gotls.X509KeyPair(leaf.certPEM, leaf.keyPEM)
		if err != nil {
			return err
		}
		cfg.Certificates = append(cfg.Certificates, cert)
	}
	if !s.o.quiet {
		s.logf("no -cert/-key: using %s for localhost, 127.0.0.1 and ::1 that no client trusts (gotls connect -insecure accepts it)", kind)
	}
	return nil
}

// checkDepth returns a VerifyPeerCertificate callback that limits the
// number of intermediate certificates to depth, as openssl's -verify does:
// neither the leaf nor the trust anchor counts.
func checkDepth(depth int) func([][]byte, [][]*x509.Certificate) error {
	return func(_ [][]byte, chains [][]*x509.Certificate) error {
		if len(chains) == 0 {
			return nil
		}
		for _, ch := range chains {
			if len(ch) <= depth+2 {
				return nil
			}
		}
		return fmt.Errorf("client certificate chain is longer than -verify depth %d allows", depth)
	}
}

// loop accepts connections until ctx ends or -naccept is reached, then
// waits for the connections still open.
func (s *server) loop(ctx context.Context, ln net.Listener) int {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	var failed atomic.Int32
	code := exitOK
	for n := 0; s.o.naccept == 0 || n < s.o.naccept; n++ {
		raw, err := ln.Accept()
		if err != nil && ctx.Err() == nil && outOfDescriptors(err) {
			// Many open connections must not stop the server: wait
			// for some to end, as net/http does.
			s.logf("accept: %v; retrying", err)
			time.Sleep(acceptRetryDelay)
			n--
			continue
		}
		if err != nil {
			if ctx.Err() == nil {
				s.logf("accept: %v", err)
				code = exitFailure
			}
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.handle(ctx, raw); err != nil {
				failed.Add(1)
			}
		}()
	}
	ln.Close()
	wg.Wait()
	if failed.Load() > 0 {
		code = exitFailure
	}
	return code
}

// handle runs one connection: handshake, then echo or status page.
func (s *server) handle(ctx context.Context, raw net.Conn) error {
	peer := raw.RemoteAddr().String()
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	conn := gotls.Server(raw, s.cfg)
	defer conn.Close()
	hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	err := conn.HandshakeContext(hctx)
	cancel()
	if err != nil {
		s.logf("%s: handshake failed: %v", peer, err)
		return err
	}
	info := infoOf(conn)
	early := conn.EarlyData()
	info.early = s.noteEarlyData(peer, early)
	if !s.o.quiet {
		s.logf("%s", info.serverSummary(peer))
	}
	if s.o.www {
		err = serveStatusPage(conn, info, early)
	} else {
		err = echo(conn, early)
	}
	if errors.Is(err, errNoRequest) {
		// A client that closes cleanly without asking, such as one
		// of connect -reconnect's dropped connections, did no wrong.
		s.logf("%s: closed without a request", peer)
		err = nil
	}
	if err != nil {
		s.logf("%s: %v", peer, err)
	}
	return err
}

// echo writes back the early data, then what it reads until the client's
// close_notify, then sends its own close_notify.
func echo(conn *gotls.Conn, early []byte) error {
	conn.SetDeadline(time.Now().Add(idleTimeout))
	if len(early) > 0 {
		if _, err := conn.Write(early); err != nil {
			return err
		}
	}
	buf := make([]byte, 16<<10)
	for {
		// The deadline covers writes too: a client that sends but never
		// reads must not hold this goroutine forever.
		conn.SetDeadline(time.Now().Add(idleTimeout))
		n, err := conn.Read(buf)
		if n > 0 {
			if _, werr := conn.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return ignorePeerGone(conn.CloseWrite())
		}
		if err != nil {
			return err
		}
	}
}

// serveStatusPage reads an HTTP request head, starting with the early
// data, and answers with the status page in a single Write, hence a
// single record, then sends close_notify.
func serveStatusPage(conn *gotls.Conn, info connInfo, early []byte) error {
	conn.SetDeadline(time.Now().Add(requestTimeout))
	head, err := readRequestHead(io.MultiReader(bytes.NewReader(early), conn))
	if len(head) == 0 && errors.Is(err, io.EOF) {
		return errNoRequest
	}
	if err != nil {
		return fmt.Errorf("reading the HTTP request: %w", err)
	}
	resp := "HTTP/1.0 400 bad request\r\nContent-Type: text/plain\r\n\r\nonly GET is served\n"
	if bytes.HasPrefix(head, []byte("GET ")) {
		resp = "HTTP/1.0 200 ok\r\nContent-Type: text/plain\r\n\r\n" + info.statusPage()
	}
	if _, err := conn.Write([]byte(resp)); err != nil {
		return err
	}
	if err := conn.CloseWrite(); err != nil {
		return err
	}
	// Read until the client's close_notify (briefly), so that closing
	// does not reset the connection while our data is still in flight.
	conn.SetReadDeadline(time.Now().Add(lingerTimeout))
	io.Copy(io.Discard, io.LimitReader(conn, maxRequestHead))
	return nil
}

// errNoRequest says a -www client closed the connection cleanly before
// sending any request.
var errNoRequest = errors.New("closed without a request")

// ignorePeerGone returns err, or nil when it only says that the peer has
// already closed its end: our close_notify then has no one to reach,
// which is no failure of the connection.
func ignorePeerGone(err error) error {
	if errors.Is(err, syscall.ENOTCONN) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
		return nil
	}
	return err
}

// readRequestHead reads up to the blank line that ends an HTTP request
// head ("\r\n\r\n", or "\n\n" as typed by hand), at most maxRequestHead
// bytes.
func readRequestHead(r io.Reader) ([]byte, error) {
	var head []byte
	buf := make([]byte, 1024)
	for len(head) < maxRequestHead {
		n, err := r.Read(buf)
		head = append(head, buf[:n]...)
		if bytes.Contains(head, []byte("\r\n\r\n")) || bytes.Contains(head, []byte("\n\n")) {
			return head, nil
		}
		if err != nil {
			return head, err
		}
	}
	return head, errors.New("request head is too long")
}

// outOfDescriptors reports whether an Accept error only says that the
// process or the system has run out of file descriptors for now.
func outOfDescriptors(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// isLoopback reports whether addr is a loopback TCP address.
func isLoopback(addr net.Addr) bool {
	ta, ok := addr.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// logf writes one line to the server's log.
func (s *server) logf(format string, args ...any) {
	s.log.line(fmt.Sprintf(format, args...))
}

// lockedWriter writes whole lines from many goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) line(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, s)
}
