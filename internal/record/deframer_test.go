package record

import (
	"bytes"
	"testing"

	"gotls/internal/wire"
)

// makeRecord returns a record header and a body of n bytes of value typ.
func makeRecord(typ wire.ContentType, n int) []byte {
	return append([]byte{byte(typ), 3, 3, byte(n >> 8), byte(n)}, bytes.Repeat([]byte{byte(typ)}, n)...)
}

// drain feeds stream to d in chunks of the given size and returns the
// records it yields and the first error.
func drain(d *Deframer, stream []byte, chunk int) ([][]byte, error) {
	var out [][]byte
	for {
		end := min(chunk, len(stream))
		n := d.Feed(stream[:end])
		stream = stream[n:]
		rec, err := d.Next()
		if err != nil {
			return out, err
		}
		if rec != nil {
			out = append(out, bytes.Clone(rec))
			d.Release()
			continue
		}
		if len(stream) == 0 {
			return out, nil
		}
	}
}

func TestDeframerChunking(t *testing.T) {
	recs := [][]byte{
		makeRecord(wire.ContentHandshake, 100),
		makeRecord(wire.ContentChangeCipherSpec, 1),
		makeRecord(wire.ContentApplicationData, 0),
		makeRecord(wire.ContentApplicationData, MaxCiphertext12),
		makeRecord(wire.ContentAlert, 2),
	}
	stream := bytes.Join(recs, nil)
	for _, chunk := range []int{1, 2, 4, 5, 6, 7, 100, 4096, len(stream)} {
		var d Deframer
		got, err := drain(&d, stream, chunk)
		if err != nil {
			t.Fatalf("chunk %d: %v", chunk, err)
		}
		if len(got) != len(recs) {
			t.Fatalf("chunk %d: %d records, want %d", chunk, len(got), len(recs))
		}
		for i := range recs {
			if !bytes.Equal(got[i], recs[i]) {
				t.Errorf("chunk %d: record %d differs", chunk, i)
			}
		}
		if d.Buffered() != 0 {
			t.Errorf("chunk %d: %d bytes left", chunk, d.Buffered())
		}
	}
}

// TestDeframerOneRecordAtATime checks that one Feed of several records
// takes only the first, and that nothing more is taken until Release.
func TestDeframerOneRecordAtATime(t *testing.T) {
	a, b := makeRecord(wire.ContentHandshake, 10), makeRecord(wire.ContentAlert, 2)
	stream := append(bytes.Clone(a), b...)
	var d Deframer
	if n := d.Feed(stream); n != len(a) {
		t.Fatalf("Feed took %d, want %d", n, len(a))
	}
	if n := d.Feed(stream[len(a):]); n != 0 {
		t.Fatalf("Feed took %d while a record is held", n)
	}
	rec, err := d.Next()
	if err != nil || !bytes.Equal(rec, a) {
		t.Fatalf("Next = %x, %v", rec, err)
	}
	// Next is idempotent until Release.
	if again, _ := d.Next(); !bytes.Equal(again, a) {
		t.Fatal("second Next differs")
	}
	d.Release()
	if n := d.Feed(stream[len(a):]); n != len(b) {
		t.Fatalf("Feed took %d, want %d", n, len(b))
	}
	if rec, _ := d.Next(); !bytes.Equal(rec, b) {
		t.Fatal("second record wrong")
	}
}

func TestDeframerPartial(t *testing.T) {
	var d Deframer
	rec := makeRecord(wire.ContentHandshake, 10)
	for i, b := range rec[:len(rec)-1] {
		if d.Feed([]byte{b}) != 1 {
			t.Fatal("byte not taken")
		}
		if got, err := d.Next(); got != nil || err != nil {
			t.Fatalf("after %d bytes: %x, %v", i+1, got, err)
		}
		d.Release() // no effect on an incomplete record
		if d.Buffered() != i+1 {
			t.Fatalf("Buffered = %d, want %d", d.Buffered(), i+1)
		}
	}
	d.Feed(rec[len(rec)-1:])
	if got, _ := d.Next(); !bytes.Equal(got, rec) {
		t.Fatal("record wrong")
	}
}

func TestDeframerErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		max    int
		header []byte
		want   wire.Alert
	}{
		{"over default limit", 0, []byte{23, 3, 3, 0x48, 0x01}, wire.AlertRecordOverflow},
		{"over TLS 1.3 limit", MaxCiphertext13, []byte{23, 3, 3, 0x41, 0x01}, wire.AlertRecordOverflow},
		{"over small limit", 100, []byte{22, 3, 3, 0, 101}, wire.AlertRecordOverflow},
		{"unknown type", 0, []byte{24, 3, 3, 0, 1}, wire.AlertUnexpectedMessage},
		{"http request", 0, []byte("GET / HTTP/1.1\r\n"), wire.AlertUnexpectedMessage},
		{"zero type", 0, []byte{0, 0, 0, 0, 0}, wire.AlertUnexpectedMessage},
	} {
		t.Run(c.name, func(t *testing.T) {
			var d Deframer
			d.SetMaxCiphertext(c.max)
			n := d.Feed(c.header)
			if n != HeaderLen {
				t.Errorf("Feed took %d bytes, want the header only", n)
			}
			_, err := d.Next()
			if alertOf(err) != c.want {
				t.Fatalf("Next: %v, want %v", err, c.want)
			}
			// The error is sticky.
			if d.Feed([]byte{1, 2, 3}) != 0 {
				t.Error("Feed took bytes after an error")
			}
			d.Release()
			if _, err2 := d.Next(); err2 != err {
				t.Error("error not sticky")
			}
		})
	}
}

func TestDeframerLimits(t *testing.T) {
	for _, c := range []struct {
		set, length int
		ok          bool
	}{
		{0, MaxCiphertext12, true},
		{-1, MaxCiphertext12, true},
		{MaxCiphertext12 + 1, MaxCiphertext12, true},
		{MaxCiphertext13, MaxCiphertext13, true},
		{MaxCiphertext13, MaxCiphertext13 + 1, false},
		{1, 1, true},
		{1, 2, false},
	} {
		var d Deframer
		d.SetMaxCiphertext(c.set)
		recs, err := drain(&d, makeRecord(wire.ContentApplicationData, c.length), 1000)
		if c.ok != (err == nil && len(recs) == 1) {
			t.Errorf("limit %d, length %d: %d records, %v", c.set, c.length, len(recs), err)
		}
	}
}
