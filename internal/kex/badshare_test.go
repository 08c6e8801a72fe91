package kex

import (
	"bytes"
	"crypto/mlkem"
	"slices"
	"testing"

	"gotls/internal/wire"
)

// lowOrderX25519 is the u-coordinate 1, a point of order 4 on which every
// X25519 result is zero (RFC 7748, Section 6.1).
var lowOrderX25519 = append([]byte{1}, make([]byte, 31)...)

// badShares builds, for each group, key_share data a peer must not be able
// to use. valid is a well-formed share of the same kind, to mutate.
func badShares(g wire.Group, valid []byte) map[string][]byte {
	cases := map[string][]byte{
		"empty":      nil,
		"one short":  valid[:len(valid)-1],
		"one long":   append(slices.Clone(valid), 0),
		"doubled":    append(slices.Clone(valid), valid...),
		"single 0x4": {4},
	}
	switch g {
	case wire.GroupX25519:
		cases["all zero"] = make([]byte, 32)
		cases["low order"] = lowOrderX25519
	case wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1:
		offCurve := slices.Clone(valid)
		offCurve[len(offCurve)-1] ^= 1
		cases["off curve"] = offCurve
		wrongForm := slices.Clone(valid)
		wrongForm[0] = 0x05
		cases["bad form byte"] = wrongForm
		compressed := slices.Clone(valid[:1+(len(valid)-1)/2])
		compressed[0] = 0x02
		cases["compressed"] = compressed
		infinity := make([]byte, len(valid))
		infinity[0] = 0x04
		cases["zero point"] = infinity
		cases["infinity byte"] = []byte{0}
	}
	return cases
}

func TestBadServerShares(t *testing.T) {
	for _, g := range DefaultGroups() {
		ks, err := Generate(g, nil)
		if err != nil {
			t.Fatal(err)
		}
		valid, _, err := Respond(g, nil, ks.Public())
		if err != nil {
			t.Fatal(err)
		}
		cases := badShares(g, valid)
		if g == wire.GroupX25519MLKEM768 {
			ct := valid[:mlkem.CiphertextSize768]
			cases["x25519 all zero"] = append(slices.Clone(ct), make([]byte, 32)...)
			cases["x25519 low order"] = append(slices.Clone(ct), lowOrderX25519...)
			cases["x25519 alone"] = valid[mlkem.CiphertextSize768:]
		}
		for name, share := range cases {
			if _, err := ks.Complete(share); alertOf(t, err) != wire.AlertIllegalParameter {
				t.Errorf("%v %s: got %v, want illegal_parameter", g, name, err)
			}
		}
	}
}

func TestBadClientShares(t *testing.T) {
	for _, g := range DefaultGroups() {
		ks, err := Generate(g, nil)
		if err != nil {
			t.Fatal(err)
		}
		valid := ks.Public()
		cases := badShares(g, valid)
		if g == wire.GroupX25519MLKEM768 {
			ek := valid[:mlkem.EncapsulationKeySize768]
			xPub := valid[mlkem.EncapsulationKeySize768:]
			// Coefficients encoded as 0xfff are not reduced modulo q = 3329,
			// which FIPS 203, Section 7.2 requires encapsulation to reject.
			unreduced := append(bytes.Repeat([]byte{0xff}, mlkem.EncapsulationKeySize768), xPub...)
			cases["ml-kem key not reduced"] = unreduced
			cases["x25519 all zero"] = append(slices.Clone(ek), make([]byte, 32)...)
			cases["x25519 low order"] = append(slices.Clone(ek), lowOrderX25519...)
			cases["swapped order"] = append(slices.Clone(xPub), ek...)
		}
		for name, share := range cases {
			if _, _, err := Respond(g, nil, share); alertOf(t, err) != wire.AlertIllegalParameter {
				t.Errorf("%v %s: got %v, want illegal_parameter", g, name, err)
			}
		}
	}
}

// TestSharesAcrossGroups feeds each group the valid share of every other
// group: lengths differ, so each must fail with illegal_parameter.
func TestSharesAcrossGroups(t *testing.T) {
	shares := map[wire.Group][]byte{}
	for _, g := range DefaultGroups() {
		ks, err := Generate(g, nil)
		if err != nil {
			t.Fatal(err)
		}
		shares[g] = ks.Public()
	}
	for _, g := range DefaultGroups() {
		for h, share := range shares {
			if g == h {
				continue
			}
			if _, _, err := Respond(g, nil, share); alertOf(t, err) != wire.AlertIllegalParameter {
				t.Errorf("Respond(%v) with a %v share: %v", g, h, err)
			}
		}
	}
}
