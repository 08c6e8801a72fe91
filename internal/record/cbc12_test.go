package record

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strings"
	"testing"

	"gotls/internal/wire"
)

var suitesCBC = []wire.CipherSuite{
	wire.TLS_RSA_WITH_AES_128_CBC_SHA,
	wire.TLS_RSA_WITH_AES_256_CBC_SHA,
	wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	wire.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
}

// testMACKey is the MAC key of every CBC test protector.
var testMACKey = bytes.Repeat([]byte{0x42}, cbcMACLen)

// cbcPairHash returns a writer and a reader with the same keys, whose MAC
// uses newHash.
func cbcPairHash(t testing.TB, id wire.CipherSuite, newHash func() hash.Hash) (w, r *cbc12) {
	t.Helper()
	s := CBCSuite12(id)
	key := bytes.Repeat([]byte{0x21}, s.KeyLen)
	w, err := newCBC12(s, key, testMACKey, rand.Reader, newHash)
	if err != nil {
		t.Fatal(err)
	}
	r, err = newCBC12(s, key, testMACKey, rand.Reader, newHash)
	if err != nil {
		t.Fatal(err)
	}
	return w, r
}

func cbcPair(t testing.TB, id wire.CipherSuite) (w, r *cbc12) {
	t.Helper()
	return cbcPairHash(t, id, sha1.New)
}

// refMAC is HMAC-SHA1 over the pseudo-header and data, computed plainly.
func refMAC(seq uint64, typ wire.ContentType, vers wire.Version, data []byte) []byte {
	h := hmac.New(sha1.New, testMACKey)
	var hdr [13]byte
	binary.BigEndian.PutUint64(hdr[:], seq)
	hdr[8] = byte(typ)
	binary.BigEndian.PutUint16(hdr[9:], uint16(vers))
	binary.BigEndian.PutUint16(hdr[11:], uint16(len(data)))
	h.Write(hdr[:])
	h.Write(data)
	return h.Sum(nil)
}

// encryptBody returns a record of type typ whose CBC plaintext is plain,
// a whole number of blocks, encrypted with w's key under w's next IV. It
// advances w's sequence number.
func encryptBody(w *cbc12, typ wire.ContentType, plain []byte) []byte {
	w.setIV()
	rec := appendHeader(nil, typ, wire.VersionTLS12, cbcBlockSize+len(plain))
	rec = append(rec, w.iv[:]...)
	rec = append(rec, plain...)
	w.enc.SetIV(w.iv[:])
	w.enc.CryptBlocks(rec[HeaderLen+cbcBlockSize:], rec[HeaderLen+cbcBlockSize:])
	w.seq.n++
	return rec
}

// sealCustom returns a record carrying data, its MAC for w's sequence
// number, then pad, which is arbitrary.
func sealCustom(w *cbc12, typ wire.ContentType, data, pad []byte) []byte {
	plain := append(bytes.Clone(data), refMAC(w.seq.n, typ, wire.VersionTLS12, data)...)
	return encryptBody(w, typ, append(plain, pad...))
}

// padding returns n bytes of padding with padding_length n-1.
func padding(n int) []byte { return bytes.Repeat([]byte{byte(n - 1)}, n) }

func TestCBCSuite12(t *testing.T) {
	for _, id := range suitesCBC {
		s := CBCSuite12(id)
		if s == nil || s.ID != id || s.MACLen != 20 || s.Hash.Size() != 32 || s.MACHash.Size() != 20 {
			t.Errorf("%v: %+v", id, s)
		}
		want := 16
		if strings.Contains(id.String(), "_AES_256_") {
			want = 32
		}
		if s.KeyLen != want {
			t.Errorf("%v: key length %d, want %d", id, s.KeyLen, want)
		}
		if Suite12(id) != nil {
			t.Errorf("%v is also an AEAD suite", id)
		}
	}
	for _, id := range []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0x000a} {
		if CBCSuite12(id) != nil {
			t.Errorf("%v is a CBC suite", id)
		}
	}
}

