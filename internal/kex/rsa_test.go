package kex

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"os"
	"sync"
	"testing"

	"gotls/internal/wire"
)

// rsaKeyOnce loads a fixed 2048-bit test key, so that fuzz seeds can hold
// ciphertexts for it.
var rsaKeyOnce = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	pemBytes, err := os.ReadFile("testdata/rsa2048.pem")
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("testdata/rsa2048.pem holds no PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	k, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("testdata/rsa2048.pem is not an rsa key")
	}
	return k, nil
})

func rsaKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsaKeyOnce()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// opaqueKey hides an *rsa.PrivateKey behind crypto.Decrypter, as a
// hardware key would be.
type opaqueKey struct{ k *rsa.PrivateKey }

func (o opaqueKey) Public() crypto.PublicKey { return &o.k.PublicKey }

func (o opaqueKey) Decrypt(r io.Reader, c []byte, opts crypto.DecrypterOpts) ([]byte, error) {
	return o.k.Decrypt(r, c, opts)
}

// erringKey is an opaque key whose Decrypt reports bad padding as an error,
// the oracle DecryptPreMasterWith must hide.
type erringKey struct{ k *rsa.PrivateKey }

func (e erringKey) Public() crypto.PublicKey { return &e.k.PublicKey }

func (e erringKey) Decrypt(r io.Reader, c []byte, _ crypto.DecrypterOpts) ([]byte, error) {
	return rsa.DecryptPKCS1v15(r, e.k, c)
}

// ecDecrypter is a crypto.Decrypter whose public key is not RSA.
type ecDecrypter struct{ *ecdsa.PrivateKey }

func (ecDecrypter) Decrypt(io.Reader, []byte, crypto.DecrypterOpts) ([]byte, error) {
	return nil, errors.New("not an rsa key")
}

// rawEncrypt applies the RSA public operation to an encoded message em of
// the modulus length, so tests can build ciphertexts with any padding.
func rawEncrypt(pub *rsa.PublicKey, em []byte) []byte {
	m := new(big.Int).SetBytes(em)
	c := new(big.Int).Exp(m, big.NewInt(int64(pub.E)), pub.N)
	return c.FillBytes(make([]byte, pub.Size()))
}

// pkcs1Block builds 00 || blockType || nonzero padding || 00 || msg, of
// length k, optionally without the zero separator.
func pkcs1Block(k int, first, blockType byte, msg []byte, separator bool) []byte {
	em := make([]byte, k)
	em[0], em[1] = first, blockType
	ps := em[2 : k-len(msg)-1]
	for i := range ps {
		ps[i] = byte(i%250) + 1
	}
	if separator {
		em[k-len(msg)-1] = 0
	} else {
		em[k-len(msg)-1] = 0x55
	}
	copy(em[k-len(msg):], msg)
	return em
}

func TestPreMasterRoundTrip(t *testing.T) {
	k := rsaKey(t)
	for _, v := range []wire.Version{wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10} {
		pm, ct, err := EncryptPreMaster(nil, &k.PublicKey, v)
		if err != nil {
			t.Fatal(err)
		}
		if len(pm) != 48 || pm[0] != byte(v>>8) || pm[1] != byte(v) || len(ct) != k.Size() {
			t.Fatalf("pre-master %x, ciphertext length %d", pm, len(ct))
		}
		decrypters := map[string]crypto.Decrypter{"rsa": k, "opaque": opaqueKey{k}, "erring": erringKey{k}}
		for name, d := range decrypters {
			got, err := DecryptPreMasterWith(nil, d, ct, v)
			if err != nil || !bytes.Equal(got, pm) {
				t.Errorf("%v %s: got %x, %v", v, name, got, err)
			}
		}
		if got, err := DecryptPreMaster(nil, k, ct, v); err != nil || !bytes.Equal(got, pm) {
			t.Errorf("%v DecryptPreMaster: got %x, %v", v, got, err)
		}
	}
}

