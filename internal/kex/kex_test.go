package kex

import (
	"bytes"
	"crypto/ecdh"
	"crypto/mlkem"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"testing"

	"gotls/internal/wire"
)

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

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// countingReader yields an endless deterministic byte stream.
type countingReader struct{ n byte }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		r.n++
		p[i] = r.n*7 + 3
	}
	return len(p), nil
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestSupportedAndDefaults(t *testing.T) {
	defaults := DefaultGroups()
	want := []wire.Group{wire.GroupX25519MLKEM768, wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1}
	if !slices.Equal(defaults, want) {
		t.Fatalf("DefaultGroups() = %v", defaults)
	}
	for _, g := range defaults {
		if !Supported(g) {
			t.Errorf("%v not supported", g)
		}
	}
	for _, g := range []wire.Group{wire.GroupX448, wire.GroupFFDHE2048, wire.GroupSecP256r1MLKEM768, wire.GroupSecP384r1MLKEM1024, 0} {
		if Supported(g) {
			t.Errorf("%v supported", g)
		}
	}
	defaults[0] = 0
	if DefaultGroups()[0] != wire.GroupX25519MLKEM768 {
		t.Error("DefaultGroups shares its slice")
	}
}

func TestAgreement(t *testing.T) {
	tests := []struct {
		group                        wire.Group
		clientLen, serverLen, secLen int
	}{
		{wire.GroupX25519MLKEM768, 1216, 1120, 64},
		{wire.GroupX25519, 32, 32, 32},
		{wire.GroupSecp256r1, 65, 65, 32},
		{wire.GroupSecp384r1, 97, 97, 48},
		{wire.GroupSecp521r1, 133, 133, 66},
	}
	for _, tt := range tests {
		t.Run(tt.group.String(), func(t *testing.T) {
			ks, err := Generate(tt.group, nil)
			if err != nil {
				t.Fatal(err)
			}
			if ks.Group() != tt.group || len(ks.Public()) != tt.clientLen {
				t.Fatalf("share group %v, length %d", ks.Group(), len(ks.Public()))
			}
			serverShare, serverSecret, err := Respond(tt.group, nil, ks.Public())
			if err != nil {
				t.Fatal(err)
			}
			if len(serverShare) != tt.serverLen || len(serverSecret) != tt.secLen {
				t.Fatalf("server share length %d, secret length %d", len(serverShare), len(serverSecret))
			}
			clientSecret, err := ks.Complete(serverShare)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(clientSecret, serverSecret) {
				t.Fatal("secrets differ")
			}
			other, err := Generate(tt.group, nil)
			if err != nil {
				t.Fatal(err)
			}
			if s, err := other.Complete(serverShare); err == nil && bytes.Equal(s, serverSecret) {
				t.Fatal("another client key reached the same secret")
			}
		})
	}
}

func TestGenerateDeterministic(t *testing.T) {
	for _, g := range DefaultGroups() {
		a, err := Generate(g, &countingReader{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Generate(g, &countingReader{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Public(), b.Public()) {
			t.Errorf("%v: same randomness gave different shares", g)
		}
	}
}

// TestX25519RFC7748 runs the Diffie-Hellman example of RFC 7748, Section
// 6.1 through Generate, Respond and Complete (the private keys are the
// bytes the reader yields) and directly through crypto/ecdh.
func TestX25519RFC7748(t *testing.T) {
	alicePriv := unhex(t, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
	alicePub := unhex(t, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
	bobPriv := unhex(t, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
	bobPub := unhex(t, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
	shared := unhex(t, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")

	ks, err := Generate(wire.GroupX25519, bytes.NewReader(alicePriv))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ks.Public(), alicePub) {
		t.Fatalf("alice public %x", ks.Public())
	}
	serverShare, secret, err := Respond(wire.GroupX25519, bytes.NewReader(bobPriv), alicePub)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(serverShare, bobPub) || !bytes.Equal(secret, shared) {
		t.Fatalf("bob public %x, secret %x", serverShare, secret)
	}
	if got, err := ks.Complete(bobPub); err != nil || !bytes.Equal(got, shared) {
		t.Fatalf("Complete = %x, %v", got, err)
	}

	k, err := ecdh.X25519().NewPrivateKey(alicePriv)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ecdh.X25519().NewPublicKey(bobPub)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.ECDH(pub); err != nil || !bytes.Equal(got, shared) {
		t.Fatalf("direct ECDH = %x, %v", got, err)
	}
}

// TestHybridLayout decomposes an X25519MLKEM768 exchange with crypto/mlkem
// and crypto/ecdh directly to check the order of every field: ML-KEM first.
func TestHybridLayout(t *testing.T) {
	rnd := make([]byte, mlkem.SeedSize+32)
	if _, err := io.ReadFull(&countingReader{}, rnd); err != nil {
		t.Fatal(err)
	}
	seed, xPriv := rnd[:mlkem.SeedSize], rnd[mlkem.SeedSize:]
	ks, err := Generate(wire.GroupX25519MLKEM768, bytes.NewReader(rnd))
	if err != nil {
		t.Fatal(err)
	}
	dk, err := mlkem.NewDecapsulationKey768(seed)
	if err != nil {
		t.Fatal(err)
	}
	x, err := ecdh.X25519().NewPrivateKey(xPriv)
	if err != nil {
		t.Fatal(err)
	}
	pub := ks.Public()
	if !bytes.Equal(pub[:1184], dk.EncapsulationKey().Bytes()) || !bytes.Equal(pub[1184:], x.PublicKey().Bytes()) {
		t.Fatal("client share is not ek || x25519")
	}
	serverShare, secret, err := Respond(wire.GroupX25519MLKEM768, nil, pub)
	if err != nil {
		t.Fatal(err)
	}
	kemSecret, err := dk.Decapsulate(serverShare[:mlkem.CiphertextSize768])
	if err != nil {
		t.Fatal(err)
	}
	serverX, err := ecdh.X25519().NewPublicKey(serverShare[mlkem.CiphertextSize768:])
	if err != nil {
		t.Fatal(err)
	}
	xSecret, err := x.ECDH(serverX)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(secret[:32], kemSecret) || !bytes.Equal(secret[32:], xSecret) {
		t.Fatal("secret is not mlkem || x25519")
	}
}

func TestUnsupportedGroup(t *testing.T) {
	for _, g := range []wire.Group{wire.GroupX448, wire.GroupFFDHE2048, wire.GroupSecP256r1MLKEM768, 0xffff} {
		if _, err := Generate(g, nil); alertOf(t, err) != wire.AlertInternalError {
			t.Errorf("Generate(%v): %v", g, err)
		}
		if _, _, err := Respond(g, nil, make([]byte, 32)); alertOf(t, err) != wire.AlertInternalError {
			t.Errorf("Respond(%v): %v", g, err)
		}
	}
}

func TestBadRandom(t *testing.T) {
	for _, g := range DefaultGroups() {
		if _, err := Generate(g, failingReader{}); alertOf(t, err) != wire.AlertInternalError {
			t.Errorf("Generate(%v) with failing reader: %v", g, err)
		}
		ks, err := Generate(g, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := Respond(g, failingReader{}, ks.Public()); alertOf(t, err) != wire.AlertInternalError {
			t.Errorf("Respond(%v) with failing reader: %v", g, err)
		}
	}
	// A zero scalar is invalid on the NIST curves; X25519 clamps it.
	for _, g := range []wire.Group{wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1} {
		if _, err := Generate(g, zeroReader{}); alertOf(t, err) != wire.AlertInternalError {
			t.Errorf("Generate(%v) with zero reader: %v", g, err)
		}
	}
}
