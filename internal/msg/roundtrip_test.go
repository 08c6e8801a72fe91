package msg

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"gotls/internal/wire"
)

func TestRoundTrip(t *testing.T) {
	for _, tt := range samples() {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := tt.m.Marshal()
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if got := rawOf(tt.m); !bytes.Equal(got, raw) {
				t.Fatalf("Marshal did not set Raw")
			}
			got, err := Parse(raw, tt.version)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !bytes.Equal(rawOf(got), raw) {
				t.Errorf("parsed Raw differs from input")
			}
			if &rawOf(got)[0] == &raw[0] {
				t.Errorf("parsed Raw aliases the input")
			}
			if !reflect.DeepEqual(got, tt.m) {
				t.Errorf("round trip mismatch:\n got %#v\nwant %#v", got, tt.m)
			}
			again, err := got.Marshal()
			if err != nil || !bytes.Equal(again, raw) {
				t.Errorf("re-marshal differs (err %v)", err)
			}
		})
	}
}

// rawOf returns the Raw field of any message.
func rawOf(m Message) []byte {
	return reflect.ValueOf(m).Elem().FieldByName("Raw").Bytes()
}

func TestMarshalExtensionOrder(t *testing.T) {
	m := fullClientHello()
	if _, err := m.Marshal(); err != nil {
		t.Fatal(err)
	}
	if last := m.Extensions[len(m.Extensions)-1]; last != wire.ExtPreSharedKey {
		t.Fatalf("last extension is %v, want pre_shared_key", last)
	}
	want := []wire.ExtensionType{wire.ExtServerName, wire.ExtStatusRequest, wire.ExtSupportedGroups,
		wire.ExtECPointFormats, wire.ExtSignatureAlgorithms, wire.ExtALPN, wire.ExtSignedCertificateTimestamp,
		wire.ExtExtendedMasterSecret, wire.ExtSessionTicket, wire.ExtSupportedVersions, wire.ExtCookie,
		wire.ExtPSKKeyExchangeModes, wire.ExtEarlyData, wire.ExtCertificateAuthorities,
		wire.ExtPostHandshakeAuth, wire.ExtSignatureAlgorithmsCert, wire.ExtKeyShare,
		wire.ExtRenegotiationInfo, wire.ExtPreSharedKey}
	if !reflect.DeepEqual(m.Extensions, want) {
		t.Fatalf("extensions %v\nwant %v", m.Extensions, want)
	}
}

// TestNoProperPrefixParses cuts every sample at every length: a cut
// message never parses, and a cut body with a matching header never
// panics and parses only where the syntax ends early on purpose.
func TestNoProperPrefixParses(t *testing.T) {
	for _, tt := range samples() {
		raw, err := tt.m.Marshal()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for n := 0; n < len(raw); n++ {
			if _, err := Parse(raw[:n], tt.version); !isAlert(err, wire.AlertDecodeError) {
				t.Errorf("%s: prefix of %d/%d bytes: err = %v, want decode_error", tt.name, n, len(raw), err)
			}
		}
		for k := 0; k < len(raw)-HeaderLen; k++ {
			cut := withBody(raw[0], raw[HeaderLen:HeaderLen+k])
			m, err := Parse(cut, tt.version)
			if err == nil {
				if !bodyPrefixMayParse(tt.m, k) {
					t.Errorf("%s: body prefix of %d bytes parsed", tt.name, k)
				}
				m.Marshal()
				continue
			}
			var we *wire.Error
			if !errors.As(err, &we) {
				t.Errorf("%s: body prefix of %d bytes: error %v is not a *wire.Error", tt.name, k, err)
			}
		}
	}
}

// bodyPrefixMayParse reports whether the first k body bytes of m are a
// valid message by themselves: opaque bodies, and hellos cut just before
// their optional extension block.
func bodyPrefixMayParse(m Message, k int) bool {
	switch m := m.(type) {
	case *Finished, *ServerKeyExchange, *ClientKeyExchange:
		return k > 0
	case *ClientHello:
		return k == 2+32+1+len(m.SessionID)+2+2*len(m.CipherSuites)+1+len(m.CompressionMethods)
	case *ServerHello:
		return k == 2+32+1+len(m.SessionID)+2+1
	}
	return false
}

// withBody returns a message of type t with the given body.
func withBody(t byte, body []byte) []byte {
	n := len(body)
	return append([]byte{t, byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

// isAlert reports whether err is a *wire.Error carrying alert a.
func isAlert(err error, a wire.Alert) bool {
	var we *wire.Error
	return errors.As(err, &we) && we.Alert == a
}
