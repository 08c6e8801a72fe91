package record

import (
	"bytes"
	"fmt"
	"testing"

	"gotls/internal/wire"
)

var suites12 = []wire.CipherSuite{
	wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	wire.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
}

func pair12(t testing.TB, id wire.CipherSuite) (w, r Protector) {
	t.Helper()
	s := Suite12(id)
	key := bytes.Repeat([]byte{0x33}, s.KeyLen)
	iv := bytes.Repeat([]byte{0x44}, s.IVLen)
	w, err := NewAEAD12(s, key, iv)
	if err != nil {
		t.Fatal(err)
	}
	r, err = NewAEAD12(s, key, iv)
	if err != nil {
		t.Fatal(err)
	}
	return w, r
}

func TestAEAD12RoundTrip(t *testing.T) {
	for _, id := range suites12 {
		for _, size := range []int{0, 1, 100, MaxPlaintext} {
			t.Run(fmt.Sprintf("%v/%d", id, size), func(t *testing.T) {
				w, r := pair12(t, id)
				explicit := Suite12(id).ExplicitNonceLen
				for seq := 0; seq < 3; seq++ {
					payload := bytes.Repeat([]byte{byte(seq)}, size)
					rec := w.Seal(nil, wire.ContentApplicationData, payload, 50)
					if want := HeaderLen + explicit + size + 16; len(rec) != want || len(rec) != size+w.Overhead() {
						t.Fatalf("record of %d bytes, want %d", len(rec), want)
					}
					if explicit == 8 && !bytes.Equal(rec[5:13], []byte{0, 0, 0, 0, 0, 0, 0, byte(seq)}) {
						t.Errorf("explicit nonce %x is not the sequence number", rec[5:13])
					}
					typ, plain, err := r.Open(rec)
					if err != nil || typ != wire.ContentApplicationData || !bytes.Equal(plain, payload) {
						t.Fatalf("Open = %v %d bytes %v", typ, len(plain), err)
					}
				}
			})
		}
	}
}

func TestAEAD12Tamper(t *testing.T) {
	for _, id := range suites12 {
		w, _ := pair12(t, id)
		rec := w.Seal(nil, wire.ContentHandshake, []byte("finished"), 0)
		for bit := 0; bit < len(rec)*8; bit++ {
			if i := bit / 8; i == 3 || i == 4 {
				continue // the length is checked by the framing
			}
			_, r := pair12(t, id)
			bad := bytes.Clone(rec)
			bad[bit/8] ^= 1 << (bit % 8)
			if _, _, err := r.Open(bad); alertOf(err) != wire.AlertBadRecordMAC {
				t.Fatalf("%v: bit %d: %v", id, bit, err)
			}
		}
	}
}

func TestAEAD12OpenErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		rec  []byte
		want wire.Alert
	}{
		{"too long", append([]byte{23, 3, 3, 0x48, 0x01}, make([]byte, MaxCiphertext12+1)...), wire.AlertRecordOverflow},
		{"too short", append([]byte{23, 3, 3, 0, 23}, make([]byte, 23)...), wire.AlertBadRecordMAC},
		{"forged", append([]byte{23, 3, 3, 0, 24}, make([]byte, 24)...), wire.AlertBadRecordMAC},
	} {
		_, r := pair12(t, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
		if _, _, err := r.Open(c.rec); alertOf(err) != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// A plaintext over 2^14 bytes that authenticates is still refused.
	w, r := pair12(t, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
	p := w.(*aead12)
	p.setNonce()
	p.setAD(wire.ContentApplicationData, wire.VersionTLS12, MaxPlaintext+1)
	n := 8 + MaxPlaintext + 1 + 16
	rec := append([]byte{23, 3, 3, byte(n >> 8), byte(n)}, p.nonce[4:]...)
	rec = p.aead.Seal(rec, p.nonce[:], make([]byte, MaxPlaintext+1), p.ad[:])
	if _, _, err := r.Open(rec); alertOf(err) != wire.AlertRecordOverflow {
		t.Errorf("oversize plaintext: %v", err)
	}
}

func TestNewAEAD12Errors(t *testing.T) {
	s := Suite12(wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
	for _, c := range []struct{ key, iv int }{{16, 12}, {32, 4}, {16, 0}} {
		if _, err := NewAEAD12(s, make([]byte, c.key), make([]byte, c.iv)); err == nil {
			t.Errorf("key %d iv %d accepted", c.key, c.iv)
		}
	}
}
