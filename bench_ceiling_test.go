package gotls_test

// The primitive ceiling of a TLS 1.3 server handshake: only the
// cryptography a server must do, with no message parsing, no state and no
// I/O. A stack's server handshake can approach it but never beat it, so
// ceiling-ns/op divided by a stack's srv-ns/op says how much of the
// stack's time goes to the cryptography it cannot avoid.

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/mlkem"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"hash"
	"testing"
)

// BenchmarkHandshakeCeilingTLS13 does the server cryptography of one full
// TLS 1.3 handshake per op, for each case of BenchmarkHandshakeServerTLS13:
// the key exchange (X25519 key generation and agreement, plus ML-KEM-768
// encapsulation for the hybrid), the CertificateVerify signature, the
// transcript hash, the key schedule (extracts, every HKDF-Expand-Label and
// both Finished MACs), four AES-128-GCM keys, sealing the encrypted flight
// and opening the client's Finished.
func BenchmarkHandshakeCeilingTLS13(b *testing.B) {
	pki := getBenchPKI(b)
	for _, tc := range hsCasesTLS13 {
		b.Run(tc.name, func(b *testing.B) {
			cert := pki.certs[tc.params.key]
			in := newCeilingInput(b, cert, tc.params.group)
			b.ReportAllocs()
			clock := startCPUClock()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := in.serverCrypto(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			clock.report(b)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hs/s")
		})
	}
}

// ceilingInput is what a server's cryptography works on: the client's key
// shares and messages of realistic sizes.
type ceilingInput struct {
	signer      crypto.Signer
	rsa         bool
	hybrid      bool
	clientX     *ecdh.PublicKey
	clientMLKEM []byte
	clientHello []byte
	// flight is the plaintext of EncryptedExtensions, Certificate,
	// CertificateVerify and Finished.
	flight []byte
	rec    []byte
}

func newCeilingInput(b *testing.B, cert tls.Certificate, group tls.CurveID) *ceilingInput {
	x, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	in := &ceilingInput{signer: cert.PrivateKey.(crypto.Signer), clientX: x.PublicKey()}
	_, in.rsa = cert.PrivateKey.(*rsa.PrivateKey)
	chLen := 250
	if group == tls.X25519MLKEM768 {
		dk, err := mlkem.GenerateKey768()
		if err != nil {
			b.Fatal(err)
		}
		in.hybrid, in.clientMLKEM = true, dk.EncapsulationKey().Bytes()
		chLen += len(in.clientMLKEM)
	}
	in.clientHello = make([]byte, chLen)
	in.flight = make([]byte, 40+len(cert.Certificate[0])+300)
	in.rec = make([]byte, 0, len(in.flight)+64)
	return in
}

// serverCrypto does the cryptography of one server handshake.
func (in *ceilingInput) serverCrypto() error {
	shared, err := in.keyExchange()
	if err != nil {
		return err
	}
	th := sha256.New()
	th.Write(in.clientHello)
	th.Write(in.flight[:90]) // ServerHello
	early := hkdfExtract(make([]byte, 32), nil)
	hs := hkdfExtract(shared, deriveSecret(early, "derived", nil))
	sum := th.Sum(nil)
	chts, shts := deriveSecret(hs, "c hs traffic", sum), deriveSecret(hs, "s hs traffic", sum)
	readHS, writeHS := newTrafficAEAD(chts), newTrafficAEAD(shts)
	th.Write(in.flight[90:200])
	content := append(make([]byte, 64, 64+34+32), "TLS 1.3, server CertificateVerify\x00"...)
	digest := sha256.Sum256(th.Sum(content))
	if err := in.sign(digest[:]); err != nil {
		return err
	}
	th.Write(in.flight[200:])
	finishedMAC(shts, th.Sum(nil))
	in.rec = writeHS.Seal(in.rec[:0], make([]byte, 12), in.flight, in.flight[:5])
	master := hkdfExtract(make([]byte, 32), deriveSecret(hs, "derived", nil))
	sum = th.Sum(nil)
	cats, sats := deriveSecret(master, "c ap traffic", sum), deriveSecret(master, "s ap traffic", sum)
	deriveSecret(master, "exp master", sum)
	newTrafficAEAD(cats)
	newTrafficAEAD(sats)
	// The client's Finished: a 36-byte message in one record.
	finishedMAC(chts, sum)
	clientFin := readHS.Seal(nil, make([]byte, 12), in.flight[:37], in.flight[:5])
	readHS.Open(clientFin[:0], make([]byte, 12), clientFin, in.flight[:5])
	th.Write(in.flight[:36])
	deriveSecret(master, "res master", th.Sum(nil))
	return nil
}

func (in *ceilingInput) keyExchange() ([]byte, error) {
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	shared, err := priv.ECDH(in.clientX)
	if err != nil || !in.hybrid {
		return shared, err
	}
	ek, err := mlkem.NewEncapsulationKey768(in.clientMLKEM)
	if err != nil {
		return nil, err
	}
	key, _ := ek.Encapsulate()
	return append(key, shared...), nil
}

func (in *ceilingInput) sign(digest []byte) error {
	var opts crypto.SignerOpts = crypto.SHA256
	if in.rsa {
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	}
	if k, ok := in.signer.(*ecdsa.PrivateKey); ok {
		_, err := ecdsa.SignASN1(rand.Reader, k, digest)
		return err
	}
	_, err := in.signer.Sign(rand.Reader, digest, opts)
	return err
}

func hkdfExtract(secret, salt []byte) []byte {
	out, err := hkdf.Extract(sha256.New, secret, salt)
	if err != nil {
		panic(err)
	}
	return out
}

// expandLabel is HKDF-Expand-Label (RFC 8446, Section 7.1) for the
// ceiling; the library's own lives in internal/keysched.
func expandLabel(secret []byte, label string, context []byte, n int) []byte {
	info := make([]byte, 0, 4+6+len(label)+len(context))
	info = append(info, byte(n>>8), byte(n), byte(6+len(label)))
	info = append(info, "tls13 "...)
	info = append(info, label...)
	info = append(info, byte(len(context)))
	info = append(info, context...)
	out, err := hkdf.Expand(sha256.New, secret, string(info), n)
	if err != nil {
		panic(err)
	}
	return out
}

func deriveSecret(secret []byte, label string, sum []byte) []byte {
	if sum == nil {
		e := sha256.Sum256(nil)
		sum = e[:]
	}
	return expandLabel(secret, label, sum, 32)
}

func newTrafficAEAD(secret []byte) cipher.AEAD {
	key, _ := expandLabel(secret, "key", nil, 16), expandLabel(secret, "iv", nil, 12)
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

func finishedMAC(secret, sum []byte) []byte {
	var h func() hash.Hash = sha256.New
	mac := hmac.New(h, expandLabel(secret, "finished", nil, 32))
	mac.Write(sum)
	return mac.Sum(nil)
}
