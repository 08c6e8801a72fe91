package keysched

import (
	"bytes"
	"crypto"
	"crypto/sha512"
	"strings"
	"testing"
)

func TestExpandLabelPanicsOnBadArguments(t *testing.T) {
	secret := make([]byte, 32)
	for _, c := range []struct {
		name    string
		label   string
		context []byte
		length  int
	}{
		{"label too long", strings.Repeat("a", MaxLabelLen+1), nil, 32},
		{"context too long", "x", make([]byte, 256), 32},
		{"negative length", "x", nil, -1},
		{"length over uint16", "x", nil, 0x10000},
		{"length over HKDF limit", "x", nil, 255*32 + 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			ExpandLabel(crypto.SHA256, secret, c.label, c.context, c.length)
		})
	}
	// The longest label and context are accepted.
	ExpandLabel(crypto.SHA256, secret, strings.Repeat("a", MaxLabelLen), make([]byte, 255), 255*32)
}

func TestValidateExport(t *testing.T) {
	for _, c := range []struct {
		label   string
		context []byte
		length  int
		ok      bool
	}{
		{"EXPERIMENTAL my label", nil, 32, true},
		{"EXPERIMENTAL my label", make([]byte, 0xffff), 255 * 32, true},
		{"master secret", nil, 32, false},
		{"key expansion", nil, 32, false},
		{"extended master secret", nil, 32, false},
		{"client finished", nil, 32, false},
		{"server finished", nil, 32, false},
		{strings.Repeat("a", MaxLabelLen+1), nil, 32, false},
		{"x", make([]byte, 0x10000), 32, false},
		{"x", nil, -1, false},
		{"x", nil, 255*32 + 1, false},
	} {
		err := ValidateExport(crypto.SHA256, c.label, c.context, c.length)
		if (err == nil) != c.ok {
			t.Errorf("ValidateExport(%.20q, %d, %d) = %v, want ok=%v", c.label, len(c.context), c.length, err, c.ok)
		}
	}
}

// TestSHA384Schedule checks that the hash follows every secret: lengths are
// those of SHA-384 all the way down.
func TestSHA384Schedule(t *testing.T) {
	h := crypto.SHA384
	th := make([]byte, 48)
	early := NewEarlySecret(h, nil)
	ms := early.HandshakeSecret(nil).MasterSecret()
	ap := ms.ClientApplicationTrafficSecret(th)
	key, iv := ap.TrafficKeys(32)
	for name, b := range map[string][]byte{
		"early": early.s.b, "binder": early.ResumptionBinderKey(), "master": ms.s.b,
		"ap": ap.Bytes(), "ap next": ap.Next().Bytes(), "finished key": ap.FinishedKey(),
		"psk": ms.ResumptionMasterSecret(th).PSK([]byte{1}), "mac": FinishedMAC(h, ap.FinishedKey(), th),
	} {
		if len(b) != 48 {
			t.Errorf("%s: %d bytes, want 48", name, len(b))
		}
	}
	if len(key) != 32 || len(iv) != 12 {
		t.Errorf("traffic keys: %d/%d bytes, want 32/12", len(key), len(iv))
	}
	if ap.Hash() != h || ms.Hash() != h || early.Hash() != h {
		t.Error("hash not carried along")
	}
}

// TestDistinctLabels checks that secrets that share a parent and a
// transcript differ, and that nil and zero inputs are equivalent.
func TestDistinctLabels(t *testing.T) {
	h := crypto.SHA256
	th := sum256([]byte("transcript"))
	early := NewEarlySecret(h, nil)
	hs := early.HandshakeSecret(make([]byte, 32))
	ms := hs.MasterSecret()
	values := map[string][]byte{
		"res binder":  early.ResumptionBinderKey(),
		"ext binder":  early.ExternalBinderKey(),
		"c e traffic": early.ClientEarlyTrafficSecret(th).Bytes(),
		"e exp":       early.EarlyExporterMasterSecret(th).Bytes(),
		"c hs":        hs.ClientHandshakeTrafficSecret(th).Bytes(),
		"s hs":        hs.ServerHandshakeTrafficSecret(th).Bytes(),
		"c ap":        ms.ClientApplicationTrafficSecret(th).Bytes(),
		"s ap":        ms.ServerApplicationTrafficSecret(th).Bytes(),
		"exp":         ms.ExporterMasterSecret(th).Bytes(),
		"c ap next":   ms.ClientApplicationTrafficSecret(th).Next().Bytes(),
	}
	seen := map[string]string{}
	for name, v := range values {
		if other, dup := seen[string(v)]; dup {
			t.Errorf("%s equals %s", name, other)
		}
		seen[string(v)] = name
	}
	if !bytes.Equal(NewEarlySecret(h, make([]byte, 32)).s.b, early.s.b) {
		t.Error("nil PSK differs from zero PSK")
	}
	if !bytes.Equal(early.HandshakeSecret(nil).s.b, hs.s.b) {
		t.Error("nil shared secret differs from zero shared secret")
	}
}

