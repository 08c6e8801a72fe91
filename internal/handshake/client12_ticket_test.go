package handshake_test

import (
	"testing"

	"gotls/internal/handshake"
	"gotls/internal/msg"
	"gotls/internal/wire"
)

// TestClient12AnnouncedTicket checks that a server which acknowledged
// session_ticket must send NewSessionTicket before its change_cipher_spec
// (RFC 5077, Section 3.3).
func TestClient12AnnouncedTicket(t *testing.T) {
	tests := []struct {
		name       string
		sendTicket bool
		alert      wire.Alert
	}{
		{"ticket then CCS", true, 0xff}, // alertOf(nil) is 0xff
		{"CCS without the announced ticket", false, wire.AlertUnexpectedMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newC12Fake(t, keyECDSAP256, func(cfg *handshake.Config) { cfg.ClientSessions = newTestCache() })
			sh := f.serverHello(f.defaultSuite())
			sh.TicketSupported = true
			f.send(sh)
			f.send(f.certificate())
			f.send(f.ske(wire.GroupX25519, f.defaultScheme()))
			f.send(&msg.ServerHelloDone{})
			f.readFlight()
			if tt.sendTicket {
				f.send(&msg.NewSessionTicket{Lifetime: 60, Ticket: []byte("ticket")})
			}
			if err := f.conn.ChangeCipherSpec(); alertOf(err) != tt.alert {
				t.Fatalf("change_cipher_spec: error %v, want %v", err, tt.alert)
			}
		})
	}
}
