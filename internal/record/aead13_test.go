package record

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"math"
	"testing"

	"gotls/internal/wire"
)

var suites13 = []wire.CipherSuite{
	wire.TLS_AES_128_GCM_SHA256, wire.TLS_AES_256_GCM_SHA384, wire.TLS_CHACHA20_POLY1305_SHA256,
}

// pair13 returns a sealing and an opening protector sharing key and IV.
func pair13(t testing.TB, id wire.CipherSuite) (w, r Protector) {
	t.Helper()
	s := Suite13(id)
	key := bytes.Repeat([]byte{0x11}, s.KeyLen)
	iv := bytes.Repeat([]byte{0x22}, 12)
	w, err := NewAEAD13(s, key, iv)
	if err != nil {
		t.Fatal(err)
	}
	r, err = NewAEAD13(s, key, iv)
	if err != nil {
		t.Fatal(err)
	}
	return w, r
}

func TestAEAD13RoundTrip(t *testing.T) {
	for _, id := range suites13 {
		for _, c := range []struct {
			typ     wire.ContentType
			size    int
			padding int
			wantPad int
		}{
			{wire.ContentApplicationData, 0, 0, 0},
			{wire.ContentApplicationData, 1, 0, 0},
			{wire.ContentHandshake, 100, 27, 27},
			{wire.ContentAlert, 2, 1000, 1000},
			{wire.ContentApplicationData, MaxPlaintext, 0, 0},
			{wire.ContentApplicationData, MaxPlaintext, 100, 0},
			{wire.ContentApplicationData, MaxPlaintext - 10, 100, 10},
			{wire.ContentApplicationData, 10, -5, 0},
		} {
			t.Run(fmt.Sprintf("%v/%d+%d", id, c.size, c.padding), func(t *testing.T) {
				w, r := pair13(t, id)
				payload := bytes.Repeat([]byte{0xab}, c.size)
				prefix := []byte("already here")
				rec := w.Seal(bytes.Clone(prefix), c.typ, payload, c.padding)
				if !bytes.Equal(rec[:len(prefix)], prefix) {
					t.Fatal("Seal overwrote dst")
				}
				rec = rec[len(prefix):]
				wantLen := HeaderLen + c.size + 1 + c.wantPad + 16
				if len(rec) != wantLen {
					t.Fatalf("record of %d bytes, want %d", len(rec), wantLen)
				}
				if !bytes.Equal(rec[:3], []byte{23, 3, 3}) {
					t.Errorf("header %x, want application_data 0x0303", rec[:3])
				}
				if c.padding <= 0 && len(rec) > c.size+w.Overhead() {
					t.Errorf("record exceeds payload + Overhead")
				}
				typ, plain, err := r.Open(rec)
				if err != nil {
					t.Fatal(err)
				}
				if typ != c.typ || !bytes.Equal(plain, payload) {
					t.Errorf("opened %v %d bytes, want %v %d", typ, len(plain), c.typ, c.size)
				}
				if !w.Encrypted() || w.NeedsRekey() {
					t.Error("Encrypted/NeedsRekey wrong")
				}
			})
		}
	}
}

// TestAEAD13Sequence checks that sequence numbers advance per record and
// that records must be opened in order.
func TestAEAD13Sequence(t *testing.T) {
	for _, id := range suites13 {
		w, r := pair13(t, id)
		first := w.Seal(nil, wire.ContentApplicationData, []byte("one"), 0)
		second := w.Seal(nil, wire.ContentApplicationData, []byte("one"), 0)
		if bytes.Equal(first, second) {
			t.Errorf("%v: two records with the same nonce", id)
		}
		if _, _, err := r.Open(bytes.Clone(second)); alertOf(err) != wire.AlertBadRecordMAC {
			t.Errorf("%v: out of order record: %v", id, err)
		}
		// A failed record does not advance the sequence number.
		for _, rec := range [][]byte{first, second} {
			if _, _, err := r.Open(rec); err != nil {
				t.Errorf("%v: in order record: %v", id, err)
			}
		}
	}
}

