package engine_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"sync"
	"testing"
	"time"

	"gotls/internal/engine"
	"gotls/internal/handshake"
	"gotls/internal/wire"
)

// testPKI is a CA and a leaf for "localhost", made once per test binary.
type testPKI struct {
	roots *x509.CertPool
	chain [][]byte
	key   crypto.Signer
}

var (
	pkiOnce sync.Once
	pki     testPKI
)

// getPKI returns an ECDSA P-256 CA and leaf valid around testNow.
func getPKI(t testing.TB) testPKI {
	pkiOnce.Do(func() {
		caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		ca := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hostile test CA"},
			NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(24 * time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}
		caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, caKey.Public(), caKey)
		if err != nil {
			panic(err)
		}
		caCert, _ := x509.ParseCertificate(caDER)
		leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		leaf := &x509.Certificate{
			SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
			DNSNames:  []string{"localhost"},
			NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(24 * time.Hour),
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		}
		leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, leafKey.Public(), caKey)
		if err != nil {
			panic(err)
		}
		pki.roots = x509.NewCertPool()
		pki.roots.AddCert(caCert)
		pki.chain = [][]byte{leafDER}
		pki.key = leafKey
	})
	return pki
}

// testNow is the fixed clock of these tests.
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func clientConfig(t testing.TB) *handshake.Config {
	p := getPKI(t)
	return &handshake.Config{
		Rand: rand.Reader, Time: func() time.Time { return testNow },
		ServerName: "localhost", RootCAs: p.roots,
	}
}

func serverConfig(t testing.TB) *handshake.Config {
	p := getPKI(t)
	return &handshake.Config{
		Rand: rand.Reader, Time: func() time.Time { return testNow },
		Certificates: []*handshake.Certificate{{Chain: p.chain, PrivateKey: p.key}},
	}
}

// pump moves records between two engines until neither has output left.
// It returns the first error each side reported.
func pump(t testing.TB, a, b *engine.Engine) (errA, errB error) {
	t.Helper()
	for i := 0; i < 100; i++ {
		moved := false
		if out := a.Output(); len(out) > 0 {
			buf := append([]byte(nil), out...)
			a.Sent(len(out))
			if err := feedAll(b, buf); err != nil && errB == nil {
				errB = err
			}
			moved = true
		}
		if out := b.Output(); len(out) > 0 {
			buf := append([]byte(nil), out...)
			b.Sent(len(out))
			if err := feedAll(a, buf); err != nil && errA == nil {
				errA = err
			}
			moved = true
		}
		if !moved {
			return errA, errB
		}
	}
	t.Fatal("pump did not settle")
	return nil, nil
}

// feedAll feeds buf completely, draining application data as it goes.
func feedAll(e *engine.Engine, buf []byte) error {
	scratch := make([]byte, 1<<15)
	for len(buf) > 0 {
		n, err := e.Feed(buf)
		if err != nil {
			return err
		}
		buf = buf[n:]
		if n == 0 {
			if m, _ := e.Read(scratch); m == 0 {
				if !e.WantsInput() {
					return nil
				}
				return errors.New("engine took no input")
			}
		}
	}
	return nil
}

// sentAlert returns the alert in the last record of out when that record
// is a plaintext alert, or ok false.
func sentAlert(out []byte) (wire.Alert, bool) {
	for len(out) >= 5 {
		n := int(out[3])<<8 | int(out[4])
		if len(out) < 5+n {
			return 0, false
		}
		if len(out) == 5+n {
			if wire.ContentType(out[0]) == wire.ContentAlert && n == 2 {
				return wire.Alert(out[6]), true
			}
			return 0, false
		}
		out = out[5+n:]
	}
	return 0, false
}

// alertOf returns the alert a local error carries.
func alertOf(err error) (wire.Alert, bool) {
	var we *wire.Error
	if errors.As(err, &we) {
		return we.Alert, true
	}
	return 0, false
}
