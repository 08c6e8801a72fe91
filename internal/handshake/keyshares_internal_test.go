package handshake

import (
	"errors"
	"testing"
	"time"

	"gotls/internal/msg"
	"gotls/internal/wire"
)

// TestCheckKeyShares covers the key_share rules of RFC 8446, Section
// 4.2.8, including a hostile ClientHello with thousands of shares.
func TestCheckKeyShares(t *testing.T) {
	both := []wire.ExtensionType{wire.ExtSupportedGroups, wire.ExtKeyShare}
	share := func(g wire.Group) msg.KeyShare { return msg.KeyShare{Group: g, Data: []byte{1}} }
	many := make([]wire.Group, 9000)
	manyShares := make([]msg.KeyShare, len(many))
	for i := range many {
		many[i] = wire.Group(i + 1)
		manyShares[i] = share(many[i])
	}
	tests := []struct {
		name   string
		exts   []wire.ExtensionType
		groups []wire.Group
		shares []msg.KeyShare
		alert  wire.Alert
	}{
		{"ok", both, []wire.Group{wire.GroupX25519, wire.GroupSecp256r1}, []msg.KeyShare{share(wire.GroupX25519)}, 0},
		{"no shares", both, []wire.Group{wire.GroupX25519}, nil, 0},
		{"only groups", []wire.ExtensionType{wire.ExtSupportedGroups}, []wire.Group{wire.GroupX25519}, nil, wire.AlertMissingExtension},
		{"unlisted", both, []wire.Group{wire.GroupX25519}, []msg.KeyShare{share(wire.GroupSecp256r1)}, wire.AlertIllegalParameter},
		{"duplicate", both, []wire.Group{wire.GroupX25519}, []msg.KeyShare{share(wire.GroupX25519), share(wire.GroupX25519)}, wire.AlertIllegalParameter},
		{"many distinct", both, many, manyShares, 0},
		{"many then duplicate", both, many, append(manyShares[:len(manyShares):len(manyShares)], share(many[0])), wire.AlertIllegalParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := &msg.ClientHello{Extensions: tt.exts, SupportedGroups: tt.groups, KeyShares: tt.shares}
			start := time.Now()
			err := checkKeyShares(ch)
			if d := time.Since(start); d > 50*time.Millisecond {
				t.Errorf("checkKeyShares took %v", d)
			}
			var we *wire.Error
			switch {
			case tt.alert == 0 && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.alert != 0 && (!errors.As(err, &we) || we.Alert != tt.alert):
				t.Fatalf("got %v, want alert %v", err, tt.alert)
			}
		})
	}
}
