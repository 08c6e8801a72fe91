package sig

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"slices"
	"sync"
	"testing"

	"gotls/internal/wire"
)

// testKeys holds one signing key of each kind the tests need.
type testKeys struct {
	p256, p384, p521, p224 *ecdsa.PrivateKey
	rsa2048, rsa1024       *rsa.PrivateKey
	ed                     ed25519.PrivateKey
}

// keysOnce builds the test keys. All but rsa1024 are fixed, so that fuzz
// seeds can hold valid signatures.
var keysOnce = sync.OnceValues(func() (*testKeys, error) {
	var k testKeys
	var err error
	ec := func(c elliptic.Curve, size int) *ecdsa.PrivateKey {
		d := bytes.Repeat([]byte{0x5c}, size)
		d[0] = 0x01
		key, e := ecdsa.ParseRawPrivateKey(c, d)
		err = errors.Join(err, e)
		return key
	}
	k.p256, k.p384, k.p521, k.p224 = ec(elliptic.P256(), 32), ec(elliptic.P384(), 48), ec(elliptic.P521(), 66), ec(elliptic.P224(), 28)
	k.ed = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x3e}, ed25519.SeedSize))
	var e1, e2 error
	k.rsa2048, e1 = loadRSA("testdata/rsa2048.pem")
	k.rsa1024, e2 = rsa.GenerateKey(rand.Reader, 1024)
	return &k, errors.Join(err, e1, e2)
})

// loadRSA reads a PKCS #8 PEM RSA private key.
func loadRSA(path string) (*rsa.PrivateKey, error) {
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New(path + " holds no PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	k, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New(path + " is not an rsa key")
	}
	return k, nil
}

func keys(t testing.TB) *testKeys {
	t.Helper()
	k, err := keysOnce()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// alertOf returns the alert of a *wire.Error, failing the test for any
// other error.
func alertOf(t *testing.T, err error) wire.Alert {
	t.Helper()
	var we *wire.Error
	if !errors.As(err, &we) {
		t.Fatalf("error %v is not a *wire.Error", err)
	}
	return we.Alert
}

func TestSignVerifyRoundTrip(t *testing.T) {
	k := keys(t)
	msg := SignedContent13(ServerContext13, bytes.Repeat([]byte{0xab}, 32))
	tests := []struct {
		name    string
		signer  crypto.Signer
		scheme  wire.SignatureScheme
		version wire.Version
	}{
		{"p256", k.p256, wire.ECDSAWithP256AndSHA256, wire.VersionTLS13},
		{"p384", k.p384, wire.ECDSAWithP384AndSHA384, wire.VersionTLS13},
		{"p521", k.p521, wire.ECDSAWithP521AndSHA512, wire.VersionTLS13},
		{"p256-sha512-tls12", k.p256, wire.ECDSAWithP521AndSHA512, wire.VersionTLS12},
		{"p521-sha256-tls12", k.p521, wire.ECDSAWithP256AndSHA256, wire.VersionTLS12},
		{"rsa-pss256", k.rsa2048, wire.PSSWithSHA256, wire.VersionTLS13},
		{"rsa-pss384", k.rsa2048, wire.PSSWithSHA384, wire.VersionTLS13},
		{"rsa-pss512", k.rsa2048, wire.PSSWithSHA512, wire.VersionTLS13},
		{"rsa-pss256-tls12", k.rsa2048, wire.PSSWithSHA256, wire.VersionTLS12},
		{"rsa1024-pss384", k.rsa1024, wire.PSSWithSHA384, wire.VersionTLS13},
		{"rsa-pkcs1-256", k.rsa2048, wire.PKCS1WithSHA256, wire.VersionTLS12},
		{"rsa-pkcs1-384", k.rsa2048, wire.PKCS1WithSHA384, wire.VersionTLS12},
		{"rsa-pkcs1-512", k.rsa2048, wire.PKCS1WithSHA512, wire.VersionTLS12},
		{"ed25519", k.ed, wire.Ed25519, wire.VersionTLS13},
		{"ed25519-tls12", k.ed, wire.Ed25519, wire.VersionTLS12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Sign(tt.signer, tt.scheme, nil, msg)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if err := Verify(tt.version, tt.signer.Public(), tt.scheme, msg, s); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			other := slices.Clone(msg)
			other[len(other)-1] ^= 1
			if err := Verify(tt.version, tt.signer.Public(), tt.scheme, other, s); alertOf(t, err) != wire.AlertDecryptError {
				t.Fatalf("Verify of another message: got %v, want decrypt_error", err)
			}
			bad := slices.Clone(s)
			bad[len(bad)/2] ^= 0x10
			if err := Verify(tt.version, tt.signer.Public(), tt.scheme, msg, bad); alertOf(t, err) != wire.AlertDecryptError {
				t.Fatalf("Verify of a corrupted signature: got %v, want decrypt_error", err)
			}
		})
	}
}

