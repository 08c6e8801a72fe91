package engine_test

// Records that carry nothing for the application and warning alerts are
// bounded separately, and as BoringSSL does, only a record with content
// resets the bounds: a peer alternating empty records and warning alerts
// cannot keep a reader busy (bug B7 of the BoGo run). Warning alerts
// before the version is known are TLS 1.2 warnings when TLS 1.2 may be
// negotiated (B12).

import (
	"errors"
	"strings"
	"testing"

	"gotls/internal/engine"
	"gotls/internal/handshake"
	"gotls/internal/wire"
)

// connected12 returns a client and a server engine after a TLS 1.2
// handshake.
func connected12(t *testing.T) (cl, srv *engine.Engine) {
	t.Helper()
	ccfg := clientConfig(t)
	ccfg.MaxVersion = wire.VersionTLS12
	cl = engine.New(ccfg, true)
	srv = engine.New(serverConfig(t), false)
	cl.Start()
	srv.Start()
	if errA, errB := pump(t, cl, srv); errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !cl.HandshakeComplete() || !srv.HandshakeComplete() {
		t.Fatal("handshake incomplete")
	}
	return cl, srv
}

func TestEmptyRecordsAndWarningAlerts(t *testing.T) {
	empty := func(cl *engine.Engine) { cl.SealRecord(wire.ContentApplicationData, nil) }
	warning := func(cl *engine.Engine) {
		cl.SealRecord(wire.ContentAlert, []byte{byte(wire.AlertLevelWarning), byte(wire.AlertUnrecognizedName)})
	}
	data := func(cl *engine.Engine) { cl.SealRecord(wire.ContentApplicationData, []byte("x")) }
	// alternate sends n empty records and m warning alerts interleaved,
	// ending with one of each, as BoGo's runner does.
	alternate := func(n, m int) func(*engine.Engine) {
		return func(cl *engine.Engine) {
			for i := max(n, m); i > 0; i-- {
				if i <= n {
					empty(cl)
				}
				if i <= m {
					warning(cl)
				}
			}
		}
	}
	repeat := func(n int, f func(*engine.Engine)) func(*engine.Engine) {
		return func(cl *engine.Engine) {
			for range n {
				f(cl)
			}
		}
	}
	tests := []struct {
		name string
		send []func(*engine.Engine)
		// wantErr is part of the reason of the unexpected_message failure,
		// or "" when the data must arrive.
		wantErr string
	}{
		{"32 empty records", []func(*engine.Engine){repeat(32, empty), data}, ""},
		{"33 empty records", []func(*engine.Engine){repeat(33, empty), data}, "empty records"},
		{"4 warning alerts", []func(*engine.Engine){repeat(4, warning), data}, ""},
		{"5 warning alerts", []func(*engine.Engine){repeat(5, warning), data}, "warning alerts"},
		{"32 empty records between 4 warnings", []func(*engine.Engine){alternate(32, 4), data}, ""},
		{"32 empty records between 5 warnings", []func(*engine.Engine){alternate(32, 5), data}, "warning alerts"},
		{"33 empty records between 4 warnings", []func(*engine.Engine){alternate(33, 4), data}, "empty records"},
		{"data resets both", []func(*engine.Engine){alternate(32, 4), data, alternate(32, 4), data}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl, srv := connected12(t)
			for _, f := range tt.send {
				f(cl)
			}
			err := feedAll(srv, append([]byte(nil), cl.Output()...))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			checkFailure(t, err, srv.Output(), wire.AlertUnexpectedMessage)
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestWarningAlertBeforeVersionKnown(t *testing.T) {
	warning := plainRecord(wire.ContentAlert, []byte{byte(wire.AlertLevelWarning), byte(wire.AlertUnrecognizedName)})
	tests := []struct {
		name   string
		client bool
		edit   func(*handshake.Config)
		ok     bool
	}{
		{"client offering TLS 1.2", true, nil, true},
		{"client offering only TLS 1.3", true, func(c *handshake.Config) { c.MinVersion = wire.VersionTLS13 }, false},
		{"server allowing TLS 1.2", false, nil, true},
		{"server allowing only TLS 1.3", false, func(c *handshake.Config) { c.MinVersion = wire.VersionTLS13 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := serverConfig(t)
			if tt.client {
				cfg = clientConfig(t)
			}
			if tt.edit != nil {
				tt.edit(cfg)
			}
			e := engine.New(cfg, tt.client)
			if err := e.Start(); err != nil {
				t.Fatal(err)
			}
			_, err := e.Feed(warning)
			if tt.ok {
				if err != nil {
					t.Fatalf("warning alert rejected: %v", err)
				}
				return
			}
			var remote *engine.RemoteAlertError
			if !errors.As(err, &remote) || remote.Alert != wire.AlertUnrecognizedName {
				t.Fatalf("error %v, want the peer's unrecognized_name", err)
			}
		})
	}
	// The handshake goes on after the warning.
	ccfg := clientConfig(t)
	cl := engine.New(ccfg, true)
	srv := engine.New(serverConfig(t), false)
	cl.Start()
	srv.Start()
	if _, err := cl.Feed(warning); err != nil {
		t.Fatal(err)
	}
	if errA, errB := pump(t, cl, srv); errA != nil || errB != nil || !cl.HandshakeComplete() {
		t.Fatal(errA, errB)
	}
}

// TestRecordVersion12 checks the record version of TLS 1.2 (RFC 5246,
// Section 6.2.1 and Appendix E.1): exactly TLS 1.2 once the version is
// known, major version 3 on the record that settles it; TLS 1.3 ignores
// the field (RFC 8446, Section 5.1).
func TestRecordVersion12(t *testing.T) {
	t.Run("after the handshake", func(t *testing.T) {
		for _, vers := range []uint16{0x0303, 0x0301, 0x03ff} {
			cl, srv := connected12(t)
			cl.SealRecord(wire.ContentApplicationData, []byte("x"))
			rec := append([]byte(nil), cl.Output()...)
			rec[1], rec[2] = byte(vers>>8), byte(vers)
			_, err := srv.Feed(rec)
			if vers == 0x0303 {
				if err != nil {
					t.Fatalf("%#04x: %v", vers, err)
				}
				continue
			}
			checkFailure(t, err, srv.Output(), wire.AlertProtocolVersion)
		}
	})
	t.Run("initial ClientHello", func(t *testing.T) {
		for _, tt := range []struct {
			vers uint16
			max  wire.Version
			ok   bool
		}{
			{0x0301, wire.VersionTLS12, true},
			{0x03ff, wire.VersionTLS12, true},
			{0xffff, wire.VersionTLS12, false},
			{0xffff, wire.VersionTLS13, true},
		} {
			ccfg := clientConfig(t)
			ccfg.MaxVersion = tt.max
			cl := engine.New(ccfg, true)
			srv := engine.New(serverConfig(t), false)
			cl.Start()
			srv.Start()
			hello := append([]byte(nil), cl.Output()...)
			hello[1], hello[2] = byte(tt.vers>>8), byte(tt.vers)
			_, err := srv.Feed(hello)
			if tt.ok {
				if err != nil {
					t.Fatalf("%#04x offering up to %v: %v", tt.vers, tt.max, err)
				}
				continue
			}
			checkFailure(t, err, srv.Output(), wire.AlertProtocolVersion)
		}
	})
}
