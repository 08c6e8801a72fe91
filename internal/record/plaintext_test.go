package record

import (
	"bytes"
	"testing"

	"gotls/internal/wire"
)

func TestPlaintext(t *testing.T) {
	p := Plaintext(wire.VersionTLS10)
	if p.Encrypted() || p.NeedsRekey() || p.Overhead() != HeaderLen {
		t.Error("plaintext protector properties wrong")
	}
	rec := p.Seal(nil, wire.ContentHandshake, []byte{1, 0, 0, 0}, 99)
	if want := []byte{22, 3, 1, 0, 4, 1, 0, 0, 0}; !bytes.Equal(rec, want) {
		t.Fatalf("Seal = %x, want %x", rec, want)
	}
	typ, frag, err := Plaintext(wire.VersionTLS12).Open(rec)
	if err != nil || typ != wire.ContentHandshake || !bytes.Equal(frag, []byte{1, 0, 0, 0}) {
		t.Fatalf("Open = %v %x %v", typ, frag, err)
	}
	full := p.Seal(nil, wire.ContentApplicationData, make([]byte, MaxPlaintext), 0)
	if _, _, err := p.Open(full); err != nil {
		t.Errorf("largest plaintext record: %v", err)
	}
	over := append([]byte{23, 3, 3, 0x40, 0x01}, make([]byte, MaxPlaintext+1)...)
	if _, _, err := p.Open(over); alertOf(err) != wire.AlertRecordOverflow {
		t.Errorf("oversize plaintext record: %v", err)
	}
	if _, _, err := p.Open([]byte{22, 3, 3, 0, 5, 1}); alertOf(err) != wire.AlertInternalError {
		t.Errorf("mis-framed record: %v", err)
	}
	assertPanics(t, func() { p.Seal(nil, wire.ContentHandshake, make([]byte, MaxPlaintext+1), 0) })
}

func TestParseHeader(t *testing.T) {
	typ, vers, n := ParseHeader([]byte{22, 3, 1, 0x12, 0x34, 0xff})
	if typ != wire.ContentHandshake || vers != wire.VersionTLS10 || n != 0x1234 {
		t.Errorf("ParseHeader = %v %v %d", typ, vers, n)
	}
}
