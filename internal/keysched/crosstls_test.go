package keysched

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// This file cross-checks the exporters and key log secrets against
// crypto/tls: a crypto/tls client and server handshake in memory, the key
// log gives the secrets, and ExportKeyingMaterial gives the answers.

func testCertificate(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		DNSNames:     []string{"example.test"},
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// recordingConn keeps every byte read and written through it.
type recordingConn struct {
	net.Conn
	mu        sync.Mutex
	got, sent bytes.Buffer
}

func (c *recordingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	c.got.Write(b[:n])
	c.mu.Unlock()
	return n, err
}

func (c *recordingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.mu.Lock()
	c.sent.Write(b[:n])
	c.mu.Unlock()
	return n, err
}

// constReader returns an endless run of one byte value.
type constReader byte

func (r constReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(r)
	}
	return len(b), nil
}

// crossRun is what one crypto/tls handshake left behind.
type crossRun struct {
	client     *tls.Conn
	keyLog     map[string]string
	read, sent []byte
}

// handshake runs a crypto/tls handshake limited to version and suite, with
// the client's randomness all 0x42 bytes and X25519 its only group, and
// returns what the client saw.
func handshake(t *testing.T, version uint16, suite uint16) crossRun {
	t.Helper()
	cert := testCertificate(t)
	var keyLog bytes.Buffer
	c1, c2 := net.Pipe()
	rec := &recordingConn{Conn: c1}
	client := tls.Client(rec, &tls.Config{
		InsecureSkipVerify: true, MinVersion: version, MaxVersion: version,
		CipherSuites: []uint16{suite}, KeyLogWriter: &keyLog,
		Rand: constReader(0x42), CurvePreferences: []tls.CurveID{tls.X25519},
	})
	server := tls.Server(c2, &tls.Config{
		Certificates: []tls.Certificate{cert}, MinVersion: version, MaxVersion: version,
		CipherSuites: []uint16{suite},
	})
	errc := make(chan error, 1)
	go func() { errc <- server.Handshake() }()
	if err := client.Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c1.Close(); c2.Close() })
	lines := map[string]string{}
	sc := bufio.NewScanner(&keyLog)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 {
			lines[f[0]] = f[1] + " " + f[2]
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return crossRun{client, lines, bytes.Clone(rec.got.Bytes()), bytes.Clone(rec.sent.Bytes())}
}

// keyLogSecret returns the client random and secret of a key log entry.
func keyLogSecret(t *testing.T, lines map[string]string, label string) (cr, secret []byte) {
	t.Helper()
	f := strings.Fields(lines[label])
	if len(f) != 2 {
		t.Fatalf("no %s line in key log", label)
	}
	cr, err1 := hex.DecodeString(f[0])
	secret, err2 := hex.DecodeString(f[1])
	if err1 != nil || err2 != nil {
		t.Fatal("bad key log line")
	}
	return cr, secret
}

func TestExport12AgainstCryptoTLS(t *testing.T) {
	for _, c := range []struct {
		suite uint16
		h     crypto.Hash
	}{
		{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, crypto.SHA256},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, crypto.SHA384},
	} {
		run := handshake(t, tls.VersionTLS12, c.suite)
		cr, master := keyLogSecret(t, run.keyLog, LabelTLS12)
		read := run.read
		// The first record the client reads is the ServerHello: record
		// header (5), handshake header (4), version (2), then the random.
		if len(read) < 43 || read[0] != 22 || read[5] != 2 {
			t.Fatal("first record read is not a ServerHello")
		}
		sr := read[11:43]
		state := run.client.ConnectionState()
		for _, ctx := range [][]byte{nil, {}, []byte("context")} {
			want, err := state.ExportKeyingMaterial("EXPERIMENTAL gotls", ctx, 42)
			if err != nil {
				t.Fatal(err)
			}
			if got := Export12(c.h, master, cr, sr, "EXPERIMENTAL gotls", ctx, 42); !bytes.Equal(got, want) {
				t.Errorf("%v ctx %q: Export12 = %x, crypto/tls %x", c.h, ctx, got, want)
			}
		}
	}
}