// TestAEAD13Tamper flips every bit of a record: a body or version bit
// fails authentication, a type or length bit is caught before.
func TestAEAD13Tamper(t *testing.T) {
	for _, id := range suites13 {
		w, _ := pair13(t, id)
		rec := w.Seal(nil, wire.ContentHandshake, []byte("finished message"), 3)
		for bit := 0; bit < len(rec)*8; bit++ {
			_, r := pair13(t, id)
			bad := bytes.Clone(rec)
			bad[bit/8] ^= 1 << (bit % 8)
			_, _, err := r.Open(bad)
			want := wire.AlertBadRecordMAC
			switch bit / 8 {
			case 0:
				want = wire.AlertUnexpectedMessage
			case 3, 4:
				want = wire.AlertInternalError // framing no longer matches
			}
			if alertOf(err) != want {
				t.Fatalf("%v: bit %d: %v, want %v", id, bit, err, want)
			}
		}
	}
}

// sealRaw builds a record around an arbitrary inner plaintext, bypassing
// the checks of Seal.
func sealRaw(t *testing.T, id wire.CipherSuite, inner []byte) []byte {
	t.Helper()
	w, _ := pair13(t, id)
	p := w.(*aead13)
	n := len(inner) + p.aead.Overhead()
	hdr := []byte{23, 3, 3, byte(n >> 8), byte(n)}
	xorNonce(p.nonce[:], p.iv[:], 0)
	return p.aead.Seal(hdr, p.nonce[:], inner, hdr)
}

func TestAEAD13OpenErrors(t *testing.T) {
	id := wire.TLS_AES_128_GCM_SHA256
	big := make([]byte, MaxPlaintext+2)
	big[len(big)-1] = 23
	full := make([]byte, MaxPlaintext+1)
	full[len(full)-1] = 23
	for _, c := range []struct {
		name string
		rec  []byte
		want wire.Alert
		ok   bool
	}{
		{"largest inner plaintext", sealRaw(t, id, full), 0, true},
		{"inner plaintext too long", sealRaw(t, id, big), wire.AlertRecordOverflow, false},
		{"all zero inner plaintext", sealRaw(t, id, make([]byte, 40)), wire.AlertUnexpectedMessage, false},
		{"empty inner plaintext", sealRaw(t, id, nil), wire.AlertUnexpectedMessage, false},
		{"unknown inner type", sealRaw(t, id, []byte{1, 2, 99, 0, 0}), wire.AlertUnexpectedMessage, false},
		{"protected change_cipher_spec", sealRaw(t, id, []byte{1, 20}), wire.AlertUnexpectedMessage, false},
		{"outer type handshake", []byte{22, 3, 3, 0, 1, 0}, wire.AlertUnexpectedMessage, false},
		{"ciphertext too long", append([]byte{23, 3, 3, 0x41, 0x01}, make([]byte, MaxCiphertext13+1)...), wire.AlertRecordOverflow, false},
		{"longest ciphertext", append([]byte{23, 3, 3, 0x41, 0x00}, make([]byte, MaxCiphertext13)...), wire.AlertBadRecordMAC, false},
		{"shorter than tag", []byte{23, 3, 3, 0, 3, 1, 2, 3}, wire.AlertBadRecordMAC, false},
		{"empty body", []byte{23, 3, 3, 0, 0}, wire.AlertBadRecordMAC, false},
		{"no header", []byte{23, 3}, wire.AlertInternalError, false},
		{"length mismatch", []byte{23, 3, 3, 0, 9, 1}, wire.AlertInternalError, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, r := pair13(t, id)
			_, _, err := r.Open(c.rec)
			if c.ok != (err == nil) || (!c.ok && alertOf(err) != c.want) {
				t.Errorf("Open: %v, want ok=%v alert %v", err, c.ok, c.want)
			}
		})
	}
}

