package record

import (
	"bytes"
	"testing"

	"gotls/internal/wire"
)

// refSplit is a plain reference deframer: the whole records at the start
// of data, and the alert of the first bad header, if any.
func refSplit(data []byte, limit int) ([][]byte, wire.Alert, bool) {
	var recs [][]byte
	for len(data) >= HeaderLen {
		typ, _, n := ParseHeader(data)
		if !knownContentType(typ) {
			return recs, wire.AlertUnexpectedMessage, true
		}
		if n > limit {
			return recs, wire.AlertRecordOverflow, true
		}
		if len(data) < HeaderLen+n {
			break
		}
		recs = append(recs, data[:HeaderLen+n])
		data = data[HeaderLen+n:]
	}
	return recs, 0, false
}

// FuzzDeframer feeds random bytes in random chunks: the Deframer must
// never panic, never hold more than one record, and agree with refSplit.
func FuzzDeframer(f *testing.F) {
	f.Add(makeRecord(wire.ContentHandshake, 10), []byte{1, 2, 3}, uint16(0))
	f.Fuzz(func(t *testing.T, data, chunks []byte, limit uint16) {
		var d Deframer
		d.SetMaxCiphertext(int(limit))
		want, wantAlert, wantErr := refSplit(data, d.limit())
		var got [][]byte
		rest := data
		for i := 0; ; i++ {
			size := len(rest)
			if len(chunks) > 0 {
				size = int(chunks[i%len(chunks)]) + 1
			}
			n := d.Feed(rest[:min(size, len(rest))])
			rest = rest[n:]
			if d.Buffered() > HeaderLen+d.limit() {
				t.Fatalf("buffered %d bytes", d.Buffered())
			}
			rec, err := d.Next()
			if err != nil {
				if !wantErr || alertOf(err) != wantAlert {
					t.Fatalf("error %v, want alert %v (%v)", err, wantAlert, wantErr)
				}
				break
			}
			if rec != nil {
				if _, _, l := ParseHeader(rec); len(rec) != HeaderLen+l || l > d.limit() {
					t.Fatalf("bad record of %d bytes", len(rec))
				}
				got = append(got, bytes.Clone(rec))
				d.Release()
				continue
			}
			if len(rest) == 0 {
				if wantErr {
					t.Fatalf("no error, want %v", wantAlert)
				}
				break
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%d records, want %d", len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("record %d differs", i)
			}
		}
	})
}

// validTypes are the content types a TLS 1.3 record may carry inside.
var validTypes = []wire.ContentType{wire.ContentAlert, wire.ContentHandshake, wire.ContentApplicationData}

// FuzzOpen13 opens arbitrary records, round-trips arbitrary payloads, and
// opens arbitrary inner plaintexts sealed around Seal's checks.
func FuzzOpen13(f *testing.F) {
	f.Add([]byte{23, 3, 3, 0, 17, 1, 2}, []byte("hello"), uint8(0), uint16(0))
	f.Fuzz(func(t *testing.T, rec, plain []byte, sel uint8, padding uint16) {
		id := suites13[int(sel)%len(suites13)]
		typ := validTypes[int(sel/3)%len(validTypes)]

		// Arbitrary bytes never panic; only a record sealed with the test
		// key opens.
		_, r := pair13(t, id)
		if gotTyp, _, err := r.Open(bytes.Clone(rec)); err == nil {
			if gotTyp != wire.ContentAlert && gotTyp != wire.ContentHandshake && gotTyp != wire.ContentApplicationData {
				t.Fatalf("opened a record of type %v", gotTyp)
			}
		} else if _, ok := err.(*wire.Error); !ok {
			t.Fatalf("error %T is not a *wire.Error", err)
		}

		// Seal and Open agree.
		payload := plain[:min(len(plain), MaxPlaintext)]
		w, r := pair13(t, id)
		sealed := w.Seal(nil, typ, payload, int(padding))
		gotTyp, got, err := r.Open(sealed)
		if err != nil || gotTyp != typ || !bytes.Equal(got, payload) {
			t.Fatalf("round trip: %v %v", gotTyp, err)
		}

		// Any authentic inner plaintext opens to its content or to the
		// right alert.
		if len(plain) > MaxCiphertext13-16 {
			return
		}
		_, r = pair13(t, id)
		gotTyp, got, err = r.Open(sealRaw(t, id, plain))
		checkInner(t, plain, gotTyp, got, err)
	})
}

// checkInner compares the result of opening an inner plaintext with what
// RFC 8446, Section 5.4 demands.
func checkInner(t *testing.T, inner []byte, typ wire.ContentType, got []byte, err error) {
	t.Helper()
	content := bytes.TrimRight(inner, "\x00")
	var want wire.Alert
	switch {
	case len(inner) > MaxPlaintext+1:
		want = wire.AlertRecordOverflow
	case len(content) == 0:
		want = wire.AlertUnexpectedMessage
	default:
		last := wire.ContentType(content[len(content)-1])
		if last != wire.ContentAlert && last != wire.ContentHandshake && last != wire.ContentApplicationData {
			want = wire.AlertUnexpectedMessage
		}
	}
	if want != 0 {
		if alertOf(err) != want {
			t.Fatalf("inner plaintext of %d bytes: %v, want %v", len(inner), err, want)
		}
		return
	}
	if err != nil || typ != wire.ContentType(content[len(content)-1]) || !bytes.Equal(got, content[:len(content)-1]) {
		t.Fatalf("inner plaintext of %d bytes: %v %v", len(inner), typ, err)
	}
}

// FuzzOpen12 opens arbitrary records with a TLS 1.2 protector, which must
// never panic, and round-trips arbitrary payloads.
func FuzzOpen12(f *testing.F) {
	f.Add([]byte{23, 3, 3, 0, 24, 1, 2}, []byte("hello"), uint8(0))
	f.Fuzz(func(t *testing.T, rec, plain []byte, sel uint8) {
		id := suites12[int(sel)%len(suites12)]
		_, r := pair12(t, id)
		if _, _, err := r.Open(bytes.Clone(rec)); err != nil {
			if _, ok := err.(*wire.Error); !ok {
				t.Fatalf("error %T is not a *wire.Error", err)
			}
		}
		payload := plain[:min(len(plain), MaxPlaintext)]
		w, r := pair12(t, id)
		typ := validTypes[int(sel/3)%len(validTypes)]
		gotTyp, got, err := r.Open(w.Seal(nil, typ, payload, 0))
		if err != nil || gotTyp != typ || !bytes.Equal(got, payload) {
			t.Fatalf("round trip: %v %v", gotTyp, err)
		}
	})
}
