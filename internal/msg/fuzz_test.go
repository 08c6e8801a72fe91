package msg

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"gotls/internal/wire"
)

// FuzzParse feeds arbitrary messages of every type, in both version forms,
// to Parse. Errors must be *wire.Error values; a parsed message must
// re-marshal without panicking, and what it marshals must parse back to
// the same fields.
func FuzzParse(f *testing.F) {
	for _, s := range samples() {
		raw, err := s.m.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, s.version == wire.VersionTLS13)
	}
	f.Fuzz(func(t *testing.T, data []byte, tls13 bool) {
		v := wire.VersionTLS12
		if tls13 {
			v = wire.VersionTLS13
		}
		checkParse(t, data, v)
	})
}

// FuzzClientHello fuzzes ClientHello bodies, which a server parses from
// unauthenticated peers.
func FuzzClientHello(f *testing.F) {
	for _, s := range samples() {
		if ch, ok := s.m.(*ClientHello); ok {
			raw, err := ch.Marshal()
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw[HeaderLen:])
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		raw := withBody(byte(wire.HandshakeClientHello), body)
		m := checkParse(t, raw, 0)
		ch, ok := m.(*ClientHello)
		if !ok {
			return
		}
		n := ch.BindersLen()
		if n > len(ch.Raw) || len(ch.TruncatedForBinders())+n != len(ch.Raw) {
			t.Fatalf("BindersLen %d does not fit a %d-byte message", n, len(ch.Raw))
		}
		if n > 0 && ch.Extensions[len(ch.Extensions)-1] != wire.ExtPreSharedKey {
			t.Fatalf("pre_shared_key parsed but not last")
		}
		if err := ch.SetBinders(ch.PSKBinders); n > 0 && err != nil {
			t.Fatalf("SetBinders with the same binders: %v", err)
		}
	})
}

// checkParse parses raw and checks the properties both fuzz targets share.
// It returns the message re-parsed from its own encoding, or nil.
func checkParse(t *testing.T, raw []byte, v wire.Version) Message {
	m, err := Parse(raw, v)
	if err != nil {
		var we *wire.Error
		if !errors.As(err, &we) {
			t.Fatalf("error %v is not a *wire.Error", err)
		}
		return nil
	}
	if !reflect.DeepEqual(rawOf(m), raw) {
		t.Fatalf("Raw differs from the input")
	}
	want, _ := Parse(raw, v)
	out, err := m.Marshal()
	if err != nil {
		return nil
	}
	again, err := Parse(out, v)
	if err != nil {
		t.Fatalf("re-marshaled %v does not parse: %v\n in: %x\nout: %x", m.Type(), err, raw, out)
	}
	normalize(want)
	normalize(again)
	if !reflect.DeepEqual(want, again) {
		t.Fatalf("re-marshaled %v parses differently:\n got %#v\nwant %#v", m.Type(), again, want)
	}
	return m
}

// normalize clears the fields that legitimately change when a parsed
// message is marshaled again: Raw and the extension lists (gotls drops
// unknown extensions and uses its own order).
func normalize(m Message) {
	v := reflect.ValueOf(m).Elem()
	v.FieldByName("Raw").SetZero()
	if f := v.FieldByName("Extensions"); f.IsValid() {
		f.SetZero()
	}
	if c, ok := m.(*Certificate); ok {
		for i := range c.Entries {
			c.Entries[i].Extensions = nil
		}
	}
	if ch, ok := m.(*ClientHello); ok {
		// A TLS 1.3-only extension that failed is not marshaled again.
		ch.tls13Err = nil
	}
}

// TestWriteFuzzSeeds regenerates the seed corpora in testdata/fuzz when
// GOTLS_WRITE_FUZZ_SEEDS is set; otherwise it is skipped.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("GOTLS_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set GOTLS_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz")
	}
	for _, s := range samples() {
		raw, err := s.m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		writeSeed(t, "FuzzParse", s.name, quoteBytes(raw), fmt.Sprintf("bool(%v)", s.version == wire.VersionTLS13))
		if _, ok := s.m.(*ClientHello); ok {
			writeSeed(t, "FuzzClientHello", s.name, quoteBytes(raw[HeaderLen:]))
		}
	}
	for name, m := range capturedMessages(t) {
		raw := rawOf(m)
		tls13 := name[:5] == "tls13"
		writeSeed(t, "FuzzParse", name, quoteBytes(raw), fmt.Sprintf("bool(%v)", tls13))
		if m.Type() == wire.HandshakeClientHello {
			writeSeed(t, "FuzzClientHello", name, quoteBytes(raw[HeaderLen:]))
		}
	}
	for _, c := range parseErrorCases() {
		writeSeed(t, "FuzzParse", "bad_"+c.name, quoteBytes(c.raw), fmt.Sprintf("bool(%v)", c.version == wire.VersionTLS13))
	}
}

func quoteBytes(b []byte) string { return "[]byte(" + strconv.Quote(string(b)) + ")" }

func writeSeed(t *testing.T, target, name string, values ...string) {
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	data := "go test fuzz v1\n"
	for _, v := range values {
		data += v + "\n"
	}
	file := filepath.Join(dir, "seed_"+strings.NewReplacer("/", "_", " ", "_", ".", "_").Replace(name))
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// capturedMessages runs crypto/tls handshakes (TLS 1.3 with client auth,
// resumption and HelloRetryRequest; TLS 1.2) and returns every message
// they exchanged, named by version, direction and position.
func capturedMessages(t *testing.T) map[string]Message {
	serverCert, clientCert := selfSigned(t, "seed.example"), selfSigned(t, "client")
	client := &tls.Config{InsecureSkipVerify: true, ServerName: "seed.example", NextProtos: []string{"h2"},
		Certificates: []tls.Certificate{clientCert}, ClientSessionCache: tls.NewLRUClientSessionCache(4)}
	server := &tls.Config{Certificates: []tls.Certificate{serverCert}, NextProtos: []string{"h2"},
		ClientAuth: tls.RequireAnyClientCert}
	out := map[string]Message{}
	add := func(prefix string, msgs []Message) {
		for i, m := range msgs {
			out[fmt.Sprintf("%s_%d_%v", prefix, i, m.Type())] = m
		}
	}
	c, s := decode13(t, runTLS(t, client, server))
	add("tls13_full_c", c)
	add("tls13_full_s", s)
	c, _ = decode13(t, runTLS(t, client, server))
	add("tls13_resume_c", c)
	hrrServer := server.Clone()
	hrrServer.CurvePreferences = []tls.CurveID{tls.CurveP384}
	c, s = decode13(t, runTLS(t, client.Clone(), hrrServer))
	add("tls13_hrr_c", c)
	add("tls13_hrr_s", s)
	client12, server12 := client.Clone(), server.Clone()
	client12.MaxVersion, server12.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	capt := runTLS(t, client12, server12)
	add("tls12_c", (&flight{t: t, version: wire.VersionTLS12}).run(capt.c2s))
	add("tls12_s", (&flight{t: t, version: wire.VersionTLS12}).run(capt.s2c))
	return out
}
