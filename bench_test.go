package gotls_test

// This file holds what the benchmarks share: an in-memory duplex
// connection, a meter that isolates one side's work in a handshake, the
// test PKI and the two stacks under comparison (gotls and crypto/tls).
// Each benchmark runs the same scenario on both, so that one run gives
// their ratio; doc/performance.md explains how to read the results.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
	_ "unsafe" // for go:linkname

	"gotls"
	"gotls/session"
)

// memHalf is one direction of a memPipe: bytes written by one end and
// not yet read by the other.
type memHalf struct {
	mu      sync.Mutex
	cond    sync.Cond
	buf     []byte
	off     int
	closed  bool
	waiters int
	// limit bounds buf; a writer waits while it is full (0: no bound).
	limit int
}

func newMemHalf(limit int) *memHalf {
	h := &memHalf{limit: limit}
	h.cond.L = &h.mu
	return h
}

// write appends p, waiting while the buffer is over its limit.
func (h *memHalf) write(p []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for h.limit > 0 && len(h.buf)-h.off >= h.limit && !h.closed {
		h.wait()
	}
	if h.closed {
		return net.ErrClosed
	}
	if h.off == len(h.buf) {
		h.buf, h.off = h.buf[:0], 0
	}
	h.buf = append(h.buf, p...)
	h.cond.Broadcast()
	return nil
}

// read copies buffered bytes into p, waiting until there are some.
func (h *memHalf) read(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for h.off == len(h.buf) && !h.closed {
		h.wait()
	}
	if h.off == len(h.buf) {
		return 0, io.EOF
	}
	n := copy(p, h.buf[h.off:])
	h.off += n
	h.cond.Broadcast()
	return n, nil
}

func (h *memHalf) close() {
	h.mu.Lock()
	h.closed = true
	h.cond.Broadcast()
	h.mu.Unlock()
}

// wait blocks a reader or writer until h changes, letting waitBlocked
// know. The caller holds h.mu.
func (h *memHalf) wait() {
	h.waiters++
	h.cond.Broadcast()
	h.cond.Wait()
	h.waiters--
}

// waitBlocked waits until a reader or writer is blocked on h.
func (h *memHalf) waitBlocked() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for h.waiters == 0 {
		h.cond.Wait()
	}
}

// memConn is one end of an in-memory duplex connection. It is much
// cheaper than net.Pipe, whose every Write waits for a matching Read.
//
// In lockstep mode, writes are held back until this end next reads (or
// Flush is called), so the two ends of a handshake never run at the same
// time and a meter can attribute time and allocations to one side.
type memConn struct {
	in, out  *memHalf
	lockstep bool
	outbox   []byte
	meter    *sideMeter
}

// memPipe returns the two ends of an in-memory connection. limit bounds
// how many unread bytes each direction holds (0: no bound).
func memPipe(lockstep bool, limit int) (*memConn, *memConn) {
	ab, ba := newMemHalf(limit), newMemHalf(limit)
	return &memConn{in: ba, out: ab, lockstep: lockstep}, &memConn{in: ab, out: ba, lockstep: lockstep}
}

func (c *memConn) Read(p []byte) (int, error) {
	c.meter.pause()
	c.Flush()
	n, err := c.in.read(p)
	c.meter.resume()
	return n, err
}