// roundTripSizes are the payload sizes every suite is checked with: all of
// them from 0 to 2^14, or with -short the first and last 80 and a stride
// between.
func roundTripSizes() []int {
	var sizes []int
	for n := 0; n <= MaxPlaintext; {
		sizes = append(sizes, n)
		switch {
		case !testing.Short() || n < 80 || n > MaxPlaintext-80:
			n++
		default:
			n += 509
		}
	}
	return sizes
}

func TestCBC12RoundTrip(t *testing.T) {
	for _, id := range suitesCBC {
		t.Run(id.String(), func(t *testing.T) {
			t.Parallel()
			w, r := cbcPair(t, id)
			ivs := map[string]bool{}
			for _, size := range roundTripSizes() {
				payload := bytes.Repeat([]byte{byte(size)}, size)
				rec := w.Seal(nil, wire.ContentApplicationData, payload, 100)
				want := HeaderLen + cbcBlockSize + (size+cbcMACLen+cbcBlockSize)/cbcBlockSize*cbcBlockSize
				if len(rec) != want || len(rec) > size+w.Overhead() {
					t.Fatalf("size %d: record of %d bytes, want %d", size, len(rec), want)
				}
				if iv := string(rec[HeaderLen : HeaderLen+cbcBlockSize]); ivs[iv] {
					t.Fatalf("size %d: explicit IV repeated", size)
				} else {
					ivs[iv] = true
				}
				typ, plain, err := r.Open(rec)
				if err != nil || typ != wire.ContentApplicationData || !bytes.Equal(plain, payload) {
					t.Fatalf("size %d: Open = %v %d bytes %v", size, typ, len(plain), err)
				}
			}
		})
	}
}

// TestCBC12IVKey checks that the IV key comes from rand, once, and that
// protectors with the same traffic keys use different IVs.
func TestCBC12IVKey(t *testing.T) {
	s := CBCSuite12(wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA)
	key := make([]byte, 32)
	src := bytes.NewReader(make([]byte, 100))
	w1, err := NewCBC12(s, key, testMACKey, src)
	if err != nil || src.Len() != 100-32 {
		t.Fatalf("NewCBC12: %v, read %d bytes", err, 100-src.Len())
	}
	w2, _ := NewCBC12(s, key, testMACKey, rand.Reader)
	a := w1.Seal(nil, wire.ContentHandshake, nil, 0)
	b := w2.Seal(nil, wire.ContentHandshake, nil, 0)
	if bytes.Equal(a[HeaderLen:HeaderLen+16], b[HeaderLen:HeaderLen+16]) {
		t.Error("two IV keys gave the same IV")
	}
}

