package testenv

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// KeyType names the kind of key pair a certificate is issued for.
type KeyType int

// The key types tests can ask for.
const (
	ECDSAP256 KeyType = iota
	ECDSAP384
	RSA2048
	Ed25519
)

// KeyTypes lists every KeyType, for tests that loop over all of them.
func KeyTypes() []KeyType { return []KeyType{ECDSAP256, ECDSAP384, RSA2048, Ed25519} }

// String returns a short name such as "ECDSA-P256", fit for a subtest name.
func (k KeyType) String() string {
	switch k {
	case ECDSAP256:
		return "ECDSA-P256"
	case ECDSAP384:
		return "ECDSA-P384"
	case RSA2048:
		return "RSA-2048"
	case Ed25519:
		return "Ed25519"
	}
	return fmt.Sprintf("KeyType(%d)", int(k))
}

// rsaPoolSize is how many RSA keys one test process generates. Distinct
// certificates share these keys round-robin; a CA, an intermediate, a
// server leaf and a client leaf made one after another get distinct keys.
const rsaPoolSize = 4

// rsaPool holds RSA keys generated once per process, because RSA key
// generation is slow compared with everything else a test does.
var rsaPool struct {
	once sync.Once
	keys [rsaPoolSize]*rsa.PrivateKey
	err  error
	next atomic.Uint32
}

// pooledRSAKey returns the next key from the per-process RSA pool,
// generating the pool on first use.
func pooledRSAKey() (*rsa.PrivateKey, error) {
	rsaPool.once.Do(func() {
		var wg sync.WaitGroup
		errs := make([]error, rsaPoolSize)
		for i := range rsaPoolSize {
			wg.Go(func() {
				rsaPool.keys[i], errs[i] = rsa.GenerateKey(rand.Reader, 2048)
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				rsaPool.err = err
				return
			}
		}
	})
	if rsaPool.err != nil {
		return nil, rsaPool.err
	}
	i := (rsaPool.next.Add(1) - 1) % rsaPoolSize
	return rsaPool.keys[i], nil
}

// NewKey returns a private key of type kt. RSA keys come from a small
// per-process pool; the others are fresh.
func NewKey(t testing.TB, kt KeyType) crypto.Signer {
	t.Helper()
	var (
		key crypto.Signer
		err error
	)
	switch kt {
	case ECDSAP256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case RSA2048:
		key, err = pooledRSAKey()
	case Ed25519:
		_, key, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("testenv: unknown key type %v", kt)
	}
	if err != nil {
		t.Fatalf("testenv: generating %v key: %v", kt, err)
	}
	return key
}