func (c *memConn) Write(p []byte) (int, error) {
	if c.lockstep {
		c.outbox = append(c.outbox, p...)
		return len(p), nil
	}
	if err := c.out.write(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush makes held-back writes visible to the other end.
func (c *memConn) Flush() {
	if len(c.outbox) > 0 {
		c.out.write(c.outbox)
		c.outbox = c.outbox[:0]
	}
}

func (c *memConn) Close() error {
	c.Flush()
	c.out.close()
	c.in.close()
	return nil
}

func (c *memConn) CloseWrite() error {
	c.Flush()
	c.out.close()
	return nil
}

type memAddr struct{}

func (memAddr) Network() string { return "mem" }
func (memAddr) String() string  { return "mem" }

func (c *memConn) LocalAddr() net.Addr                { return memAddr{} }
func (c *memConn) RemoteAddr() net.Addr               { return memAddr{} }
func (c *memConn) SetDeadline(t time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(t time.Time) error { return nil }

// sideMeter adds up the time or the heap allocations of one side of a
// lockstep handshake: from resume to pause, that is while the side runs
// rather than waits for its peer. Time is the CPU time of the side's
// thread where the system offers it (the goroutine must then be locked to
// its thread), wall time elsewhere. Counting allocations exactly takes
// runtime.ReadMemStats, which stops the world and disturbs timing, so a
// meter either times or counts. A nil meter measures nothing.
type sideMeter struct {
	countAllocs bool
	running     bool
	cpu         bool
	since       time.Duration
	busy        time.Duration
	objects     uint64
	bytes       uint64
	ms          runtime.MemStats
}

func newSideMeter(countAllocs bool) *sideMeter {
	m := &sideMeter{countAllocs: countAllocs}
	_, m.cpu = threadCPUTime()
	return m
}

// benchEpoch anchors the wall clock readings of meters without a thread
// CPU clock.
var benchEpoch = time.Now()

// now reads the meter's clock.
func (m *sideMeter) now() time.Duration {
	if m.cpu {
		t, _ := threadCPUTime()
		return t
	}
	return time.Since(benchEpoch)
}

func (m *sideMeter) resume() {
	if m == nil || m.running {
		return
	}
	m.running = true
	if m.countAllocs {
		runtime.ReadMemStats(&m.ms)
		m.objects -= m.ms.Mallocs
		m.bytes -= m.ms.TotalAlloc
		return
	}
	m.since = m.now()
}

func (m *sideMeter) pause() {
	if m == nil || !m.running {
		return
	}
	m.running = false
	if m.countAllocs {
		runtime.ReadMemStats(&m.ms)
		m.objects += m.ms.Mallocs
		m.bytes += m.ms.TotalAlloc
		return
	}
	m.busy += m.now() - m.since
}

// reportTime publishes the time per handshake of n handshakes under names
// that start with prefix ("srv" or "cli").
func (m *sideMeter) reportTime(b *testing.B, prefix string, n int) {
	if n > 0 && m.busy > 0 {
		b.ReportMetric(float64(m.busy.Nanoseconds())/float64(n), prefix+"-ns/op")
		b.ReportMetric(float64(n)/m.busy.Seconds(), prefix+"-hs/s")
	}
}

// reportAllocs publishes the allocations per handshake of n handshakes.
func (m *sideMeter) reportAllocs(b *testing.B, prefix string, n int) {
	if n > 0 {
		b.ReportMetric(float64(m.objects)/float64(n), prefix+"-allocs/op")
		b.ReportMetric(float64(m.bytes)/float64(n), prefix+"-B/op")
	}
}

// cpuClock measures the CPU time a benchmark's goroutine uses, locked to
// its thread, for benchmarks that run on one goroutine. On a busy machine
// cpu-ns/op is steadier than ns/op, which counts time other processes
// take.
type cpuClock struct {
	start time.Duration
	ok    bool
}

// startCPUClock locks the goroutine to its thread and starts the clock;
// call it after setup, next to b.ResetTimer.
func startCPUClock() *cpuClock {
	runtime.LockOSThread()
	t, ok := threadCPUTime()
	return &cpuClock{start: t, ok: ok}
}

// report publishes cpu-ns/op and unlocks the thread.
func (c *cpuClock) report(b *testing.B) {
	t, _ := threadCPUTime()
	runtime.UnlockOSThread()
	if c.ok && b.N > 0 {
		b.ReportMetric(float64(t-c.start)/float64(b.N), "cpu-ns/op")
	}
}

// keyKind names a certificate key type used by the benchmarks.
type keyKind int

const (
	keyECDSAP256 keyKind = iota
	keyRSA2048
)

// benchPKI is a CA and one server certificate per key type. Generating
// RSA keys is slow, so it is done once per test binary.
type benchPKI struct {
	roots *x509.CertPool
	certs map[keyKind]tls.Certificate
}

var (
	benchPKIOnce sync.Once
	benchPKIVal  *benchPKI
	benchPKIErr  error
)

const benchServerName = "bench.gotls.test"

func getBenchPKI(tb testing.TB) *benchPKI {
	tb.Helper()
	benchPKIOnce.Do(func() { benchPKIVal, benchPKIErr = makeBenchPKI() })
	if benchPKIErr != nil {
		tb.Fatal(benchPKIErr)
	}
	return benchPKIVal
}

func makeBenchPKI() (*benchPKI, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gotls bench CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	p := &benchPKI{roots: x509.NewCertPool(), certs: map[keyKind]tls.Certificate{}}
	p.roots.AddCert(ca)
	for i, kind := range []keyKind{keyECDSAP256, keyRSA2048} {
		var key crypto.Signer
		if kind == keyRSA2048 {
			key, err = rsa.GenerateKey(rand.Reader, 2048)
		} else {
			key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		}
		if err != nil {
			return nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 2)), Subject: pkix.Name{CommonName: benchServerName},
			DNSNames:  []string{benchServerName},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
		if err != nil {
			return nil, err
		}
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		p.certs[kind] = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
	}
	return p, nil
}

// benchParams says what a connection negotiates: the server's key type,
// the key exchange group, the version and, for bulk runs, the suite.
// resume gives the client a session cache and has both servers issue
// session tickets, so that a primed client resumes.
type benchParams struct {
	key     keyKind
	group   tls.CurveID
	version uint16
	suite   uint16 // 0: the stack's default
	resume  bool
}

// clientGroups is the groups a client offers: p.group, and for TLS 1.2
// with an ECDSA certificate also P-256 after it, since a TLS 1.2 server
// uses an ECDSA certificate only on a curve the client lists (RFC 8422,
// Section 5.1); the server, which lists only p.group, still picks it.
func clientGroups(p benchParams) []tls.CurveID {
	if p.version == tls.VersionTLS12 && p.key == keyECDSAP256 && p.group != tls.CurveP256 {
		return []tls.CurveID{p.group, tls.CurveP256}
	}
	return []tls.CurveID{p.group}
}

// tlsConn is what both stacks' connections offer.
type tlsConn interface {
	net.Conn
	Handshake() error
}

// benchStack is one TLS implementation under test. Configurations are
// made once per benchmark, as a real server does, and connections per
// handshake.
type benchStack struct {
	name    string
	configs func(tb testing.TB, p benchParams) (server, client func(net.Conn) tlsConn)
}

// benchStacks are the twins every benchmark compares.
var benchStacks = []benchStack{
	{"gotls", gotlsConfigs},
	{"cryptotls", cryptoTLSConfigs},
}

func gotlsConfigs(tb testing.TB, p benchParams) (server, client func(net.Conn) tlsConn) {
	pki := getBenchPKI(tb)
	scfg := &gotls.Config{
		Certificates:     []tls.Certificate{pki.certs[p.key]},
		MinVersion:       p.version,
		MaxVersion:       p.version,
		CurvePreferences: []tls.CurveID{p.group},
	}
	ccfg := &gotls.Config{
		ServerName:       benchServerName,
		RootCAs:          pki.roots,
		MinVersion:       p.version,
		MaxVersion:       p.version,
		CurvePreferences: clientGroups(p),
	}
	if p.suite != 0 {
		scfg.CipherSuites = []uint16{p.suite}
		ccfg.CipherSuites = []uint16{p.suite}
	}
	if p.resume {
		ccfg.ClientSessionCache = session.NewLRUClientCache(0)
	}
	return func(c net.Conn) tlsConn { return gotls.Server(c, scfg) },
		func(c net.Conn) tlsConn { return gotls.Client(c, ccfg) }
}

func cryptoTLSConfigs(tb testing.TB, p benchParams) (server, client func(net.Conn) tlsConn) {
	pki := getBenchPKI(tb)
	scfg := &tls.Config{
		Certificates:     []tls.Certificate{pki.certs[p.key]},
		MinVersion:       p.version,
		MaxVersion:       p.version,
		CurvePreferences: []tls.CurveID{p.group},
		// Without resume the client keeps no sessions and offers no
		// ticket extension or PSK modes, so neither server issues
		// tickets; resumption benchmarks turn them on.
		SessionTicketsDisabled: !p.resume,
	}
	ccfg := &tls.Config{
		ServerName:       benchServerName,
		RootCAs:          pki.roots,
		MinVersion:       p.version,
		MaxVersion:       p.version,
		CurvePreferences: clientGroups(p),
	}
	if p.suite != 0 && p.version != tls.VersionTLS13 {
		scfg.CipherSuites = []uint16{p.suite}
		ccfg.CipherSuites = []uint16{p.suite}
	}
	if p.resume {
		ccfg.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	}
	return func(c net.Conn) tlsConn { return tls.Server(c, scfg) },
		func(c net.Conn) tlsConn { return tls.Client(c, ccfg) }
}

// cryptoTLSSuites13 is crypto/tls's TLS 1.3 suite preference, which its
// client also offers in this order. crypto/tls has no setting for TLS 1.3
// suites, so the bulk benchmarks reorder this list (exported for linkname
// by crypto/tls) while their crypto/tls twins handshake.
//
//go:linkname cryptoTLSSuites13 crypto/tls.defaultCipherSuitesTLS13
var cryptoTLSSuites13 []uint16

// preferSuite13 makes crypto/tls's client and server prefer the TLS 1.3
// suite id; the returned function restores the default order.
func preferSuite13(id uint16) (restore func()) {
	saved := append([]uint16(nil), cryptoTLSSuites13...)
	if id == 0 {
		return func() {}
	}
	i := slices.Index(cryptoTLSSuites13, id)
	if i < 0 {
		return func() {}
	}
	copy(cryptoTLSSuites13[1:i+1], saved[:i])
	cryptoTLSSuites13[0] = id
	return func() { copy(cryptoTLSSuites13, saved) }
}

// errBenchPeer reports that the far end of a benchmark connection failed.
var errBenchPeer = errors.New("bench: peer failed")
