package sig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"math/big"
	"slices"
	"testing"

	"gotls/internal/wire"
)

func TestDefaultSchemes(t *testing.T) {
	tests := []struct {
		name     string
		min, max wire.Version
		wantNil  bool
	}{
		{"tls13 only", wire.VersionTLS13, wire.VersionTLS13, false},
		{"tls12 only", wire.VersionTLS12, wire.VersionTLS12, false},
		{"both", wire.VersionTLS12, wire.VersionTLS13, false},
		{"tls10 to tls12", wire.VersionTLS10, wire.VersionTLS12, false},
		{"below tls12", wire.VersionTLS10, wire.VersionTLS11, true},
		{"inverted", wire.VersionTLS13, wire.VersionTLS12, true},
		{"above tls13", 0x0305, 0x0306, true},
	}
	for _, tt := range tests {
		got := DefaultSchemes(tt.min, tt.max)
		if (got == nil) != tt.wantNil {
			t.Errorf("%s: got %v", tt.name, got)
			continue
		}
		for _, s := range got {
			if Hash(s) == crypto.SHA1 || lookup(s).family == familyUnsupported {
				t.Errorf("%s: advertises %v", tt.name, s)
			}
		}
		if !tt.wantNil && !slices.Contains(got, wire.PSSWithSHA256) {
			// RFC 8446, Section 9.1: rsa_pss_rsae_sha256 is mandatory.
			t.Errorf("%s: missing rsa_pss_rsae_sha256", tt.name)
		}
	}
	a := DefaultSchemes(wire.VersionTLS12, wire.VersionTLS13)
	a[0] = 0
	if DefaultSchemes(wire.VersionTLS12, wire.VersionTLS13)[0] == 0 {
		t.Error("DefaultSchemes shares its slice")
	}
}

