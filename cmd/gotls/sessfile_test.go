package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gotls/internal/handshake"
	"gotls/internal/wire"
)

// sampleSession returns an encoded client session made at created.
func sampleSession(t *testing.T, version wire.Version, created time.Time, maxEarly uint32) []byte {
	t.Helper()
	st := &handshake.SessionState{
		Client: true, Version: version, CipherSuite: wire.TLS_AES_128_GCM_SHA256,
		Secret: make([]byte, 32), CreatedAt: created, AuthenticatedAt: created,
		Lifetime: 7200, MaxEarlyData: maxEarly, ServerName: "localhost", Ticket: []byte("ticket"),
	}
	raw, err := st.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestSessionFileRoundTrip(t *testing.T) {
	now := time.Now().Truncate(time.Millisecond)
	raw := sampleSession(t, wire.VersionTLS13, now.Add(-time.Hour), 100)
	path := filepath.Join(t.TempDir(), "s.pem")
	notified := 0
	cache := &sessionCache{outPath: path, notify: func() { notified++ }}
	cache.Put("localhost", raw)
	if notified != 1 || cache.count() != 1 {
		t.Fatalf("notified %d times, count %d", notified, cache.count())
	}
	cache.Put("localhost", nil)
	if _, ok := cache.Get("any"); ok {
		t.Error("Put(nil) left the session in the cache")
	}
	got, st, err := loadSessionFile(path)
	if err != nil {
		t.Fatalf("loadSessionFile: %v (Put(nil) must leave the file alone)", err)
	}
	if string(got) != string(raw) {
		t.Error("the loaded session differs from the saved one")
	}
	desc := describeSession(st, now)
	for _, want := range []string{"TLSv1.3", "server name localhost", "ticket of 6 bytes", "received 1h0m0s ago, resumable for 1h0m0s more", "0-RTT up to 100 bytes"} {
		if !strings.Contains(desc, want) {
			t.Errorf("describeSession = %q, lacks %q", desc, want)
		}
	}
	if desc := describeSession(st, now.Add(2*time.Hour)); !strings.Contains(desc, "EXPIRED") {
		t.Errorf("describeSession after the lifetime = %q", desc)
	}
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), "Server-Name: localhost") {
		t.Errorf("the file lacks its headers:\n%s", data)
	}
}

func TestNotSentReason(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name    string
		offered []byte
		n       int
		want    string
	}{
		{"no session", nil, 10, "no session to resume"},
		{"TLS 1.2", sampleSession(t, wire.VersionTLS12, now, 0), 10, "TLSv1.2, and 0-RTT exists only in TLS 1.3"},
		{"no 0-RTT", sampleSession(t, wire.VersionTLS13, now, 0), 10, "allows no 0-RTT data"},
		{"too large", sampleSession(t, wire.VersionTLS13, now, 5), 10, "10 bytes exceed the 5"},
		{"other", sampleSession(t, wire.VersionTLS13, now, 100), 10, "could not be offered"},
		{"garbage", []byte{1, 2, 3}, 10, "could not be read"},
	}
	for _, tt := range tests {
		if got := notSentReason(tt.offered, tt.n); !strings.Contains(got, tt.want) {
			t.Errorf("%s: notSentReason = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// FuzzParseSessionPEM feeds -sess_in files: whatever they hold, parsing
// must not panic, and what it accepts must describe itself and survive
// being saved again.
func FuzzParseSessionPEM(f *testing.F) {
	f.Add([]byte("-----BEGIN GOTLS SESSION-----\nAAAA\n-----END GOTLS SESSION-----\n"))
	f.Add([]byte("-----BEGIN SSL SESSION PARAMETERS-----\nMAA=\n-----END SSL SESSION PARAMETERS-----\n"))
	f.Add([]byte("not pem at all"))
	f.Fuzz(func(t *testing.T, data []byte) {
		raw, st, err := parseSessionPEM("fuzz.pem", data)
		if err != nil {
			return
		}
		describeSession(st, time.Now())
		sessionKind(raw)
		again, _, err := parseSessionPEM("again.pem", encodeSession(raw))
		if err != nil || string(again) != string(raw) {
			t.Fatalf("a session that parsed does not survive being saved: %v", err)
		}
	})
}