// corruptCiphertexts returns ciphertexts that must all decrypt to a random
// pre-master secret, and the secret each one was built around.
func corruptCiphertexts(t *testing.T, k *rsa.PrivateKey, v wire.Version) map[string][2][]byte {
	pm, ct, err := EncryptPreMaster(nil, &k.PublicKey, v)
	if err != nil {
		t.Fatal(err)
	}
	pub, size := &k.PublicKey, k.Size()
	flipped := bytes.Clone(ct)
	flipped[size/2] ^= 0x01
	lastFlipped := bytes.Clone(ct)
	lastFlipped[size-1] ^= 0x80
	wrongVersion := bytes.Clone(pm)
	wrongVersion[1]--
	newerVersion := bytes.Clone(pm)
	newerVersion[1] = byte(wire.VersionTLS13 & 0xff)
	all := func(b byte) []byte { return bytes.Repeat([]byte{b}, size) }
	cases := map[string][2][]byte{
		"bit flip":            {pm, flipped},
		"last byte flip":      {pm, lastFlipped},
		"one byte short":      {pm, ct[:size-1]},
		"one byte long":       {pm, append(bytes.Clone(ct), 0)},
		"leading zero added":  {pm, append([]byte{0}, ct...)},
		"empty":               {pm, nil},
		"zero ciphertext":     {pm, all(0)},
		"one":                 {pm, append(make([]byte, size-1), 1)},
		"equal to modulus":    {pm, pub.N.FillBytes(make([]byte, size))},
		"above modulus":       {pm, all(0xff)},
		"block type 1":        {pm, rawEncrypt(pub, pkcs1Block(size, 0, 1, pm, true))},
		"block type 0":        {pm, rawEncrypt(pub, pkcs1Block(size, 0, 0, pm, true))},
		"first byte not zero": {pm, rawEncrypt(pub, pkcs1Block(size, 1, 2, pm, true))},
		"no separator":        {pm, rawEncrypt(pub, pkcs1Block(size, 0, 2, pm, false))},
		"47-byte pre-master":  {pm, rawEncrypt(pub, pkcs1Block(size, 0, 2, pm[:47], true))},
		"49-byte pre-master":  {pm, rawEncrypt(pub, pkcs1Block(size, 0, 2, append(bytes.Clone(pm), 9), true))},
		"empty pre-master":    {pm, rawEncrypt(pub, pkcs1Block(size, 0, 2, nil, true))},
		"wrong version":       {wrongVersion, rawEncrypt(pub, pkcs1Block(size, 0, 2, wrongVersion, true))},
		"newer version":       {newerVersion, rawEncrypt(pub, pkcs1Block(size, 0, 2, newerVersion, true))},
	}
	// Sanity check of the builder: a well-formed block decrypts correctly.
	good := rawEncrypt(pub, pkcs1Block(size, 0, 2, pm, true))
	if got, err := DecryptPreMaster(nil, k, good, v); err != nil || !bytes.Equal(got, pm) {
		t.Fatalf("well-formed hand-built block: %x, %v", got, err)
	}
	return cases
}

func TestPreMasterCorrupted(t *testing.T) {
	k := rsaKey(t)
	v := wire.VersionTLS12
	decrypters := map[string]crypto.Decrypter{"rsa": k, "opaque": opaqueKey{k}, "erring": erringKey{k}}
	for name, c := range corruptCiphertexts(t, k, v) {
		real, ct := c[0], c[1]
		for dname, d := range decrypters {
			a, err := DecryptPreMasterWith(nil, d, ct, v)
			if err != nil {
				t.Errorf("%s/%s: error %v", name, dname, err)
				continue
			}
			b, err := DecryptPreMasterWith(nil, d, ct, v)
			if err != nil {
				t.Fatal(err)
			}
			if len(a) != 48 || bytes.Equal(a, real) {
				t.Errorf("%s/%s: got %x, built around %x", name, dname, a, real)
			}
			if bytes.Equal(a, b) {
				t.Errorf("%s/%s: the substitute secret is not random", name, dname)
			}
			if a[0] != byte(v>>8) || a[1] != byte(v) {
				t.Errorf("%s/%s: the substitute secret does not start with the client version", name, dname)
			}
		}
	}
}

func TestPreMasterFixedRandom(t *testing.T) {
	k := rsaKey(t)
	fallback := bytes.Repeat([]byte{0x5a}, 46)
	got, err := DecryptPreMaster(bytes.NewReader(fallback), k, []byte{1, 2, 3}, wire.VersionTLS12)
	if err != nil {
		t.Fatal(err)
	}
	if want := append([]byte{3, 3}, fallback...); !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
}

func TestPreMasterKeyErrors(t *testing.T) {
	k := rsaKey(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tiny := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: big.NewInt(1<<62 + 1), E: 65537}}
	ct := make([]byte, k.Size())
	cases := map[string]func() error{
		"nil rsa key": func() error { _, err := DecryptPreMaster(nil, nil, ct, wire.VersionTLS12); return err },
		"tiny rsa key": func() error {
			_, err := DecryptPreMaster(nil, tiny, ct, wire.VersionTLS12)
			return err
		},
		"ecdsa key": func() error {
			_, err := DecryptPreMasterWith(nil, ecDecrypter{ec}, ct, wire.VersionTLS12)
			return err
		},
		"nil decrypter": func() error {
			_, err := DecryptPreMasterWith(nil, nil, ct, wire.VersionTLS12)
			return err
		},
		"failing reader": func() error {
			_, err := DecryptPreMaster(failingReader{}, k, ct, wire.VersionTLS12)
			return err
		},
		"failing reader opaque": func() error {
			_, err := DecryptPreMasterWith(failingReader{}, opaqueKey{k}, ct, wire.VersionTLS12)
			return err
		},
		"encrypt nil key": func() error { _, _, err := EncryptPreMaster(nil, nil, wire.VersionTLS12); return err },
		"encrypt failing reader": func() error {
			_, _, err := EncryptPreMaster(failingReader{}, &k.PublicKey, wire.VersionTLS12)
			return err
		},
	}
	for name, f := range cases {
		if got := alertOf(t, f()); got != wire.AlertInternalError {
			t.Errorf("%s: got %v", name, got)
		}
	}
	_, _, err = EncryptPreMaster(nil, &tiny.PublicKey, wire.VersionTLS12)
	if got := alertOf(t, err); got != wire.AlertBadCertificate {
		t.Errorf("encrypt to a tiny key: got %v", got)
	}
	if errors.Unwrap(err) == nil {
		t.Error("encrypt to a tiny key: cause dropped")
	}
}