func TestSchemesForKey(t *testing.T) {
	k := keys(t)
	small := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 1023), E: 65537}
	small.N.SetBit(small.N, 0, 1)
	tiny := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 511), E: 65537}
	tests := []struct {
		name    string
		pub     crypto.PublicKey
		version wire.Version
		want    []wire.SignatureScheme
	}{
		{"p256 1.3", k.p256.Public(), wire.VersionTLS13, []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256}},
		{"p384 1.3", k.p384.Public(), wire.VersionTLS13, []wire.SignatureScheme{wire.ECDSAWithP384AndSHA384}},
		{"p521 1.3", k.p521.Public(), wire.VersionTLS13, []wire.SignatureScheme{wire.ECDSAWithP521AndSHA512}},
		{"p384 1.2", k.p384.Public(), wire.VersionTLS12, []wire.SignatureScheme{wire.ECDSAWithP384AndSHA384, wire.ECDSAWithP256AndSHA256, wire.ECDSAWithP521AndSHA512}},
		{"p521 1.2", k.p521.Public(), wire.VersionTLS12, []wire.SignatureScheme{wire.ECDSAWithP521AndSHA512, wire.ECDSAWithP256AndSHA256, wire.ECDSAWithP384AndSHA384}},
		{"p224", k.p224.Public(), wire.VersionTLS12, nil},
		{"rsa 1.3", k.rsa2048.Public(), wire.VersionTLS13, []wire.SignatureScheme{wire.PSSWithSHA256, wire.PSSWithSHA384, wire.PSSWithSHA512}},
		{"rsa 1.2", k.rsa2048.Public(), wire.VersionTLS12, []wire.SignatureScheme{wire.PSSWithSHA256, wire.PSSWithSHA384, wire.PSSWithSHA512, wire.PKCS1WithSHA256, wire.PKCS1WithSHA384, wire.PKCS1WithSHA512}},
		{"rsa1024 1.3", k.rsa1024.Public(), wire.VersionTLS13, []wire.SignatureScheme{wire.PSSWithSHA256, wire.PSSWithSHA384}},
		{"rsa 1024-bit modulus 1.2", small, wire.VersionTLS12, []wire.SignatureScheme{wire.PSSWithSHA256, wire.PSSWithSHA384, wire.PKCS1WithSHA256, wire.PKCS1WithSHA384, wire.PKCS1WithSHA512}},
		{"rsa 512-bit modulus 1.2", tiny, wire.VersionTLS12, []wire.SignatureScheme{wire.PKCS1WithSHA256}},
		{"ed25519 1.3", k.ed.Public(), wire.VersionTLS13, []wire.SignatureScheme{wire.Ed25519}},
		{"ed25519 1.2", k.ed.Public(), wire.VersionTLS12, []wire.SignatureScheme{wire.Ed25519}},
		{"tls 1.1", k.p256.Public(), wire.VersionTLS11, nil},
		{"nil", nil, wire.VersionTLS13, nil},
		{"nil ecdsa", (*ecdsa.PublicKey)(nil), wire.VersionTLS12, nil},
		{"nil rsa", (*rsa.PublicKey)(nil), wire.VersionTLS12, nil},
		{"string", "not a key", wire.VersionTLS13, nil},
	}
	for _, tt := range tests {
		if got := SchemesForKey(tt.pub, tt.version); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSelect(t *testing.T) {
	k := keys(t)
	all := DefaultSchemes(wire.VersionTLS12, wire.VersionTLS13)
	tests := []struct {
		name    string
		pub     crypto.PublicKey
		peer    []wire.SignatureScheme
		version wire.Version
		want    wire.SignatureScheme // 0: handshake_failure expected
	}{
		{"p256 all", k.p256.Public(), all, wire.VersionTLS13, wire.ECDSAWithP256AndSHA256},
		{"p256 reversed peer order", k.p256.Public(), []wire.SignatureScheme{wire.ECDSAWithP521AndSHA512, wire.ECDSAWithP256AndSHA256}, wire.VersionTLS13, wire.ECDSAWithP256AndSHA256},
		{"p256 only other curves 1.3", k.p256.Public(), []wire.SignatureScheme{wire.ECDSAWithP384AndSHA384}, wire.VersionTLS13, 0},
		{"p256 only other curves 1.2", k.p256.Public(), []wire.SignatureScheme{wire.ECDSAWithP384AndSHA384}, wire.VersionTLS12, wire.ECDSAWithP384AndSHA384},
		{"rsa prefers pss256 over peer order", k.rsa2048.Public(), []wire.SignatureScheme{wire.PSSWithSHA512, wire.PKCS1WithSHA256, wire.PSSWithSHA256}, wire.VersionTLS13, wire.PSSWithSHA256},
		{"rsa pkcs1 only 1.3", k.rsa2048.Public(), []wire.SignatureScheme{wire.PKCS1WithSHA256, wire.PKCS1WithSHA384}, wire.VersionTLS13, 0},
		{"rsa pkcs1 only 1.2", k.rsa2048.Public(), []wire.SignatureScheme{wire.PKCS1WithSHA384, wire.PKCS1WithSHA256}, wire.VersionTLS12, wire.PKCS1WithSHA256},
		{"rsa pss_pss only", k.rsa2048.Public(), []wire.SignatureScheme{wire.PSSPSSWithSHA256, wire.PSSPSSWithSHA384}, wire.VersionTLS13, 0},
		{"rsa pss_pss then rsae", k.rsa2048.Public(), []wire.SignatureScheme{wire.PSSPSSWithSHA256, wire.PSSWithSHA384}, wire.VersionTLS13, wire.PSSWithSHA384},
		{"rsa sha1 only 1.2", k.rsa2048.Public(), []wire.SignatureScheme{wire.PKCS1WithSHA1}, wire.VersionTLS12, 0},
		{"rsa1024 pss512 only", k.rsa1024.Public(), []wire.SignatureScheme{wire.PSSWithSHA512}, wire.VersionTLS13, 0},
		{"ed25519", k.ed.Public(), all, wire.VersionTLS13, wire.Ed25519},
		{"ed25519 not offered", k.ed.Public(), []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256, wire.Ed448}, wire.VersionTLS13, 0},
		{"empty peer list", k.p256.Public(), nil, wire.VersionTLS12, 0},
		{"unknown codes ignored", k.p384.Public(), []wire.SignatureScheme{0xfefe, 0x0000, wire.ECDSAWithP384AndSHA384}, wire.VersionTLS13, wire.ECDSAWithP384AndSHA384},
		{"p224 key", k.p224.Public(), all, wire.VersionTLS12, 0},
	}
	for _, tt := range tests {
		got, err := Select(tt.pub, tt.peer, tt.version)
		if tt.want == 0 {
			var we *wire.Error
			if err == nil || !asWire(err, &we) || we.Alert != wire.AlertHandshakeFailure {
				t.Errorf("%s: got %v, %v; want handshake_failure", tt.name, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func asWire(err error, target **wire.Error) bool {
	we, ok := err.(*wire.Error)
	*target = we
	return ok
}

// TestSelectedSchemesSign checks that whatever Select picks, Sign can use
// and Verify accepts in the same version.
func TestSelectedSchemesSign(t *testing.T) {
	k := keys(t)
	signers := []crypto.Signer{k.p256, k.p384, k.p521, k.rsa2048, k.rsa1024, k.ed}
	msg := []byte("selected")
	for _, v := range []wire.Version{wire.VersionTLS12, wire.VersionTLS13} {
		for _, s := range signers {
			for _, scheme := range SchemesForKey(s.Public(), v) {
				sig, err := Sign(s, scheme, nil, msg)
				if err != nil {
					t.Fatalf("%v %v: %v", v, scheme, err)
				}
				if err := Verify(v, s.Public(), scheme, msg, sig); err != nil {
					t.Fatalf("%v %v: %v", v, scheme, err)
				}
			}
		}
	}
}
