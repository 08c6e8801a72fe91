package record

import (
	"bytes"
	"crypto"
	"testing"

	"gotls/internal/keysched"
	"gotls/internal/wire"
)

// TestRFC8448TrafficKeys derives the write keys and IVs of RFC 8448,
// Section 3 from the traffic secrets with keysched.
func TestRFC8448TrafficKeys(t *testing.T) {
	for _, c := range []struct {
		name            string
		secret, key, iv []byte
	}{
		{"server handshake", rfc8448ServerHSTraffic, rfc8448ServerHSKey, rfc8448ServerHSIV},
		{"client handshake", rfc8448ClientHSTraffic, rfc8448ClientHSKey, rfc8448ClientHSIV},
		{"server application", rfc8448ServerAPTraffic, rfc8448ServerAPKey, rfc8448ServerAPIV},
		{"client application", rfc8448ClientAPTraffic, rfc8448ClientAPKey, rfc8448ClientAPIV},
	} {
		key := keysched.ExpandLabel(crypto.SHA256, c.secret, "key", nil, 16)
		iv := keysched.ExpandLabel(crypto.SHA256, c.secret, "iv", nil, 12)
		if !bytes.Equal(key, c.key) || !bytes.Equal(iv, c.iv) {
			t.Errorf("%s: key %x iv %x, want %x %x", c.name, key, iv, c.key, c.iv)
		}
	}
}

// TestRFC8448Records opens the protected records of RFC 8448, Section 3,
// checks their plaintext, and seals the plaintext back to the same bytes.
func TestRFC8448Records(t *testing.T) {
	flight := bytes.Join([][]byte{rfc8448EncryptedExtensions, rfc8448Certificate,
		rfc8448CertificateVerify, rfc8448ServerFinished}, nil)
	for _, c := range []struct {
		name    string
		key, iv []byte
		seq     uint64
		record  []byte
		typ     wire.ContentType
		plain   []byte
	}{
		{"server flight", rfc8448ServerHSKey, rfc8448ServerHSIV, 0, rfc8448ServerFlightRecord, wire.ContentHandshake, flight},
		{"client Finished", rfc8448ClientHSKey, rfc8448ClientHSIV, 0, rfc8448ClientFinishedRecord, wire.ContentHandshake, rfc8448ClientFinished},
		{"client application data", rfc8448ClientAPKey, rfc8448ClientAPIV, 0, rfc8448ClientAppRecord, wire.ContentApplicationData, rfc8448AppPayload()},
		{"server application data", rfc8448ServerAPKey, rfc8448ServerAPIV, 1, rfc8448ServerAppRecord, wire.ContentApplicationData, rfc8448AppPayload()},
	} {
		t.Run(c.name, func(t *testing.T) {
			suite := Suite13(wire.TLS_AES_128_GCM_SHA256)
			r, err := NewAEAD13(suite, c.key, c.iv)
			if err != nil {
				t.Fatal(err)
			}
			r.(*aead13).seq.n = c.seq
			rec := bytes.Clone(c.record)
			typ, plain, err := r.Open(rec)
			if err != nil {
				t.Fatal(err)
			}
			if typ != c.typ || !bytes.Equal(plain, c.plain) {
				t.Fatalf("opened %v %x, want %v %x", typ, plain, c.typ, c.plain)
			}
			w, _ := NewAEAD13(suite, c.key, c.iv)
			w.(*aead13).seq.n = c.seq
			if got := w.Seal(nil, c.typ, c.plain, 0); !bytes.Equal(got, c.record) {
				t.Errorf("sealed %x\nwant %x", got, c.record)
			}
			// The same record does not open at the next sequence number.
			if _, _, err := r.Open(bytes.Clone(c.record)); alertOf(err) != wire.AlertBadRecordMAC {
				t.Errorf("replayed record: %v", err)
			}
		})
	}
}

// alertOf returns the alert of a *wire.Error, or 255 for anything else.
func alertOf(err error) wire.Alert {
	if e, ok := err.(*wire.Error); ok {
		return e.Alert
	}
	return 255
}
