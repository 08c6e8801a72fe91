package record

import (
	"bytes"
	"testing"

	"gotls/internal/wire"
)

// TestNoAllocations checks that sealing into a buffer with room and
// opening in place allocate nothing, for every protector.
func TestNoAllocations(t *testing.T) {
	type pair struct {
		name string
		w, r Protector
	}
	var pairs []pair
	for _, id := range suites13 {
		w, r := pair13(t, id)
		pairs = append(pairs, pair{id.String(), w, r})
	}
	for _, id := range suites12 {
		w, r := pair12(t, id)
		pairs = append(pairs, pair{"1.2 " + id.String(), w, r})
	}
	pairs = append(pairs, pair{"plaintext", Plaintext(wire.VersionTLS12), Plaintext(wire.VersionTLS12)})

	payload := bytes.Repeat([]byte{0x5a}, 1200)
	buf := make([]byte, 0, HeaderLen+MaxCiphertext12)
	for _, p := range pairs {
		allocs := testing.AllocsPerRun(100, func() {
			rec := p.w.Seal(buf[:0], wire.ContentApplicationData, payload, 16)
			if _, _, err := p.r.Open(rec); err != nil {
				panic(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per record", p.name, allocs)
		}
	}
}

// TestDeframerNoAllocations checks that deframing allocates nothing.
func TestDeframerNoAllocations(t *testing.T) {
	d := new(Deframer)
	stream := bytes.Repeat(makeRecord(wire.ContentApplicationData, 1000), 4)
	allocs := testing.AllocsPerRun(100, func() {
		s := stream
		for len(s) > 0 {
			s = s[d.Feed(s):]
			if rec, err := d.Next(); err != nil || rec == nil {
				panic("deframer failed")
			}
			d.Release()
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run", allocs)
	}
}
