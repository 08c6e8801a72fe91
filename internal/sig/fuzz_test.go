package sig

import (
	"crypto"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gotls/internal/wire"
)

// fuzzMessage is the message every FuzzVerify signature claims to cover.
var fuzzMessage = SignedContent13(ServerContext13, make([]byte, 32))

// fuzzSigners lists the fixed keys FuzzVerify picks from.
func fuzzSigners(t testing.TB) []crypto.Signer {
	k := keys(t)
	return []crypto.Signer{k.p256, k.p384, k.p521, k.rsa2048, k.ed, k.p224}
}

// fuzzInput encodes a FuzzVerify input: a selector byte (key index; the
// high bit selects TLS 1.2), the scheme, then the signature.
func fuzzInput(sel byte, scheme wire.SignatureScheme, sig []byte) []byte {
	return append([]byte{sel, byte(scheme >> 8), byte(scheme)}, sig...)
}

// FuzzVerify checks that no signature, scheme and key combination panics
// or fails with anything but illegal_parameter or decrypt_error.
func FuzzVerify(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		signers := fuzzSigners(t)
		pub := signers[int(data[0]&0x7f)%len(signers)].Public()
		version := wire.VersionTLS13
		if data[0]&0x80 != 0 {
			version = wire.VersionTLS12
		}
		scheme := wire.SignatureScheme(data[1])<<8 | wire.SignatureScheme(data[2])
		err := Verify(version, pub, scheme, fuzzMessage, data[3:])
		if err == nil {
			return
		}
		var we *wire.Error
		if !errors.As(err, &we) || (we.Alert != wire.AlertIllegalParameter && we.Alert != wire.AlertDecryptError) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// TestFuzzSeedsValid keeps the FuzzVerify seeds meaningful: the ones named
// "*-valid" must verify, all others must fail.
func TestFuzzSeedsValid(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzVerify")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	signers := fuzzSigners(t)
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" {
			t.Fatalf("%s: not a corpus file", e.Name())
		}
		quoted := strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")")
		s, err := strconv.Unquote(quoted)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		data := []byte(s)
		version := wire.VersionTLS13
		if data[0]&0x80 != 0 {
			version = wire.VersionTLS12
		}
		pub := signers[int(data[0]&0x7f)%len(signers)].Public()
		scheme := wire.SignatureScheme(data[1])<<8 | wire.SignatureScheme(data[2])
		err = Verify(version, pub, scheme, fuzzMessage, data[3:])
		if valid := strings.HasSuffix(e.Name(), "-valid"); valid != (err == nil) {
			t.Errorf("%s: Verify = %v", e.Name(), err)
		}
	}
}
