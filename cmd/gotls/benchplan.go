package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gotls"
	"gotls/cmd/gotls/internal/stdpeer"
)

// Names of the stacks in reports.
const (
	stackGotls  = "gotls"
	stackStdlib = "crypto/tls"
)

// benchDrainTimeout bounds how long a round waits for the in-process
// server to finish the connections its clients closed.
const benchDrainTimeout = 10 * time.Second

// benchStack is one TLS implementation under test.
type benchStack struct {
	name   string
	client func(raw net.Conn) stdpeer.Conn
	// srv is the stack's in-process server; nil with -connect.
	srv *benchServer
}

// benchPlan is what a bench run measures and against what.
type benchPlan struct {
	o      *benchOptions
	stacks []*benchStack
	// target is the -connect address, or "" when both ends are in this
	// process.
	target string
	// certificate describes the in-process server's certificate key.
	certificate string
}

// newBenchPlan builds the stacks from the options and base, the Config
// the shared flags made, and starts the in-process servers.
func newBenchPlan(o *benchOptions, base *gotls.Config) (*benchPlan, error) {
	p := &benchPlan{o: o, target: o.connect}
	var err error
	if o.connect != "" {
		err = p.remote(base)
	} else {
		err = p.inProcess(base)
	}
	if err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// peerOptions returns the crypto/tls settings that match base.
func peerOptions(base *gotls.Config) stdpeer.Options {
	return stdpeer.Options{
		Certificates:       base.Certificates,
		RootCAs:            base.RootCAs,
		ServerName:         base.ServerName,
		InsecureSkipVerify: base.InsecureSkipVerify,
		MinVersion:         base.MinVersion,
		MaxVersion:         base.MaxVersion,
		CurvePreferences:   base.CurvePreferences,
		CipherSuites:       base.CipherSuites,
	}
}

// remote sets up clients of both stacks for the -connect server.
func (p *benchPlan) remote(base *gotls.Config) error {
	host, err := parseConnect(p.o.connect)
	if err != nil {
		return err
	}
	cfg := base.Clone()
	cfg.ServerName = defaultServerName(host)
	if p.o.servername != "" {
		cfg.ServerName = p.o.servername
	}
	cfg.InsecureSkipVerify = p.o.insecure
	if p.o.caFile != "" {
		if cfg.RootCAs, err = loadCAFile(p.o.caFile); err != nil {
			return err
		}
	}
	p.stacks = append(p.stacks, &benchStack{name: stackGotls, client: func(raw net.Conn) stdpeer.Conn { return gotls.Client(raw, cfg) }})
	if p.o.compare {
		peer := stdpeer.New(peerOptions(cfg))
		p.stacks = append(p.stacks, &benchStack{name: stackStdlib, client: peer.Client})
	}
	return nil
}

// inProcess makes a throwaway CA and server certificate and starts a
// server of each stack on 127.0.0.1.
func (p *benchPlan) inProcess(base *gotls.Config) error {
	kind, err := benchKeyKind(p.o.key)
	if err != nil {
		return err
	}
	cert, err := benchCertificate(kind)
	if err != nil {
		return err
	}
	p.certificate = map[string]string{"ecdsa": "ECDSA P-256", "rsa": "RSA 2048", "ed25519": "Ed25519"}[kind]
	scfg := base.Clone()
	scfg.Certificates = []gotls.Certificate{cert.cert}
	// Full handshakes only: no tickets, which a client closing right
	// after its handshake would leave unread.
	scfg.SessionTicketsDisabled = true
	ccfg := base.Clone()
	ccfg.RootCAs, ccfg.ServerName = cert.ca.pool(), "localhost"
	if err := p.addServed(stackGotls,
		func(raw net.Conn) stdpeer.Conn { return gotls.Client(raw, ccfg) },
		func(raw net.Conn) stdpeer.Conn { return gotls.Server(raw, scfg) }); err != nil {
		return err
	}
	if !p.o.compare {
		return nil
	}
	opts := peerOptions(ccfg)
	opts.Certificates = scfg.Certificates
	peer := stdpeer.New(opts)
	return p.addServed(stackStdlib, peer.Client, peer.Server)
}

// addServed adds a stack with its own in-process server.
func (p *benchPlan) addServed(name string, client, server func(net.Conn) stdpeer.Conn) error {
	srv, err := startBenchServer(server)
	if err != nil {
		return err
	}
	p.stacks = append(p.stacks, &benchStack{name: name, client: client, srv: srv})
	return nil
}

// benchCert is the in-process server's certificate and the CA that
// issued it.
type benchCert struct {
	ca   *throwawayCA
	cert gotls.Certificate
}

// benchCertificate issues a throwaway server certificate for localhost
// with a key of kind "ecdsa", "rsa" or "ed25519".
func benchCertificate(kind string) (*benchCert, error) {
	now := time.Now()
	ca, err := newThrowawayCA("gotls bench throwaway CA", now)
	if err != nil {
		return nil, err
	}
	var leaf *leafCert
	switch kind {
	case "rsa":
		leaf, err = ca.issueRSA("localhost", now)
	case "ed25519":
		_, key, kerr := ed25519.GenerateKey(rand.Reader)
		if kerr != nil {
			return nil, kerr
		}
		leaf, err = ca.issueFor("localhost", false, key, now)
	default:
		leaf, err = ca.issue("localhost", false, now)
	}
	if err != nil {
		return nil, err
	}
	cert, err := gotls.X509KeyPair(leaf.certPEM, leaf.keyPEM)
	if err != nil {
		return nil, err
	}
	return &benchCert{ca: ca, cert: cert}, nil
}

// addr returns where the stack's clients dial.
func (p *benchPlan) addr(st *benchStack) string {
	if st.srv != nil {
		return st.srv.ln.Addr().String()
	}
	return p.target
}

// note returns a warning about the flags, or "".
func (p *benchPlan) note() string {
	if p.o.compare && p.o.common.suites != "" {
		return "note: crypto/tls cannot be told which TLS 1.3 cipher suites to use: -ciphersuites applies to gotls only, and the table shows what each stack negotiated"
	}
	return ""
}

// close stops the in-process servers.
func (p *benchPlan) close() {
	for _, st := range p.stacks {
		if st.srv != nil {
			st.srv.close()
		}
	}
}

// benchServer is an in-process server of one stack: it completes each
// handshake, then reads and discards application data until the client's
// close_notify, counting it.
type benchServer struct {
	ln   net.Listener
	wrap func(net.Conn) stdpeer.Conn
	// active counts the connections accepted and not yet closed.
	active atomic.Int64
	// received counts the application data bytes read.
	received atomic.Int64
	// failed counts the connections that ended in an error.
	failed atomic.Int64

	mu       sync.Mutex
	firstErr error
	conns    map[net.Conn]struct{}
	handlers sync.WaitGroup
}

// startBenchServer listens on an ephemeral port of 127.0.0.1 and serves
// connections wrapped by wrap.
func startBenchServer(wrap func(net.Conn) stdpeer.Conn) (*benchServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &benchServer{ln: ln, wrap: wrap, conns: map[net.Conn]struct{}{}}
	s.handlers.Add(1)
	go s.accept()
	return s, nil
}

// accept runs until the listener is closed.
func (s *benchServer) accept() {
	defer s.handlers.Done()
	for {
		raw, err := s.ln.Accept()
		if err != nil {
			return
		}
		// Counted before the client can finish its handshake, so that
		// drain sees every connection of a round.
		s.active.Add(1)
		s.mu.Lock()
		s.conns[raw] = struct{}{}
		s.mu.Unlock()
		s.handlers.Add(1)
		go s.handle(raw)
	}
}

// handle serves one connection.
func (s *benchServer) handle(raw net.Conn) {
	defer s.handlers.Done()
	c := s.wrap(raw)
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	err := c.HandshakeContext(context.Background())
	c.SetDeadline(time.Time{})
	if err == nil {
		err = s.consume(c)
	}
	if err != nil {
		s.fail(err)
	}
	c.Close()
	s.mu.Lock()
	delete(s.conns, raw)
	s.mu.Unlock()
	s.active.Add(-1)
}

// benchBuffers are the servers' read buffers, reused so that a
// connection does not allocate one.
var benchBuffers = sync.Pool{New: func() any { return new([64 << 10]byte) }}

// consume reads until close_notify, counting the bytes.
func (s *benchServer) consume(c io.Reader) error {
	buf := benchBuffers.Get().(*[64 << 10]byte)
	defer benchBuffers.Put(buf)
	for {
		n, err := c.Read(buf[:])
		s.received.Add(int64(n))
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// fail records a failed connection.
func (s *benchServer) fail(err error) {
	s.failed.Add(1)
	s.mu.Lock()
	if s.firstErr == nil {
		s.firstErr = err
	}
	s.mu.Unlock()
}

// failure returns the number of failed connections and the first error.
func (s *benchServer) failure() (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed.Load(), s.firstErr
}

// drain waits until every accepted connection is closed.
func (s *benchServer) drain(ctx context.Context) error {
	deadline := time.Now().Add(benchDrainTimeout)
	for s.active.Load() > 0 {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the in-process server still has %d connections open after %v", s.active.Load(), benchDrainTimeout)
		}
		time.Sleep(100 * time.Microsecond)
	}
	return nil
}

// close stops accepting, closes the open connections and waits for the
// handlers.
func (s *benchServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.handlers.Wait()
}

// describe says in a few words what the run measures.
func (p *benchPlan) describe() string {
	var names []string
	for _, st := range p.stacks {
		names = append(names, st.name)
	}
	where := "both ends in this process"
	if p.target != "" {
		where = "client against " + p.target
	}
	return fmt.Sprintf("%s, %s, %s of %v", strings.Join(names, " and "), where, plural(p.o.rounds, "round"), p.o.duration)
}

// plural writes n and a noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