func TestAEAD13Limits(t *testing.T) {
	for _, c := range []struct {
		id        wire.CipherSuite
		seq       uint64
		rekey     bool
		exhausted bool
	}{
		{wire.TLS_AES_128_GCM_SHA256, gcmRecordLimit - 1, false, false},
		{wire.TLS_AES_128_GCM_SHA256, gcmRecordLimit, true, false},
		{wire.TLS_AES_256_GCM_SHA384, gcmRecordLimit, true, false},
		{wire.TLS_CHACHA20_POLY1305_SHA256, gcmRecordLimit, false, false},
		{wire.TLS_CHACHA20_POLY1305_SHA256, 1 << 62, false, false},
		{wire.TLS_CHACHA20_POLY1305_SHA256, math.MaxUint64 - seqMargin, true, false},
		{wire.TLS_CHACHA20_POLY1305_SHA256, math.MaxUint64 - 1, true, false},
		{wire.TLS_CHACHA20_POLY1305_SHA256, math.MaxUint64, true, true},
		{wire.TLS_AES_128_GCM_SHA256, math.MaxUint64, true, true},
	} {
		w, r := pair13(t, c.id)
		w.(*aead13).seq.n, r.(*aead13).seq.n = c.seq, c.seq
		if w.NeedsRekey() != c.rekey {
			t.Errorf("%v at %d: NeedsRekey = %v", c.id, c.seq, !c.rekey)
		}
		if c.exhausted {
			if _, _, err := r.Open([]byte{23, 3, 3, 0, 0}); alertOf(err) != wire.AlertInternalError {
				t.Errorf("%v: Open with exhausted sequence: %v", c.id, err)
			}
			assertPanics(t, func() { w.Seal(nil, wire.ContentApplicationData, nil, 0) })
			continue
		}
		rec := w.Seal(nil, wire.ContentApplicationData, []byte("x"), 0)
		if _, _, err := r.Open(rec); err != nil {
			t.Errorf("%v at %d: %v", c.id, c.seq, err)
		}
	}
}

func assertPanics(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	f()
}

func TestAEAD13SealPanicsOnOversizePayload(t *testing.T) {
	w, _ := pair13(t, wire.TLS_AES_128_GCM_SHA256)
	assertPanics(t, func() { w.Seal(nil, wire.ContentApplicationData, make([]byte, MaxPlaintext+1), 0) })
}

func TestNewAEAD13Errors(t *testing.T) {
	s := Suite13(wire.TLS_AES_128_GCM_SHA256)
	for _, c := range []struct{ key, iv int }{{15, 12}, {32, 12}, {16, 8}, {16, 16}} {
		if _, err := NewAEAD13(s, make([]byte, c.key), make([]byte, c.iv)); err == nil {
			t.Errorf("key %d iv %d accepted", c.key, c.iv)
		}
	}
	odd := &Suite{ID: 0x1301, KeyLen: 16, NewAEAD: func(k []byte) (cipher.AEAD, error) {
		return cipher.NewGCMWithNonceSize(mustAES(k), 16)
	}}
	if _, err := NewAEAD13(odd, make([]byte, 16), make([]byte, 12)); err == nil {
		t.Error("16-byte nonce AEAD accepted")
	}
}

func mustAES(key []byte) cipher.Block {
	b, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	return b
}

func TestSuiteLookup(t *testing.T) {
	for _, c := range []struct {
		id       wire.CipherSuite
		tls13    bool
		tls12    bool
		key, ivl int
	}{
		{wire.TLS_AES_128_GCM_SHA256, true, false, 16, 12},
		{wire.TLS_AES_256_GCM_SHA384, true, false, 32, 12},
		{wire.TLS_CHACHA20_POLY1305_SHA256, true, false, 32, 12},
		{wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, false, true, 16, 4},
		{wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, false, true, 32, 4},
		{wire.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, false, true, 32, 12},
		{wire.TLS_RSA_WITH_AES_128_CBC_SHA, false, false, 0, 0},
		{0x1304, false, false, 0, 0},
	} {
		s13, s12 := Suite13(c.id), Suite12(c.id)
		if (s13 != nil) != c.tls13 || (s12 != nil) != c.tls12 {
			t.Errorf("%v: Suite13 %v Suite12 %v", c.id, s13 != nil, s12 != nil)
			continue
		}
		for _, s := range []*Suite{s13, s12} {
			if s != nil && (s.KeyLen != c.key || s.IVLen != c.ivl || s.ID != c.id) {
				t.Errorf("%v: %+v", c.id, s)
			}
		}
	}
}
