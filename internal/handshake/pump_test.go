package handshake_test

// Shared test helpers for the client and server handshake tests: an
// in-memory PKI, handshake configurations for both roles, a pump that runs
// two engines against each other in memory, and a blocking driver that runs
// one engine over a net.Conn (for tests against crypto/tls).

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"gotls/internal/engine"
	"gotls/internal/handshake"
	"gotls/internal/wire"
)

// keyType names the kinds of keys the test PKI can make.
type keyType int

const (
	keyECDSAP256 keyType = iota
	keyECDSAP384
	keyRSA2048
	keyEd25519
)

// String names the key type for subtest names.
func (k keyType) String() string {
	return [...]string{"ECDSA-P256", "ECDSA-P384", "RSA-2048", "Ed25519"}[k]
}

var (
	rsaKeyOnce sync.Once
	rsaKeys    [3]*rsa.PrivateKey
)

// newKey returns a private key of kind kt. RSA keys come from a small
// per-process pool because RSA key generation is slow.
func newKey(t testing.TB, kt keyType) crypto.Signer {
	t.Helper()
	switch kt {
	case keyECDSAP256, keyECDSAP384:
		curve := elliptic.P256()
		if kt == keyECDSAP384 {
			curve = elliptic.P384()
		}
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	case keyEd25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	rsaKeyOnce.Do(func() {
		for i := range rsaKeys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			rsaKeys[i] = k
		}
	})
	rsaNext.Lock()
	defer rsaNext.Unlock()
	rsaNext.n++
	return rsaKeys[rsaNext.n%len(rsaKeys)]
}

var rsaNext struct {
	sync.Mutex
	n int
}

// testCA is a self-signed root that issues leaf certificates.
type testCA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	Pool *x509.CertPool
}

// leafOptions tunes an issued leaf certificate. Zero values mean: DNS
// names "localhost" and "example.test", valid from an hour ago for a day,
// server authentication.
type leafOptions struct {
	DNSNames   []string
	IPs        []net.IP
	NotBefore  time.Time
	NotAfter   time.Time
	ClientAuth bool
	// CommonName of the leaf; "test leaf" when empty.
	CommonName string
	// KeyUsage replaces the default keyUsage (digitalSignature, plus
	// keyEncipherment for RSA) when set.
	KeyUsage x509.KeyUsage
}

var serialCounter struct {
	sync.Mutex
	n int64
}

func nextSerial() *big.Int {
	serialCounter.Lock()
	defer serialCounter.Unlock()
	serialCounter.n++
	return big.NewInt(serialCounter.n)
}

// newTestCA makes a root CA with a key of kind kt.
func newTestCA(t testing.TB, kt keyType, name string) *testCA {
	t.Helper()
	key := newKey(t, kt)
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"gotls test"}},
		NotBefore:             time.Now().Add(-24 * time.Hour),
		NotAfter:              time.Now().Add(10 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{Cert: cert, Key: key, Pool: pool}
}