// TestPSSSaltLength checks independently that Sign uses a salt as long as
// the hash, as RFC 8446, Section 4.2.3 requires.
func TestPSSSaltLength(t *testing.T) {
	k := keys(t)
	msg := []byte("salt length")
	for _, scheme := range []wire.SignatureScheme{wire.PSSWithSHA256, wire.PSSWithSHA384, wire.PSSWithSHA512} {
		s, err := Sign(k.rsa2048, scheme, rand.Reader, msg)
		if err != nil {
			t.Fatal(err)
		}
		h := Hash(scheme)
		d := h.New()
		d.Write(msg)
		opts := &rsa.PSSOptions{SaltLength: h.Size(), Hash: h}
		if err := rsa.VerifyPSS(&k.rsa2048.PublicKey, h, d.Sum(nil), s, opts); err != nil {
			t.Errorf("%v: salt is not the hash length: %v", scheme, err)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	k := keys(t)
	msg := []byte("message")
	sign := func(s crypto.Signer, scheme wire.SignatureScheme) []byte {
		b, err := Sign(s, scheme, nil, msg)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	p256sig := sign(k.p256, wire.ECDSAWithP256AndSHA256)
	p384sha256 := sign(k.p384, wire.ECDSAWithP256AndSHA256)
	pkcs1 := sign(k.rsa2048, wire.PKCS1WithSHA256)
	pss := sign(k.rsa2048, wire.PSSWithSHA256)
	tests := []struct {
		name    string
		version wire.Version
		pub     crypto.PublicKey
		scheme  wire.SignatureScheme
		sig     []byte
		want    wire.Alert
	}{
		{"wrong curve in 1.3", wire.VersionTLS13, k.p384.Public(), wire.ECDSAWithP256AndSHA256, p384sha256, wire.AlertIllegalParameter},
		{"pkcs1 in 1.3", wire.VersionTLS13, k.rsa2048.Public(), wire.PKCS1WithSHA256, pkcs1, wire.AlertIllegalParameter},
		{"sha1 pkcs1 in 1.2", wire.VersionTLS12, k.rsa2048.Public(), wire.PKCS1WithSHA1, pkcs1, wire.AlertIllegalParameter},
		{"sha1 ecdsa in 1.2", wire.VersionTLS12, k.p256.Public(), wire.ECDSAWithSHA1, p256sig, wire.AlertIllegalParameter},
		{"rsa_pss_pss", wire.VersionTLS13, k.rsa2048.Public(), wire.PSSPSSWithSHA256, pss, wire.AlertIllegalParameter},
		{"ed448", wire.VersionTLS13, k.ed.Public(), wire.Ed448, p256sig, wire.AlertIllegalParameter},
		{"unknown scheme", wire.VersionTLS13, k.p256.Public(), 0x1234, p256sig, wire.AlertIllegalParameter},
		{"ecdsa scheme, rsa key", wire.VersionTLS13, k.rsa2048.Public(), wire.ECDSAWithP256AndSHA256, p256sig, wire.AlertIllegalParameter},
		{"pss scheme, ecdsa key", wire.VersionTLS13, k.p256.Public(), wire.PSSWithSHA256, pss, wire.AlertIllegalParameter},
		{"ed25519 scheme, rsa key", wire.VersionTLS13, k.rsa2048.Public(), wire.Ed25519, pss, wire.AlertIllegalParameter},
		{"p224 key", wire.VersionTLS12, k.p224.Public(), wire.ECDSAWithP256AndSHA256, p256sig, wire.AlertIllegalParameter},
		{"nil key", wire.VersionTLS13, nil, wire.ECDSAWithP256AndSHA256, p256sig, wire.AlertIllegalParameter},
		{"nil ecdsa key", wire.VersionTLS13, (*ecdsa.PublicKey)(nil), wire.ECDSAWithP256AndSHA256, p256sig, wire.AlertIllegalParameter},
		{"nil rsa key", wire.VersionTLS13, (*rsa.PublicKey)(nil), wire.PSSWithSHA256, pss, wire.AlertIllegalParameter},
		{"short ed25519 key", wire.VersionTLS13, ed25519.PublicKey{1, 2, 3}, wire.Ed25519, p256sig, wire.AlertIllegalParameter},
		{"pss sig as pkcs1", wire.VersionTLS12, k.rsa2048.Public(), wire.PKCS1WithSHA256, pss, wire.AlertDecryptError},
		{"pkcs1 sig as pss", wire.VersionTLS12, k.rsa2048.Public(), wire.PSSWithSHA256, pkcs1, wire.AlertDecryptError},
		{"other key", wire.VersionTLS13, k.p256.Public(), wire.ECDSAWithP256AndSHA256, sign(mustP256(t), wire.ECDSAWithP256AndSHA256), wire.AlertDecryptError},
		{"empty signature", wire.VersionTLS13, k.p256.Public(), wire.ECDSAWithP256AndSHA256, nil, wire.AlertDecryptError},
		{"empty ed25519 signature", wire.VersionTLS13, k.ed.Public(), wire.Ed25519, nil, wire.AlertDecryptError},
		{"huge rsa signature", wire.VersionTLS13, k.rsa2048.Public(), wire.PSSWithSHA256, make([]byte, 4096), wire.AlertDecryptError},
		{"tls 1.1", wire.VersionTLS11, k.p256.Public(), wire.ECDSAWithP256AndSHA256, p256sig, wire.AlertInternalError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.version, tt.pub, tt.scheme, msg, tt.sig)
			if got := alertOf(t, err); got != tt.want {
				t.Fatalf("got %v (%v), want %v", got, err, tt.want)
			}
		})
	}
}

func mustP256(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSignRejects(t *testing.T) {
	k := keys(t)
	tests := []struct {
		name   string
		signer crypto.Signer
		scheme wire.SignatureScheme
	}{
		{"rsa_pss_pss", k.rsa2048, wire.PSSPSSWithSHA256},
		{"sha1", k.rsa2048, wire.PKCS1WithSHA1},
		{"ecdsa sha1", k.p256, wire.ECDSAWithSHA1},
		{"ed448", k.ed, wire.Ed448},
		{"ecdsa scheme, rsa key", k.rsa2048, wire.ECDSAWithP256AndSHA256},
		{"pss scheme, ed25519 key", k.ed, wire.PSSWithSHA256},
		{"p224 key", k.p224, wire.ECDSAWithP256AndSHA256},
		{"nil signer", nil, wire.Ed25519},
		{"rsa1024 pss512", k.rsa1024, wire.PSSWithSHA512},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Sign(tt.signer, tt.scheme, nil, []byte("x"))
			if got := alertOf(t, err); got != wire.AlertInternalError {
				t.Fatalf("got %v (%v), want internal_error", got, err)
			}
		})
	}
}

