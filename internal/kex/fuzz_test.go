package kex

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"gotls/internal/wire"
)

// fuzzGroup maps a fuzz input's first byte to a group, leaving the rest as
// key_share data.
func fuzzGroup(data []byte) (wire.Group, []byte, bool) {
	if len(data) == 0 {
		return 0, nil, false
	}
	groups := DefaultGroups()
	return groups[int(data[0])%len(groups)], data[1:], true
}

// fuzzShares holds one client share per group, made from a fixed reader so
// that seeds built against them stay meaningful.
var fuzzShares = sync.OnceValues(func() (map[wire.Group]KeyShare, error) {
	out := map[wire.Group]KeyShare{}
	for _, g := range DefaultGroups() {
		ks, err := Generate(g, &countingReader{})
		if err != nil {
			return nil, err
		}
		out[g] = ks
	}
	return out, nil
})

// checkPeerError requires err to be an illegal_parameter *wire.Error.
func checkPeerError(t *testing.T, err error) {
	var we *wire.Error
	if !errors.As(err, &we) || we.Alert != wire.AlertIllegalParameter {
		t.Fatalf("error %v is not illegal_parameter", err)
	}
}

// FuzzRespond feeds arbitrary client key_share data to the server side.
func FuzzRespond(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		g, share, ok := fuzzGroup(data)
		if !ok {
			return
		}
		serverShare, secret, err := Respond(g, &countingReader{}, share)
		if err != nil {
			checkPeerError(t, err)
			return
		}
		if len(serverShare) == 0 || len(secret) == 0 {
			t.Fatalf("%v: empty server share or secret", g)
		}
	})
}

// FuzzComplete feeds arbitrary server key_share data to fixed client shares.
func FuzzComplete(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		g, share, ok := fuzzGroup(data)
		if !ok {
			return
		}
		shares, err := fuzzShares()
		if err != nil {
			t.Fatal(err)
		}
		secret, err := shares[g].Complete(share)
		if err != nil {
			checkPeerError(t, err)
			return
		}
		if len(secret) == 0 {
			t.Fatalf("%v: empty secret", g)
		}
	})
}

// FuzzDecryptPreMaster checks that no ciphertext makes the server fail or
// return anything but a 48-byte secret starting with the client version.
func FuzzDecryptPreMaster(f *testing.F) {
	f.Fuzz(func(t *testing.T, ct []byte) {
		k := rsaKey(t)
		v := wire.VersionTLS12
		a, err := DecryptPreMaster(nil, k, ct, v)
		if err != nil {
			t.Fatal(err)
		}
		b, err := DecryptPreMasterWith(nil, opaqueKey{k}, ct, v)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != 48 || len(b) != 48 || a[0] != 3 || a[1] != 3 || b[0] != 3 || b[1] != 3 {
			t.Fatalf("got %x and %x", a, b)
		}
		// A valid ciphertext decrypts to the same secret every time and on
		// both paths; a bad one gives a fresh random secret each time.
		if again, _ := DecryptPreMaster(nil, k, ct, v); bytes.Equal(a, again) && !bytes.Equal(a, b) {
			t.Fatal("a valid ciphertext decrypted differently by the two paths")
		}
	})
}
