package msg

import (
	"bytes"
	"testing"

	"gotls/internal/wire"
)

func TestBinders(t *testing.T) {
	m := fullClientHello()
	raw, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// Two binders of 32 and 48 bytes: 2 + (1+32) + (1+48).
	if got := m.BindersLen(); got != 84 {
		t.Fatalf("BindersLen = %d, want 84", got)
	}
	truncated := bytes.Clone(m.TruncatedForBinders())
	if !bytes.Equal(truncated, raw[:len(raw)-84]) {
		t.Fatalf("TruncatedForBinders is not Raw minus the binders")
	}
	newBinders := [][]byte{fill(32, 0xa1), fill(48, 0xa2)}
	if err := m.SetBinders(newBinders); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.TruncatedForBinders(), truncated) {
		t.Errorf("SetBinders changed the truncated message")
	}
	got := mustParse(t, m.Raw, 0).(*ClientHello)
	for i := range newBinders {
		if !bytes.Equal(got.PSKBinders[i], newBinders[i]) || !bytes.Equal(m.PSKBinders[i], newBinders[i]) {
			t.Errorf("binder %d not replaced", i)
		}
	}
	bad := [][][]byte{
		{fill(32, 1)},
		{fill(32, 1), fill(32, 2)},
		{fill(32, 1), fill(48, 2), fill(32, 3)},
	}
	for _, b := range bad {
		if err := m.SetBinders(b); !isAlert(err, wire.AlertInternalError) {
			t.Errorf("SetBinders(%d binders) = %v, want internal_error", len(b), err)
		}
	}
	unmarshaled := fullClientHello()
	if err := unmarshaled.SetBinders(newBinders); err == nil {
		t.Errorf("SetBinders without Raw succeeded")
	}
	plain := minimalClientHello()
	if _, err := plain.Marshal(); err != nil {
		t.Fatal(err)
	}
	if plain.BindersLen() != 0 || !bytes.Equal(plain.TruncatedForBinders(), plain.Raw) {
		t.Errorf("a ClientHello without PSK has binders")
	}
	if err := plain.SetBinders(nil); err == nil {
		t.Errorf("SetBinders on a ClientHello without PSK succeeded")
	}
}
