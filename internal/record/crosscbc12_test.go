package record

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"gotls/internal/keysched"
	"gotls/internal/wire"
)

// This file checks NewCBC12 against crypto/tls: our protector opens the
// records of a crypto/tls TLS 1.2 connection, and crypto/tls accepts
// records our protector seals, in both directions.

var rsaCertificate = sync.OnceValues(func() (tls.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), NotBefore: time.Unix(0, 0),
		NotAfter: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
})

// cbcCertificate returns a certificate fit for the key exchange of id.
func cbcCertificate(t *testing.T, id wire.CipherSuite) tls.Certificate {
	t.Helper()
	switch id {
	case wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, wire.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA:
		return ecdsaCertificate(t)
	}
	cert, err := rsaCertificate()
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// cbcKeys derives, from a connection's key log line and the server random
// in what the client read, two protectors (one to seal, one to open) with
// the client's write keys and two with the server's.
func cbcKeys(t *testing.T, id wire.CipherSuite, keyLog string, read []byte) (cSeal, cOpen, sSeal, sOpen Protector) {
	t.Helper()
	f := strings.Fields(keyLog)
	if len(f) != 3 || f[0] != keysched.LabelTLS12 {
		t.Fatalf("key log %q", keyLog)
	}
	clientRandom, _ := hex.DecodeString(f[1])
	master, _ := hex.DecodeString(f[2])
	serverRandom := read[11:43] // record header, handshake header, version
	s := CBCSuite12(id)
	cMAC, sMAC, cKey, sKey, _, _ := keysched.KeyBlock12(s.Hash, master, clientRandom, serverRandom, s.MACLen, s.KeyLen, 0)
	mk := func(key, mac []byte) Protector {
		p, err := NewCBC12(s, key, mac, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	return mk(cKey, cMAC), mk(cKey, cMAC), mk(sKey, sMAC), mk(sKey, sMAC)
}

// openAll opens the protected records of one direction with p: a Finished
// and then application data ending with wantLast.
func openAll(t *testing.T, p Protector, recs [][]byte, wantLast []byte) {
	t.Helper()
	if len(recs) == 0 {
		t.Fatal("no protected records")
	}
	for i, rec := range recs {
		typ, plain, err := p.Open(bytes.Clone(rec))
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if i == 0 && (typ != wire.ContentHandshake || len(plain) != 16 || plain[0] != 20) {
			t.Errorf("first record is not a Finished: %v %x", typ, plain)
		}
		if i > 0 && i == len(recs)-1 && !bytes.Equal(plain, wantLast) {
			t.Errorf("last record %q, want %q", plain, wantLast)
		}
	}
}

// skip advances a writer past n records already sent by crypto/tls.
func skip(p Protector, n int) {
	for range n {
		p.Seal(nil, wire.ContentApplicationData, nil, 0)
	}
}

func TestCBC12AgainstCryptoTLS(t *testing.T) {
	for _, id := range suitesCBC {
		t.Run(id.String(), func(t *testing.T) { crossCBC(t, id) })
	}
}

// crossCBC runs a crypto/tls handshake with suite id, in which the server
// sends one record. Our protectors then open every protected record, and
// write one record each way into the raw pipe, which crypto/tls must read.
func crossCBC(t *testing.T, id wire.CipherSuite) {
	var log bytes.Buffer
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	tap := &tapConn{Conn: c1}
	client := tls.Client(tap, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{uint16(id)}, KeyLogWriter: &log})
	server := tls.Server(c2, &tls.Config{Certificates: []tls.Certificate{cbcCertificate(t, id)},
		MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{uint16(id)}})
	fromClient := make(chan []byte, 1)
	go func() {
		defer close(fromClient)
		if _, err := server.Write([]byte("hello from server")); err != nil {
			return
		}
		buf := make([]byte, 100)
		n, _ := server.Read(buf)
		fromClient <- buf[:n]
	}()
	if _, err := client.Read(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if got := client.ConnectionState().CipherSuite; got != uint16(id) {
		t.Fatalf("negotiated %04x", got)
	}
	tap.mu.Lock()
	read, sent := bytes.Clone(tap.read.Bytes()), bytes.Clone(tap.sent.Bytes())
	tap.mu.Unlock()

	cSeal, cOpen, sSeal, sOpen := cbcKeys(t, id, log.String(), read)
	serverRecs, clientRecs := protectedRecords(t, read), protectedRecords(t, sent)
	openAll(t, sOpen, serverRecs, []byte("hello from server"))
	openAll(t, cOpen, clientRecs, nil)

	// Client to server: our record after the client's Finished.
	skip(cSeal, len(clientRecs))
	if _, err := c1.Write(cSeal.Seal(nil, wire.ContentApplicationData, []byte("ping from gotls"), 0)); err != nil {
		t.Fatal(err)
	}
	if got := <-fromClient; string(got) != "ping from gotls" {
		t.Fatalf("crypto/tls server read %q", got)
	}
	// Server to client: a record longer than one block of padding arithmetic.
	skip(sSeal, len(serverRecs))
	want := bytes.Repeat([]byte("pong "), 1000)
	go func() { c2.Write(sSeal.Seal(nil, wire.ContentApplicationData, want, 0)) }()
	got, err := io.ReadAll(io.LimitReader(client, int64(len(want))))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("crypto/tls client read %d bytes, %v", len(got), err)
	}
}
