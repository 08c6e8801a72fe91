package record

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"hash"
	"testing"

	"gotls/internal/wire"
)

// bodyLengths are the decrypted body lengths a CBC record can have: whole
// blocks, from the shortest legal one to the longest.
func bodyLengths() []int {
	var out []int
	for l := cbcMinBody - cbcBlockSize; l <= MaxCiphertext12-cbcBlockSize; l += cbcBlockSize {
		out = append(out, l)
	}
	return out
}

// sha1Work models SHA-1 as crypto/sha1 runs it: Write compresses each
// block as soon as it is full, Sum finishes a copy of the state.
type sha1Work struct {
	blocks, buffered int
}

func (s *sha1Work) write(n int) {
	s.blocks += (s.buffered + n) / 64
	s.buffered = (s.buffered + n) % 64
}

func (s *sha1Work) sum() int {
	if s.buffered < 56 {
		return s.blocks + 1
	}
	return s.blocks + 2
}

// TestCBCExtraHashConstant checks, for every body length and every
// padding length, that the inner hash compresses the same number of blocks
// once cbcExtraHash's dummy bytes are fed, and that they fit cbcMaxExtra.
func TestCBCExtraHashConstant(t *testing.T) {
	for _, l := range bodyLengths() {
		maxData := l - cbcMACLen - 1
		want := -1
		for toRemove := 1; toRemove <= min(cbcMaxPadding, l-cbcMACLen); toRemove++ {
			dataLen := l - cbcMACLen - toRemove
			extra := cbcExtraHash(dataLen, maxData)
			if extra < 0 || extra > cbcMaxExtra {
				t.Fatalf("body %d, data %d: %d extra bytes", l, dataLen, extra)
			}
			total := finishWork(64+13+dataLen, extra)
			if want == -1 {
				want = total
				if want != sha1Blocks(64+13+maxData) {
					t.Fatalf("body %d: %d blocks for the longest data, want %d", l, want, sha1Blocks(64+13+maxData))
				}
			}
			if total != want {
				t.Fatalf("body %d, data %d: %d blocks, want %d", l, dataLen, total, want)
			}
		}
	}
}

// finishWork is the number of compressions of writing m bytes, summing,
// then writing extra more bytes.
func finishWork(m, extra int) int {
	var s sha1Work
	s.write(m)
	final := s.sum() - s.blocks
	s.write(extra)
	return s.blocks + final
}

// countingHash wraps SHA-1 and counts its compressions per sha1Work.
type countingHash struct {
	hash.Hash
	work  sha1Work
	total *int
}

func (c *countingHash) Write(p []byte) (int, error) {
	before := c.work.blocks
	c.work.write(len(p))
	*c.total += c.work.blocks - before
	return c.Hash.Write(p)
}

func (c *countingHash) Sum(b []byte) []byte {
	*c.total += c.work.sum() - c.work.blocks
	return c.Hash.Sum(b)
}

func (c *countingHash) Reset() {
	c.work = sha1Work{}
	c.Hash.Reset()
}

// TestCBC12ConstantWork opens records of a few lengths with every padding
// length, and malformed ones, and checks that the MAC costs the same
// number of SHA-1 compressions for each length.
func TestCBC12ConstantWork(t *testing.T) {
	var total int
	newHash := func() hash.Hash { return &countingHash{Hash: sha1.New(), total: &total} }
	for _, l := range []int{32, 48, 64, 112, 256, 288, 304, 1024, MaxPlaintext + cbcBlockSize} {
		t.Run(fmt.Sprint(l), func(t *testing.T) {
			w, r := cbcPairHash(t, wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, newHash)
			want := -1
			check := func(what string, rec []byte, ok bool) {
				t.Helper()
				total = 0
				_, _, err := r.Open(rec)
				if (err == nil) != ok {
					t.Fatalf("%s: %v", what, err)
				}
				if ok {
					r.seq.n--
				}
				if want == -1 {
					want = total
				}
				if total != want {
					t.Fatalf("%s: %d compressions, want %d", what, total, want)
				}
			}
			for n := 1; n <= min(cbcMaxPadding, l-cbcMACLen); n++ {
				rec := sealCustom(w, wire.ContentApplicationData, make([]byte, l-cbcMACLen-n), padding(n))
				w.seq.n--
				check(fmt.Sprintf("padding %d", n), rec, true)
				rec = sealCustom(w, wire.ContentApplicationData, make([]byte, l-cbcMACLen-n), padding(n))
				w.seq.n--
				rec[len(rec)-1-cbcMACLen-n] ^= 1 // garbles the data or the MAC
				check(fmt.Sprintf("padding %d, tampered", n), rec, false)
			}
			bad := make([]byte, l)
			bad[l-1] = 255
			check("padding too long", encryptBody(w, wire.ContentApplicationData, bad), false)
			w.seq.n--
			bad[l-1] = 3
			check("padding wrong", encryptBody(w, wire.ContentApplicationData, bad), false)
		})
	}
}

// TestCBCPaddingAgainstReference compares cbcPadding with a plain check on
// bodies ending in every possible byte with every possible fill.
func TestCBCPaddingAgainstReference(t *testing.T) {
	for _, l := range []int{21, 32, 48, 255, 276, 277, 300, 512} {
		for last := range 256 {
			for _, fill := range []int{last, last ^ 1, 0} {
				plain := bytes.Repeat([]byte{byte(fill)}, l)
				plain[l-1] = byte(last)
				wantOK := last+1+cbcMACLen <= l && fill == last || last == 0 && l >= 1+cbcMACLen
				toRemove, good := cbcPadding(plain)
				want := 1
				if wantOK {
					want = last + 1
				}
				if (good == 1) != wantOK || toRemove != want {
					t.Fatalf("len %d last %d fill %d: %d %d, want %d %v", l, last, fill, toRemove, good, want, wantOK)
				}
			}
		}
	}
}

// TestCBCCopyMAC checks cbcCopyMAC at every legal MAC position.
func TestCBCCopyMAC(t *testing.T) {
	for _, l := range []int{21, 32, 48, 276, 277, 300, 1024} {
		plain := make([]byte, l)
		for i := range plain {
			plain[i] = byte(i*7 + 3)
		}
		for macStart := max(0, l-cbcMACLen-cbcMaxPadding); macStart <= l-cbcMACLen; macStart++ {
			var got [cbcMACLen]byte
			cbcCopyMAC(&got, plain, macStart)
			if !bytes.Equal(got[:], plain[macStart:macStart+cbcMACLen]) {
				t.Fatalf("len %d at %d: %x", l, macStart, got)
			}
		}
	}
}
