package gotls_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

// bulkRecord is how much application data each op moves: one full record.
const bulkRecord = 16 << 10

// bulkSuite is one AEAD of the bulk benchmarks.
type bulkSuite struct {
	name   string
	id     uint16
	newKey func(key []byte) (cipher.AEAD, error)
	keyLen int
}

var bulkSuites = []bulkSuite{
	{"AES128GCM", tls.TLS_AES_128_GCM_SHA256, newAESGCM, 16},
	{"AES256GCM", tls.TLS_AES_256_GCM_SHA384, newAESGCM, 32},
	{"CHACHA20", tls.TLS_CHACHA20_POLY1305_SHA256, chacha20poly1305.New, 32},
}

func newAESGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// bulkParams are the handshake parameters of the bulk benchmarks.
func bulkParams(s bulkSuite) benchParams {
	return benchParams{key: keyECDSAP256, group: tls.X25519, version: tls.VersionTLS13, suite: s.id}
}

// handshakePair connects a client and a server of one stack over the two
// ends of a connection and checks that they agreed on the suite.
func handshakePair(tb testing.TB, st benchStack, p benchParams, cEnd, sEnd net.Conn) (client, server tlsConn) {
	tb.Helper()
	defer preferSuite13(p.suite)()
	mkServer, mkClient := st.configs(tb, p)
	server, client = mkServer(sEnd), mkClient(cEnd)
	done := make(chan error, 1)
	go func() { done <- client.Handshake() }()
	if err := errors.Join(server.Handshake(), <-done); err != nil {
		tb.Fatal(err)
	}
	if got := negotiatedSuite(client); p.suite != 0 && got != p.suite {
		tb.Fatalf("%s negotiated suite %#04x, want %#04x", st.name, got, p.suite)
	}
	return client, server
}

func negotiatedSuite(c tlsConn) uint16 {
	type stater interface{ ConnectionState() tls.ConnectionState }
	return c.(stater).ConnectionState().CipherSuite
}

// BenchmarkBulk moves 16 KiB per op from a client to a server of the same
// stack, in memory and on one goroutine: each op seals one full record,
// passes it through an in-memory connection and opens it. MB/s is the
// figure to compare; BenchmarkBulkCeiling is the bound.
func BenchmarkBulk(b *testing.B) {
	for _, s := range bulkSuites {
		b.Run(s.name, func(b *testing.B) {
			for _, st := range benchStacks {
				b.Run(st.name, func(b *testing.B) {
					cEnd, sEnd := memPipe(false, 0)
					client, server := handshakePair(b, st, bulkParams(s), cEnd, sEnd)
					defer sEnd.Close()
					msg, buf := make([]byte, bulkRecord), make([]byte, bulkRecord)
					b.SetBytes(bulkRecord)
					b.ReportAllocs()
					clock := startCPUClock()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if _, err := client.Write(msg); err != nil {
							b.Fatal(err)
						}
						if _, err := io.ReadFull(server, buf); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					clock.report(b)
				})
			}
		})
	}
}

// BenchmarkBulkTCP moves 16 KiB writes from a client to a server of the
// same stack over loopback TCP, the server reading on another goroutine.
func BenchmarkBulkTCP(b *testing.B) {
	for _, s := range bulkSuites {
		b.Run(s.name, func(b *testing.B) {
			for _, st := range benchStacks {
				b.Run(st.name, func(b *testing.B) {
					a, z := tcpPair(b)
					client, server := handshakePair(b, st, bulkParams(s), a, z)
					msg := make([]byte, bulkRecord)
					b.SetBytes(bulkRecord)
					b.ReportAllocs()
					b.ResetTimer()
					done := make(chan error, 1)
					go func() {
						_, err := io.CopyN(io.Discard, server, int64(b.N)*bulkRecord)
						done <- err
					}()
					for i := 0; i < b.N; i++ {
						if _, err := client.Write(msg); err != nil {
							b.Fatal(err)
						}
					}
					if err := <-done; err != nil {
						b.Fatal(err)
					}
				})
			}
		})
	}
}

// BenchmarkBulkCeiling is the bound for BenchmarkBulk: per op, seal one
// record's inner plaintext (16 KiB and the content type) from the
// application's buffer into a record buffer, open it in place and copy
// the 16 KiB out to the application: the AEAD both ways plus one copy.
func BenchmarkBulkCeiling(b *testing.B) {
	for _, s := range bulkSuites {
		b.Run(s.name, func(b *testing.B) {
			aead, err := s.newKey(make([]byte, s.keyLen))
			if err != nil {
				b.Fatal(err)
			}
			plain := make([]byte, bulkRecord+1)
			rec := make([]byte, 0, 5+len(plain)+aead.Overhead())
			out := make([]byte, bulkRecord)
			nonce := make([]byte, aead.NonceSize())
			b.SetBytes(bulkRecord)
			b.ReportAllocs()
			clock := startCPUClock()
			defer clock.report(b)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				nonce[0] = byte(i)
				rec = append(rec[:0], 23, 3, 3, 0, 0)
				rec = aead.Seal(rec, nonce, plain, rec[:5])
				opened, err := aead.Open(rec[5:5], nonce, rec[5:], rec[:5])
				if err != nil {
					b.Fatal(err)
				}
				copy(out, opened)
			}
		})
	}
}