func TestSignedContent13(t *testing.T) {
	hash := sha256.Sum256([]byte("transcript"))
	for _, ctx := range []string{ServerContext13, ClientContext13} {
		got := SignedContent13(ctx, hash[:])
		if len(got) != 64+len(ctx)+1+len(hash) {
			t.Fatalf("length %d", len(got))
		}
		if !bytes.Equal(got[:64], bytes.Repeat([]byte{0x20}, 64)) {
			t.Error("prefix is not 64 spaces")
		}
		if string(got[64:64+len(ctx)]) != ctx || got[64+len(ctx)] != 0 {
			t.Error("context string or separator wrong")
		}
		if !bytes.Equal(got[65+len(ctx):], hash[:]) {
			t.Error("transcript hash wrong")
		}
	}
	// RFC 8446, Section 4.4.3 gives the server layout byte by byte for a
	// transcript hash of 32 bytes of 0x01.
	want := append(bytes.Repeat([]byte{0x20}, 64), "TLS 1.3, server CertificateVerify\x00"...)
	want = append(want, bytes.Repeat([]byte{0x01}, 32)...)
	if got := SignedContent13(ServerContext13, bytes.Repeat([]byte{0x01}, 32)); !bytes.Equal(got, want) {
		t.Errorf("got %x\nwant %x", got, want)
	}
	if len(ServerContext13) != 33 || len(ClientContext13) != 33 {
		t.Error("context strings have the wrong length")
	}
}

func TestHash(t *testing.T) {
	tests := []struct {
		scheme wire.SignatureScheme
		want   crypto.Hash
	}{
		{wire.ECDSAWithP256AndSHA256, crypto.SHA256},
		{wire.ECDSAWithP384AndSHA384, crypto.SHA384},
		{wire.ECDSAWithP521AndSHA512, crypto.SHA512},
		{wire.PSSWithSHA256, crypto.SHA256},
		{wire.PSSWithSHA384, crypto.SHA384},
		{wire.PSSWithSHA512, crypto.SHA512},
		{wire.PSSPSSWithSHA384, crypto.SHA384},
		{wire.PKCS1WithSHA256, crypto.SHA256},
		{wire.PKCS1WithSHA512, crypto.SHA512},
		{wire.PKCS1WithSHA1, crypto.SHA1},
		{wire.ECDSAWithSHA1, crypto.SHA1},
		{wire.Ed25519, 0},
		{wire.Ed448, 0},
		{0xffff, 0},
	}
	for _, tt := range tests {
		if got := Hash(tt.scheme); got != tt.want {
			t.Errorf("Hash(%v) = %v, want %v", tt.scheme, got, tt.want)
		}
	}
}
