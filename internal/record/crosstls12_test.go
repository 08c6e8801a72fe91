package record

import (
	"bytes"
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

	"gotls/internal/keysched"
	"gotls/internal/wire"
)

// This file checks NewAEAD12 and keysched's TLS 1.2 key block against the
// records of a crypto/tls connection: the key log gives the master secret,
// the ServerHello the server random.

// tapConn keeps every byte read and written through it.
type tapConn struct {
	net.Conn
	mu         sync.Mutex
	read, sent bytes.Buffer
}

func (c *tapConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	c.read.Write(b[:n])
	c.mu.Unlock()
	return n, err
}

func (c *tapConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.mu.Lock()
	c.sent.Write(b[:n])
	c.mu.Unlock()
	return n, err
}

func ecdsaCertificate(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), NotBefore: time.Unix(0, 0),
		NotAfter: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// protectedRecords returns the records that follow the first
// change_cipher_spec record of a stream.
func protectedRecords(t *testing.T, stream []byte) [][]byte {
	t.Helper()
	var out [][]byte
	var d Deframer
	afterCCS := false
	for len(stream) > 0 || d.Buffered() > 0 {
		stream = stream[d.Feed(stream):]
		rec, err := d.Next()
		if err != nil || rec == nil {
			t.Fatalf("bad record stream: %v", err)
		}
		if afterCCS {
			out = append(out, bytes.Clone(rec))
		}
		afterCCS = afterCCS || rec[0] == byte(wire.ContentChangeCipherSpec)
		d.Release()
	}
	return out
}

// runTLS12 runs a crypto/tls TLS 1.2 connection with the suite id: a
// handshake, one record from the server and one from the client. It returns
// what the client read and sent and its key log.
func runTLS12(t *testing.T, id wire.CipherSuite) (read, sent []byte, keyLog string) {
	t.Helper()
	var log bytes.Buffer
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	c1.SetDeadline(time.Now().Add(20 * time.Second))
	c2.SetDeadline(time.Now().Add(20 * time.Second))
	tap := &tapConn{Conn: c1}
	client := tls.Client(tap, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{uint16(id)}, KeyLogWriter: &log})
	server := tls.Server(c2, &tls.Config{Certificates: []tls.Certificate{ecdsaCertificate(t)},
		MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{uint16(id)}})
	done := make(chan error, 1)
	go func() {
		if _, err := server.Write([]byte("hello from server")); err != nil {
			done <- err
			return
		}
		_, err := server.Read(make([]byte, 100))
		done <- err
	}()
	if _, err := client.Read(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	tap.mu.Lock()
	defer tap.mu.Unlock()
	return bytes.Clone(tap.read.Bytes()), bytes.Clone(tap.sent.Bytes()), log.String()
}

// checkRecords12 opens the protected records of one direction, a Finished
// and then application data ending with wantLast, and seals them again.
func checkRecords12(t *testing.T, s *Suite, key, iv []byte, recs [][]byte, wantLast []byte) {
	t.Helper()
	r, _ := NewAEAD12(s, key, iv)
	w, _ := NewAEAD12(s, key, iv)
	for i, rec := range recs {
		typ, plain, err := r.Open(bytes.Clone(rec))
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if i == 0 && (typ != wire.ContentHandshake || len(plain) != 16 || plain[0] != 20) {
			t.Errorf("first record is not a Finished: %v %x", typ, plain)
		}
		if i == len(recs)-1 && !bytes.Equal(plain, wantLast) {
			t.Errorf("last record %q, want %q", plain, wantLast)
		}
		if got := w.Seal(nil, typ, plain, 0); !bytes.Equal(got, rec) {
			t.Errorf("record %d: sealing does not reproduce crypto/tls", i)
		}
	}
}

func TestAEAD12AgainstCryptoTLS(t *testing.T) {
	for _, id := range []wire.CipherSuite{
		wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		wire.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	} {
		t.Run(id.String(), func(t *testing.T) {
			read, sent, keyLog := runTLS12(t, id)
			f := strings.Fields(keyLog)
			if len(f) != 3 || f[0] != keysched.LabelTLS12 {
				t.Fatalf("key log %q", keyLog)
			}
			cr, _ := hex.DecodeString(f[1])
			master, _ := hex.DecodeString(f[2])
			sr := read[11:43] // record header, handshake header, version
			s := Suite12(id)
			_, _, cKey, sKey, cIV, sIV := keysched.KeyBlock12(s.Hash, master, cr, sr, 0, s.KeyLen, s.IVLen)
			checkRecords12(t, s, sKey, sIV, protectedRecords(t, read), []byte("hello from server"))
			checkRecords12(t, s, cKey, cIV, protectedRecords(t, sent), []byte("ping"))
		})
	}
}