func TestNewCBC12Errors(t *testing.T) {
	s := CBCSuite12(wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA)
	for _, c := range []struct {
		name     string
		key, mac int
		rand     bool
	}{
		{"long key", 32, 20, true}, {"short key", 15, 20, true}, {"short mac key", 16, 16, true},
		{"no rand", 16, 20, false},
	} {
		var src *bytes.Reader
		if c.rand {
			src = bytes.NewReader(make([]byte, 64))
		}
		var err error
		if src == nil {
			_, err = NewCBC12(s, make([]byte, c.key), make([]byte, c.mac), nil)
		} else {
			_, err = NewCBC12(s, make([]byte, c.key), make([]byte, c.mac), src)
		}
		if alertOf(err) != wire.AlertInternalError {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if _, err := NewCBC12(s, make([]byte, 16), testMACKey, bytes.NewReader(make([]byte, 15))); alertOf(err) != wire.AlertInternalError {
		t.Errorf("short rand: %v", err)
	}
}

func TestCBC12Tamper(t *testing.T) {
	for _, id := range suitesCBC {
		w, r := cbcPair(t, id)
		rec := w.Seal(nil, wire.ContentHandshake, []byte("finished message"), 0)
		for i := range rec {
			if i == 3 || i == 4 {
				continue // the length is checked by the framing
			}
			for bit := range 8 {
				bad := bytes.Clone(rec)
				bad[i] ^= 1 << bit
				if _, _, err := r.Open(bad); alertOf(err) != wire.AlertBadRecordMAC {
					t.Fatalf("%v: byte %d bit %d: %v", id, i, bit, err)
				}
			}
		}
		if _, plain, err := r.Open(rec); err != nil || string(plain) != "finished message" {
			t.Fatalf("%v: the original no longer opens: %v", id, err)
		}
	}
}

// TestCBC12Padding checks well-formed and malformed padding, built by
// hand with a correct MAC over the data.
func TestCBC12Padding(t *testing.T) {
	wrongByte := func(at int) []byte {
		p := padding(16)
		p[at]++
		return p
	}
	for _, c := range []struct {
		name string
		data []byte
		pad  []byte
		ok   bool
	}{
		{"minimal", []byte("abc"), padding(9), true},
		{"padding_length 0", make([]byte, 11), padding(1), true},
		{"empty data", nil, padding(12), true},
		{"longer than needed", []byte("abc"), padding(9 + 64), true},
		{"largest", make([]byte, 12), padding(256), true},
		{"one too many", []byte("abc"), append([]byte{8}, padding(8)...), false},
		{"zero padding bytes", []byte("abc"), append(make([]byte, 8), 8), false},
		{"padding_length too large", make([]byte, 11), []byte{200}, false},
		{"padding_length exceeds record", nil, bytes.Repeat([]byte{255}, 12), false},
		{"padding eats the mac", nil, bytes.Repeat([]byte{31}, 12), false},
		{"first byte wrong", make([]byte, 12), wrongByte(0), false},
		{"middle byte wrong", make([]byte, 12), wrongByte(7), false},
		{"last but one wrong", make([]byte, 12), wrongByte(14), false},
		{"far byte wrong", make([]byte, 12), append([]byte{0}, padding(256)[1:]...), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, r := cbcPair(t, wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA)
			if (len(c.data)+cbcMACLen+len(c.pad))%cbcBlockSize != 0 {
				t.Fatal("test case is not block aligned")
			}
			rec := sealCustom(w, wire.ContentApplicationData, c.data, c.pad)
			_, plain, err := r.Open(rec)
			if c.ok && (err != nil || !bytes.Equal(plain, c.data)) {
				t.Fatalf("Open = %x, %v", plain, err)
			}
			if !c.ok && alertOf(err) != wire.AlertBadRecordMAC {
				t.Fatalf("Open = %x, %v, want bad_record_mac", plain, err)
			}
		})
	}
}

// TestCBC12EveryPaddingByte sets each byte of a 256-byte padding wrong in
// turn.
func TestCBC12EveryPaddingByte(t *testing.T) {
	w, r := cbcPair(t, wire.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA)
	data := make([]byte, 12+160)
	for i := 0; i < 255; i++ {
		pad := padding(256)
		pad[i] ^= 0x80
		rec := sealCustom(w, wire.ContentApplicationData, data, pad)
		w.seq.n--
		if _, _, err := r.Open(rec); alertOf(err) != wire.AlertBadRecordMAC {
			t.Fatalf("byte %d: %v", i, err)
		}
	}
}

func TestCBC12OpenErrors(t *testing.T) {
	body := func(n int) []byte {
		return append([]byte{23, 3, 3, byte(n >> 8), byte(n)}, make([]byte, n)...)
	}
	for _, c := range []struct {
		name string
		rec  []byte
		want wire.Alert
	}{
		{"empty", body(0), wire.AlertBadRecordMAC},
		{"iv only", body(16), wire.AlertBadRecordMAC},
		{"one block", body(32), wire.AlertBadRecordMAC},
		{"not aligned", body(47), wire.AlertBadRecordMAC},
		{"not aligned long", body(49), wire.AlertBadRecordMAC},
		{"forged", body(48), wire.AlertBadRecordMAC},
		{"forged long", body(MaxCiphertext12), wire.AlertBadRecordMAC},
		{"too long", body(MaxCiphertext12 + 16), wire.AlertRecordOverflow},
		{"short header", []byte{23, 3, 3}, wire.AlertInternalError},
	} {
		_, r := cbcPair(t, wire.TLS_RSA_WITH_AES_128_CBC_SHA)
		if _, _, err := r.Open(c.rec); alertOf(err) != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// A plaintext over 2^14 bytes that authenticates is still refused.
	w, r := cbcPair(t, wire.TLS_RSA_WITH_AES_128_CBC_SHA)
	rec := sealCustom(w, wire.ContentApplicationData, make([]byte, MaxPlaintext+1), padding(11))
	if _, _, err := r.Open(rec); alertOf(err) != wire.AlertRecordOverflow {
		t.Errorf("oversize plaintext: %v", err)
	}
}

func TestCBC12Sequence(t *testing.T) {
	w, r := cbcPair(t, wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA)
	first := w.Seal(nil, wire.ContentApplicationData, []byte("one"), 0)
	second := w.Seal(nil, wire.ContentApplicationData, []byte("two"), 0)
	if _, _, err := r.Open(bytes.Clone(second)); alertOf(err) != wire.AlertBadRecordMAC {
		t.Errorf("reordered record: %v", err)
	}
	for _, rec := range [][]byte{first, second} {
		if _, _, err := r.Open(rec); err != nil {
			t.Fatal(err)
		}
	}
	if w.NeedsRekey() || !w.Encrypted() {
		t.Error("fresh protector needs rekey or is not encrypted")
	}
	w.seq.n = cbcRecordLimit
	if !w.NeedsRekey() {
		t.Error("no rekey at the record limit")
	}
	r.seq.n = lastSeq + 1
	if _, _, err := r.Open(w.Seal(nil, wire.ContentAlert, []byte{1, 0}, 0)); alertOf(err) != wire.AlertInternalError {
		t.Errorf("exhausted reader: %v", err)
	}
	w.seq.n = lastSeq + 1
	defer func() {
		if recover() == nil {
			t.Error("Seal on an exhausted writer did not panic")
		}
	}()
	w.Seal(nil, wire.ContentAlert, []byte{1, 0}, 0)
}

// TestCBC12NoAllocations checks that sealing into a buffer with room and
// opening in place allocate nothing.
func TestCBC12NoAllocations(t *testing.T) {
	for _, id := range suitesCBC {
		w, r := cbcPair(t, id)
		buf := make([]byte, 0, HeaderLen+MaxCiphertext12)
		for _, size := range []int{0, 1200, MaxPlaintext} {
			payload := make([]byte, size)
			allocs := testing.AllocsPerRun(50, func() {
				rec := w.Seal(buf[:0], wire.ContentApplicationData, payload, 0)
				if _, _, err := r.Open(rec); err != nil {
					panic(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v, %d bytes: %v allocations per record", id, size, allocs)
			}
		}
	}
}

func TestCBC12ErrorIsWireError(t *testing.T) {
	_, r := cbcPair(t, wire.TLS_RSA_WITH_AES_256_CBC_SHA)
	_, _, err := r.Open(append([]byte{23, 3, 3, 0, 48}, make([]byte, 48)...))
	var we *wire.Error
	if !errors.As(err, &we) || we.Alert != wire.AlertBadRecordMAC {
		t.Fatalf("%v", err)
	}
	if s := fmt.Sprint(err); s != "tls: record authentication failed (bad_record_mac)" {
		t.Errorf("error text %q", s)
	}
}