// TestKeyUpdate checks Next against its definition in RFC 8446,
// Section 7.2, and that it chains.
func TestKeyUpdate(t *testing.T) {
	h := crypto.SHA256
	ap := NewEarlySecret(h, nil).HandshakeSecret(nil).MasterSecret().ServerApplicationTrafficSecret(sum256())
	n1 := ap.Next()
	if want := ExpandLabel(h, ap.Bytes(), "traffic upd", nil, 32); !bytes.Equal(n1.Bytes(), want) {
		t.Errorf("Next = %x, want %x", n1.Bytes(), want)
	}
	n2 := n1.Next()
	if bytes.Equal(n2.Bytes(), n1.Bytes()) || bytes.Equal(n2.Bytes(), ap.Bytes()) {
		t.Error("Next does not advance")
	}
}

func TestBytesIsACopy(t *testing.T) {
	ap := NewEarlySecret(crypto.SHA256, nil).HandshakeSecret(nil).MasterSecret().ClientApplicationTrafficSecret(sum256())
	b := ap.Bytes()
	b[0] ^= 0xff
	if bytes.Equal(b, ap.Bytes()) {
		t.Error("Bytes exposes the secret's storage")
	}
}

func TestExportDefinition(t *testing.T) {
	h := crypto.SHA256
	ems := NewEarlySecret(h, nil).HandshakeSecret(nil).MasterSecret().ExporterMasterSecret(sum256())
	derived := ExpandLabel(h, ems.Bytes(), "my label", sum256(), 32)
	want := ExpandLabel(h, derived, "exporter", sum256([]byte("ctx")), 20)
	if got := ems.Export("my label", []byte("ctx"), 20); !bytes.Equal(got, want) {
		t.Errorf("Export = %x, want %x", got, want)
	}
	if !bytes.Equal(ems.Export("l", nil, 16), ems.Export("l", []byte{}, 16)) {
		t.Error("nil and empty context differ in TLS 1.3")
	}
}

func TestTranscript(t *testing.T) {
	ch1 := []byte{1, 0, 0, 2, 0xaa, 0xbb}
	hrr := []byte{2, 0, 0, 1, 0xcc}
	ch2 := []byte{1, 0, 0, 1, 0xdd}
	for _, c := range []struct {
		name string
		h    crypto.Hash
	}{{"sha256", crypto.SHA256}, {"sha384", crypto.SHA384}} {
		t.Run(c.name, func(t *testing.T) {
			// Writing before or after SetHash gives the same hash.
			early, late := NewTranscript(), NewTranscript()
			early.Write(ch1)
			early.Write(hrr)
			early.SetHash(c.h)
			late.SetHash(c.h)
			late.Write(ch1)
			late.Write(hrr)
			if !bytes.Equal(early.Sum(), late.Sum()) {
				t.Error("buffered and direct writes differ")
			}
			if early.Hash() != c.h {
				t.Error("Hash() wrong")
			}
			// Sum does not finish the transcript.
			early.Sum()
			early.Write(ch2)
			late.Write(ch2)
			if !bytes.Equal(early.Sum(), late.Sum()) {
				t.Error("Sum disturbed the transcript")
			}
		})
	}
}

func TestTranscriptMessageHash(t *testing.T) {
	ch1 := []byte{1, 0, 0, 2, 0xaa, 0xbb}
	hrr := []byte{2, 0, 0, 1, 0xcc}
	for _, c := range []struct {
		h   crypto.Hash
		sum func(...[]byte) []byte
	}{
		{crypto.SHA256, sum256},
		{crypto.SHA384, func(m ...[]byte) []byte {
			d := sha512.New384()
			for _, b := range m {
				d.Write(b)
			}
			return d.Sum(nil)
		}},
	} {
		tr := NewTranscript()
		tr.Write(ch1)
		tr.SetHash(c.h)
		tr.ReplaceWithMessageHash()
		tr.Write(hrr)
		inner := c.sum(ch1)
		want := c.sum([]byte{254, 0, 0, byte(len(inner))}, inner, hrr)
		if got := tr.Sum(); !bytes.Equal(got, want) {
			t.Errorf("%v: message_hash transcript = %x, want %x", c.h, got, want)
		}
	}
}

func TestTranscriptMisuse(t *testing.T) {
	for name, f := range map[string]func(*Transcript){
		"Sum before SetHash":     func(tr *Transcript) { tr.Sum() },
		"SumWith before SetHash": func(tr *Transcript) { tr.SumWith(nil) },
		"message_hash early":     func(tr *Transcript) { tr.ReplaceWithMessageHash() },
		"hash change": func(tr *Transcript) {
			tr.SetHash(crypto.SHA256)
			tr.SetHash(crypto.SHA384)
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f(NewTranscript())
		})
	}
	// Setting the same hash twice is harmless.
	tr := NewTranscript()
	tr.Write([]byte{1})
	tr.SetHash(crypto.SHA256)
	tr.SetHash(crypto.SHA256)
	if !bytes.Equal(tr.Sum(), sum256([]byte{1})) {
		t.Error("second SetHash replayed the buffer")
	}
}

func TestKeyLogLine(t *testing.T) {
	got := KeyLogLine(LabelClientHandshake, []byte{0x01, 0xab}, []byte{0xff, 0x00, 0x10})
	if want := "CLIENT_HANDSHAKE_TRAFFIC_SECRET 01ab ff0010\n"; got != want {
		t.Errorf("KeyLogLine = %q, want %q", got, want)
	}
}
