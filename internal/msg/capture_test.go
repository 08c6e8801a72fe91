package msg

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"hash"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// This file runs crypto/tls clients and servers in-process, records the
// bytes they exchange and parses every handshake message with this
// package. TLS 1.3 records are decrypted with the secrets from the key log.

// capture is what one in-process handshake put on the wire.
type capture struct {
	c2s, s2c []byte
	keyLog   string
}

// selfSigned returns a fresh ECDSA P-256 certificate for name.
func selfSigned(t *testing.T, name string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), DNSNames: []string{name},
		NotBefore: time.Unix(0, 0), NotAfter: time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// runTLS performs one crypto/tls handshake over a recording relay; the
// server then writes one byte that the client reads, so that tickets are
// delivered and processed.
func runTLS(t *testing.T, client, server *tls.Config) capture {
	t.Helper()
	var keyLog bytes.Buffer
	client.KeyLogWriter = &keyLog
	cConn, cRelay := net.Pipe()
	sRelay, sConn := net.Pipe()
	var c2s, s2c bytes.Buffer
	var wg sync.WaitGroup
	relay := func(dst, src net.Conn, rec *bytes.Buffer) {
		defer wg.Done()
		io.Copy(dst, io.TeeReader(src, rec))
		dst.Close()
	}
	wg.Add(2)
	go relay(sRelay, cRelay, &c2s)
	go relay(cRelay, sRelay, &s2c)
	deadline := time.Now().Add(10 * time.Second)
	cConn.SetDeadline(deadline)
	sConn.SetDeadline(deadline)
	errc := make(chan error, 1)
	go func() {
		s := tls.Server(sConn, server)
		err := s.Handshake()
		if err == nil {
			_, err = s.Write([]byte{'x'})
		}
		errc <- err
	}()
	c := tls.Client(cConn, client)
	err := c.Handshake()
	if err == nil {
		_, err = io.ReadFull(c, make([]byte, 1))
	}
	if serr := <-errc; serr != nil || err != nil {
		t.Fatalf("crypto/tls handshake: client %v, server %v", err, serr)
	}
	cConn.Close()
	sConn.Close()
	wg.Wait()
	return capture{c2s: c2s.Bytes(), s2c: s2c.Bytes(), keyLog: keyLog.String()}
}

// secret returns the key log secret with the given label.
func (c capture) secret(t *testing.T, label string) []byte {
	for _, line := range strings.Split(c.keyLog, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == label {
			s, err := hex.DecodeString(f[2])
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	t.Fatalf("no %s in key log", label)
	return nil
}

// trafficKeys derives a record AEAD and IV from a TLS 1.3 traffic secret
// (RFC 8446, Section 7.3), for the test only.
func trafficKeys(t *testing.T, suite wire.CipherSuite, secret []byte) (cipher.AEAD, []byte) {
	h, keyLen := sha256.New, 16
	switch suite {
	case wire.TLS_AES_256_GCM_SHA384:
		h, keyLen = func() hash.Hash { return sha512.New384() }, 32
	case wire.TLS_CHACHA20_POLY1305_SHA256:
		keyLen = 32
	}
	label := func(l string, n int) []byte {
		var b cryptobyte.Builder
		b.AddUint16(uint16(n))
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte("tls13 " + l)) })
		b.AddUint8(0)
		out, err := hkdf.Expand(h, secret, string(b.BytesOrPanic()), n)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	key, iv := label("key", keyLen), label("iv", 12)
	var aead cipher.AEAD
	var err error
	if suite == wire.TLS_CHACHA20_POLY1305_SHA256 {
		aead, err = chacha20poly1305.New(key)
	} else {
		var block cipher.Block
		if block, err = aes.NewCipher(key); err == nil {
			aead, err = cipher.NewGCM(block)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return aead, iv
}

// flight decodes the records of one direction into handshake messages.
// secrets are the TLS 1.3 traffic secrets to use in turn, the next one
// after each Finished; with no secrets, decoding stops at the first
// encrypted record.
type flight struct {
	t       *testing.T
	version wire.Version
	suite   wire.CipherSuite
	secrets [][]byte
	aead    cipher.AEAD
	iv      []byte
	seq     uint64
	buf     []byte
	msgs    []Message
}

func (f *flight) run(stream []byte) []Message {
	s := cryptobyte.String(stream)
	for !s.Empty() {
		var header, payload []byte
		if !s.ReadBytes(&header, 5) || !s.ReadBytes(&payload, int(header[3])<<8|int(header[4])) {
			f.t.Fatalf("truncated record")
		}
		switch wire.ContentType(header[0]) {
		case wire.ContentHandshake:
			f.handshake(payload)
		case wire.ContentApplicationData:
			if len(f.secrets) == 0 && f.aead == nil {
				return f.msgs
			}
			f.decrypt(header, payload)
		case wire.ContentChangeCipherSpec:
			if f.version != wire.VersionTLS13 {
				return f.msgs
			}
		}
	}
	return f.msgs
}

func (f *flight) decrypt(header, payload []byte) {
	if f.aead == nil {
		f.aead, f.iv = trafficKeys(f.t, f.suite, f.secrets[0])
		f.secrets, f.seq = f.secrets[1:], 0
	}
	nonce := bytes.Clone(f.iv)
	for i := 0; i < 8; i++ {
		nonce[len(nonce)-1-i] ^= byte(f.seq >> (8 * i))
	}
	f.seq++
	plain, err := f.aead.Open(nil, nonce, payload, header)
	if err != nil {
		f.t.Fatalf("decrypt: %v", err)
	}
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) > 0 && wire.ContentType(plain[len(plain)-1]) == wire.ContentHandshake {
		f.handshake(plain[:len(plain)-1])
	}
}

func (f *flight) handshake(data []byte) {
	f.buf = append(f.buf, data...)
	for {
		_, n, ok, err := ParseHeader(f.buf)
		if err != nil {
			f.t.Fatalf("ParseHeader: %v", err)
		}
		if !ok || len(f.buf) < HeaderLen+n {
			return
		}
		m, err := Parse(f.buf[:HeaderLen+n], f.version)
		if err != nil {
			f.t.Fatalf("Parse %x...: %v", f.buf[:min(len(f.buf), 16)], err)
		}
		f.buf = f.buf[HeaderLen+n:]
		f.msgs = append(f.msgs, m)
		if sh, ok := m.(*ServerHello); ok {
			f.suite = sh.CipherSuite
		}
		if _, ok := m.(*Finished); ok {
			f.aead = nil
		}
	}
}
