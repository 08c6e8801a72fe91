package keysched

import (
	"bytes"
	"crypto"
	"testing"
)

// TestPRF12Vector checks P_SHA256 against the test vector published for
// the IETF TLS working group (secret, seed, "test label", 100 bytes).
func TestPRF12Vector(t *testing.T) {
	secret := unhex("9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35")
	seed := unhex("a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c")
	want := unhex(`e3 f2 29 ba 72 7b e1 7b 8d 12 26 20 55 7c d4 53
		c2 aa b2 1d 07 c3 d4 95 32 9b 52 d4 e6 1e db 5a
		6b 30 17 91 e9 0d 35 c9 c9 a4 6b 4e 14 ba f9 af
		0f a0 22 f7 07 7d ef 17 ab fd 37 97 c0 56 4b ab
		4f bc 91 66 6e 9d ef 9b 97 fc e3 4f 79 67 89 ba
		a4 80 82 d1 22 ee 42 c5 a7 2e 5a 51 10 ff f7 01
		87 34 7b 66`)
	got := PRF12(crypto.SHA256, secret, "test label", seed, 100)
	if !bytes.Equal(got, want) {
		t.Fatalf("PRF12 = %x\nwant   %x", got, want)
	}
	// Every prefix length gives the prefix of the output.
	for _, n := range []int{0, 1, 31, 32, 33, 64, 99} {
		if p := PRF12(crypto.SHA256, secret, "test label", seed, n); !bytes.Equal(p, want[:n]) {
			t.Errorf("PRF12 length %d is not a prefix", n)
		}
	}
}

// TestExtendedMasterSecret12 checks the extended master secret against the
// known answer of Go's FIPS 140 self-test for the TLS 1.2 KDF
// (pre_master_secret 01..10, session_hash 11..20, SHA-256).
func TestExtendedMasterSecret12(t *testing.T) {
	pre := unhex("01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10")
	sessionHash := unhex("11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 20")
	want := unhex(`8c 3e ed a7 1c 1b 4c c0 a0 44 90 75 a8 8e bc 7c
		5e 1c 4b 1e 4f e3 c1 06 eb dc c0 5d c0 c8 ec f3
		e2 b9 d1 03 5e b2 60 5d 12 68 4f 49 df a9 9d cc`)
	if got := ExtendedMasterSecret12(crypto.SHA256, pre, sessionHash); !bytes.Equal(got, want) {
		t.Errorf("ExtendedMasterSecret12 = %x\nwant %x", got, want)
	}
}

// TestPRF12Definitions checks each TLS 1.2 derivation against its
// definition in terms of the PRF.
func TestPRF12Definitions(t *testing.T) {
	pre := bytes.Repeat([]byte{7}, 48)
	cr := bytes.Repeat([]byte{1}, 32)
	sr := bytes.Repeat([]byte{2}, 32)
	th := sum256([]byte("messages"))
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384} {
		ms := MasterSecret12(h, pre, cr, sr)
		if want := PRF12(h, pre, "master secret", append(append([]byte{}, cr...), sr...), 48); !bytes.Equal(ms, want) {
			t.Errorf("%v: MasterSecret12 wrong", h)
		}
		if got, want := FinishedVerifyData12(h, ms, true, th), PRF12(h, ms, "client finished", th, 12); !bytes.Equal(got, want) {
			t.Errorf("%v: client verify_data wrong", h)
		}
		if got, want := FinishedVerifyData12(h, ms, false, th), PRF12(h, ms, "server finished", th, 12); !bytes.Equal(got, want) {
			t.Errorf("%v: server verify_data wrong", h)
		}
		block := PRF12(h, ms, "key expansion", append(append([]byte{}, sr...), cr...), 2*(20+16+4))
		cMAC, sMAC, cKey, sKey, cIV, sIV := KeyBlock12(h, ms, cr, sr, 20, 16, 4)
		if got := bytes.Join([][]byte{cMAC, sMAC, cKey, sKey, cIV, sIV}, nil); !bytes.Equal(got, block) {
			t.Errorf("%v: KeyBlock12 split wrong", h)
		}
		if len(cMAC) != 20 || len(sKey) != 16 || len(sIV) != 4 {
			t.Errorf("%v: KeyBlock12 lengths wrong", h)
		}
		cMAC, sMAC, _, _, _, _ = KeyBlock12(h, ms, cr, sr, 0, 16, 4)
		if len(cMAC) != 0 || len(sMAC) != 0 {
			t.Errorf("%v: AEAD key block has MAC keys", h)
		}
	}
}

func TestExport12Context(t *testing.T) {
	h := crypto.SHA256
	ms := bytes.Repeat([]byte{9}, 48)
	cr := bytes.Repeat([]byte{1}, 32)
	sr := bytes.Repeat([]byte{2}, 32)
	seed := append(append([]byte{}, cr...), sr...)
	noCtx := Export12(h, ms, cr, sr, "EXPERIMENTAL x", nil, 32)
	if want := PRF12(h, ms, "EXPERIMENTAL x", seed, 32); !bytes.Equal(noCtx, want) {
		t.Error("Export12 without context wrong")
	}
	empty := Export12(h, ms, cr, sr, "EXPERIMENTAL x", []byte{}, 32)
	if want := PRF12(h, ms, "EXPERIMENTAL x", append(seed, 0, 0), 32); !bytes.Equal(empty, want) {
		t.Error("Export12 with empty context wrong")
	}
	ctx := Export12(h, ms, cr, sr, "EXPERIMENTAL x", []byte("abc"), 32)
	if want := PRF12(h, ms, "EXPERIMENTAL x", append(seed, 0, 3, 'a', 'b', 'c'), 32); !bytes.Equal(ctx, want) {
		t.Error("Export12 with context wrong")
	}
	if bytes.Equal(noCtx, empty) {
		t.Error("nil and empty context agree in TLS 1.2")
	}
}