// issue makes a leaf certificate with a key of kind kt, signed by ca.
func (ca *testCA) issue(t testing.TB, kt keyType, opts leafOptions) *handshake.Certificate {
	t.Helper()
	key := newKey(t, kt)
	if opts.DNSNames == nil {
		opts.DNSNames = []string{"localhost", "example.test"}
	}
	if opts.IPs == nil {
		opts.IPs = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	if opts.NotBefore.IsZero() {
		opts.NotBefore = time.Now().Add(-time.Hour)
	}
	if opts.NotAfter.IsZero() {
		opts.NotAfter = time.Now().Add(24 * time.Hour)
	}
	if opts.CommonName == "" {
		opts.CommonName = "test leaf"
	}
	usage := x509.ExtKeyUsageServerAuth
	if opts.ClientAuth {
		usage = x509.ExtKeyUsageClientAuth
	}
	keyUsage := x509.KeyUsageDigitalSignature
	if kt == keyRSA2048 {
		keyUsage |= x509.KeyUsageKeyEncipherment
	}
	if opts.KeyUsage != 0 {
		keyUsage = opts.KeyUsage
	}
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: opts.CommonName},
		DNSNames:     opts.DNSNames,
		IPAddresses:  opts.IPs,
		NotBefore:    opts.NotBefore,
		NotAfter:     opts.NotAfter,
		KeyUsage:     keyUsage,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &handshake.Certificate{Chain: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// tlsCertificate converts a test certificate for use with crypto/tls.
func tlsCertificate(c *handshake.Certificate) tls.Certificate {
	return tls.Certificate{Certificate: c.Chain, PrivateKey: c.PrivateKey, Leaf: c.Leaf}
}

// testPKI is a CA with a server leaf for "localhost" and a client leaf.
type testPKI struct {
	CA     *testCA
	Server *handshake.Certificate
	Client *handshake.Certificate
}

// newTestPKI makes an ECDSA P-256 CA with a server leaf of kind kt and
// an ECDSA P-256 client leaf.
func newTestPKI(t testing.TB, kt keyType) *testPKI {
	t.Helper()
	ca := newTestCA(t, keyECDSAP256, "gotls test root")
	return &testPKI{
		CA:     ca,
		Server: ca.issue(t, kt, leafOptions{CommonName: "localhost"}),
		Client: ca.issue(t, keyECDSAP256, leafOptions{ClientAuth: true, CommonName: "test client", DNSNames: []string{}, IPs: []net.IP{}}),
	}
}

// configs returns fresh client and server configurations that trust the
// PKI: the client dials "localhost" with the CA as its root, the server
// serves the server leaf and trusts the CA for client certificates.
func (p *testPKI) configs() (client, server *handshake.Config) {
	client = &handshake.Config{
		Rand:       rand.Reader,
		ServerName: "localhost",
		RootCAs:    p.CA.Pool,
	}
	server = &handshake.Config{
		Rand:         rand.Reader,
		Certificates: []*handshake.Certificate{p.Server},
		ClientCAs:    p.CA.Pool,
	}
	return client, server
}

// peer is one engine in an in-memory pump, with what it has read so far
// and its first error.
type peer struct {
	E   *engine.Engine
	Got bytes.Buffer
	Err error
	EOF bool
}

// newPeer creates and starts an engine for one role.
func newPeer(cfg *handshake.Config, client bool) *peer {
	p := &peer{E: engine.New(cfg, client)}
	if err := p.E.Start(); err != nil {
		p.Err = err
	}
	return p
}

// runHandshake runs a client and a server engine against each other in
// memory until neither has anything more to say.
func runHandshake(t testing.TB, ccfg, scfg *handshake.Config) (client, server *peer) {
	t.Helper()
	client = newPeer(ccfg, true)
	server = newPeer(scfg, false)
	pump(client, server)
	return client, server
}

// pump moves records between a and b until no more progress is made,
// draining application data into each side's Got buffer.
func pump(a, b *peer) {
	for i := 0; i < 100000; i++ {
		moved := transfer(a, b)
		moved = transfer(b, a) || moved
		if !moved {
			return
		}
	}
	panic("pump: no quiescence after 100000 rounds")
}

// transfer feeds from's output into to, drops it if to has failed, and
// reports whether anything happened.
func transfer(from, to *peer) bool {
	out := from.E.Output()
	drained := drain(to)
	if len(out) == 0 {
		return drained
	}
	if to.Err != nil {
		from.E.Sent(len(out))
		return true
	}
	n, err := to.E.Feed(out)
	from.E.Sent(n)
	drain(to)
	if err != nil && to.Err == nil {
		to.Err = err
	}
	return n > 0 || err != nil || drained
}

// drain reads all available application data of p into p.Got.
func drain(p *peer) bool {
	var buf [4096]byte
	any := false
	for {
		n, err := p.E.Read(buf[:])
		p.Got.Write(buf[:n])
		any = any || n > 0
		if errors.Is(err, io.EOF) {
			p.EOF = true
			return any
		}
		if err != nil {
			if p.Err == nil {
				p.Err = err
			}
			return any
		}
		if n == 0 {
			return any
		}
	}
}

// mustSucceed fails the test unless both sides completed the handshake.
func mustSucceed(t testing.TB, client, server *peer) {
	t.Helper()
	if client.Err != nil || server.Err != nil {
		t.Fatalf("handshake failed: client error %v; server error %v", client.Err, server.Err)
	}
	if !client.E.HandshakeComplete() || !server.E.HandshakeComplete() {
		t.Fatalf("handshake incomplete: client in %s, server in %s",
			client.E.Handshake().StateName(), server.E.Handshake().StateName())
	}
}

// sendApp writes data on from, pumps, and checks that to received exactly
// data.
func sendApp(t testing.TB, from, to *peer, data []byte) {
	t.Helper()
	to.Got.Reset()
	if _, err := from.E.Write(data); err != nil {
		t.Fatalf("write: %v", err)
	}
	pump(from, to)
	if from.Err != nil || to.Err != nil {
		t.Fatalf("after write: errors %v / %v", from.Err, to.Err)
	}
	if !bytes.Equal(to.Got.Bytes(), data) {
		t.Fatalf("received %d bytes, want %d bytes", to.Got.Len(), len(data))
	}
}

// alertOf returns the alert a local error carries, or 0xff when it is
// not a *wire.Error.
func alertOf(err error) wire.Alert {
	var we *wire.Error
	if errors.As(err, &we) {
		return we.Alert
	}
	return 0xff
}

// remoteAlertOf returns the alert a peer sent, or 0xff.
func remoteAlertOf(err error) wire.Alert {
	var re *engine.RemoteAlertError
	if errors.As(err, &re) {
		return re.Alert
	}
	return 0xff
}

// netPeer drives one engine over a net.Conn with blocking I/O; a reader
// goroutine keeps the connection drained so that neither side can block
// the other forever on an unbuffered net.Pipe.
type netPeer struct {
	E    *engine.Engine
	conn net.Conn
	in   chan []byte
	rerr chan error
	got  bytes.Buffer
}

// newNetPeer starts e and the reader goroutine of conn. The connection
// gets a 20-second deadline so that a broken test cannot hang.
func newNetPeer(t testing.TB, e *engine.Engine, conn net.Conn) *netPeer {
	t.Helper()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	p := &netPeer{E: e, conn: conn, in: make(chan []byte, 64), rerr: make(chan error, 1)}
	go p.readLoop()
	t.Cleanup(func() { conn.Close() })
	return p
}

func (p *netPeer) readLoop() {
	for {
		buf := make([]byte, 32*1024)
		n, err := p.conn.Read(buf)
		if n > 0 {
			p.in <- buf[:n]
		}
		if err != nil {
			p.rerr <- err
			close(p.in)
			return
		}
	}
}

// flush writes everything the engine wants sent.
func (p *netPeer) flush() error {
	for p.E.HasOutput() {
		out := p.E.Output()
		n, err := p.conn.Write(out)
		p.E.Sent(n)
		if err != nil {
			return err
		}
	}
	return nil
}

// step flushes output, then waits for one chunk of input and feeds it.
func (p *netPeer) step() error {
	if err := p.flush(); err != nil {
		return err
	}
	if err := p.E.Err(); err != nil {
		return err
	}
	chunk, ok := <-p.in
	if !ok {
		return fmt.Errorf("connection closed: %w", <-p.rerr)
	}
	for len(chunk) > 0 {
		n, err := p.E.Feed(chunk)
		chunk = chunk[n:]
		drained := p.drainApp()
		if n == 0 && !drained && err == nil {
			if p.E.PeerClosed() {
				return io.EOF
			}
			return errors.New("engine took no input")
		}
		if ferr := p.flush(); ferr != nil && err == nil {
			err = ferr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// drainApp moves decrypted application data into got and reports
// whether there was any.
func (p *netPeer) drainApp() bool {
	var buf [16 * 1024]byte
	any := false
	for {
		n, _ := p.E.Read(buf[:])
		if n == 0 {
			return any
		}
		any = true
		p.got.Write(buf[:n])
	}
}

// handshake runs the engine until its handshake completes.
func (p *netPeer) handshake() error {
	if err := p.E.Start(); err != nil {
		p.flush()
		return err
	}
	for !p.E.HandshakeComplete() {
		if err := p.step(); err != nil {
			return err
		}
	}
	return p.flush()
}

// write protects data and sends it.
func (p *netPeer) write(data []byte) error {
	if _, err := p.E.Write(data); err != nil {
		return err
	}
	return p.flush()
}

// readN reads until n bytes of application data have arrived.
func (p *netPeer) readN(n int) ([]byte, error) {
	for p.got.Len() < n {
		if err := p.step(); err != nil {
			return nil, err
		}
	}
	return p.got.Next(n), nil
}
