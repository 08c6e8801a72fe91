package handshake_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"gotls/internal/handshake"
	"gotls/internal/wire"
)

// sampleSessionStates returns session states that cover every field.
func sampleSessionStates() map[string]*handshake.SessionState {
	at := time.UnixMilli(1_700_000_000_123)
	return map[string]*handshake.SessionState{
		"server 1.3": {
			Version: wire.VersionTLS13, CipherSuite: wire.TLS_AES_128_GCM_SHA256,
			Secret: bytes.Repeat([]byte{7}, 32), CreatedAt: at, AuthenticatedAt: at.Add(-time.Hour),
			Lifetime: 86400, AgeAdd: 0xdeadbeef, MaxEarlyData: 16384,
			ALPN: "h2", ServerName: "example.test", TicketID: bytes.Repeat([]byte{1}, 16),
			PeerCertificates: [][]byte{{1, 2, 3}, {4, 5}},
			VerifiedChains:   [][][]byte{{{1, 2, 3}, {4, 5}, {6}}},
		},
		"client 1.3": {
			Client: true, Version: wire.VersionTLS13, CipherSuite: wire.TLS_AES_256_GCM_SHA384,
			Secret: bytes.Repeat([]byte{9}, 48), CreatedAt: at, AuthenticatedAt: at,
			Lifetime: 604800, AgeAdd: 1, Ticket: bytes.Repeat([]byte{0xaa}, 200),
			ServerName: "localhost", PeerCertificates: [][]byte{{0x30, 0x01}},
		},
		"client 1.2 session id": {
			Client: true, Version: wire.VersionTLS12, CipherSuite: wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			Secret: bytes.Repeat([]byte{3}, 48), ExtendedMasterSecret: true, CreatedAt: at, AuthenticatedAt: at,
			Lifetime: 3600, SessionID: bytes.Repeat([]byte{5}, 32),
		},
		"client 1.2 resumable report": {
			Client: true, Version: wire.VersionTLS12, CipherSuite: wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			Secret: bytes.Repeat([]byte{4}, 48), ExtendedMasterSecret: true, CreatedAt: at, AuthenticatedAt: at,
			Lifetime: 3600, Ticket: []byte{1, 2, 3}, Group: wire.GroupX25519, PeerSignatureScheme: wire.PSSWithSHA256,
			OCSPResponse: []byte("ocsp response"), SCTs: [][]byte{[]byte("sct one"), []byte("sct two")},
		},
		"minimal": {Secret: []byte{1}, CreatedAt: time.UnixMilli(0), AuthenticatedAt: time.UnixMilli(0)},
	}
}

func TestSessionStateRoundTrip(t *testing.T) {
	for name, st := range sampleSessionStates() {
		t.Run(name, func(t *testing.T) {
			enc, err := st.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			got, err := handshake.ParseSessionState(enc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normalize(got), normalize(st)) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, st)
			}
			// No proper prefix of an encoding parses, and neither does
			// one with a trailing byte.
			for n := range len(enc) {
				if _, err := handshake.ParseSessionState(enc[:n]); err == nil {
					t.Fatalf("prefix of %d of %d bytes parsed", n, len(enc))
				}
			}
			if _, err := handshake.ParseSessionState(append(enc, 0)); err == nil {
				t.Fatal("encoding with a trailing byte parsed")
			}
		})
	}
}

// normalize makes the time fields comparable with reflect.DeepEqual.
func normalize(s *handshake.SessionState) handshake.SessionState {
	c := *s
	c.CreatedAt = time.UnixMilli(s.CreatedAt.UnixMilli())
	c.AuthenticatedAt = time.UnixMilli(s.AuthenticatedAt.UnixMilli())
	return c
}

func TestSessionStateRejects(t *testing.T) {
	good, err := sampleSessionStates()["server 1.3"].Marshal()
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	tests := map[string][]byte{
		"empty":                         nil,
		"format 3":                      mutate(func(b []byte) { b[1] = 3 }),
		"format 1 with the fields of 2": mutate(func(b []byte) { b[1] = 1 }),
		"role 2":                        mutate(func(b []byte) { b[2] = 2 }),
		"unknown flag":                  mutate(func(b []byte) { b[7] = 0x80 }),
		"huge":                          make([]byte, 1<<20+1),
		"empty secret":                  mustMarshal(t, &handshake.SessionState{}),
		"long session id":               mustMarshal(t, &handshake.SessionState{Secret: []byte{1}, SessionID: make([]byte, 33)}),
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := handshake.ParseSessionState(in); err == nil {
				t.Fatal("parsed")
			}
		})
	}
	// Marshal refuses empty certificates.
	if _, err := (&handshake.SessionState{Secret: []byte{1}, PeerCertificates: [][]byte{{}}}).Marshal(); err == nil {
		t.Error("marshal accepted an empty certificate")
	}
}

// TestSessionStateFormat1 checks that a session state of format 1, from
// before the group, signature scheme, OCSP response and SCTs were kept,
// still parses, with those fields empty.
func TestSessionStateFormat1(t *testing.T) {
	st := sampleSessionStates()["client 1.3"]
	enc := mustMarshal(t, st)
	// Format 2 ends with group (2), scheme (2), an empty OCSP response (3)
	// and an empty SCT list (3).
	v1 := bytes.Clone(enc[:len(enc)-10])
	v1[1] = 1
	got, err := handshake.ParseSessionState(v1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalize(got), normalize(st)) {
		t.Errorf("format 1:\n got %+v\nwant %+v", got, st)
	}
}

// mustMarshal encodes st, which the test means to be unparsable.
func mustMarshal(t *testing.T, st *handshake.SessionState) []byte {
	t.Helper()
	b, err := st.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzParseSessionState(f *testing.F) {
	for _, st := range sampleSessionStates() {
		enc, err := st.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := handshake.ParseSessionState(data)
		if err != nil {
			return
		}
		enc, err := st.Marshal()
		if err != nil {
			t.Fatalf("parsed state does not marshal: %v", err)
		}
		again, err := handshake.ParseSessionState(enc)
		if err != nil {
			t.Fatalf("re-encoded state does not parse: %v", err)
		}
		if !reflect.DeepEqual(normalize(again), normalize(st)) {
			t.Fatalf("round trip changed the state")
		}
	})
}
