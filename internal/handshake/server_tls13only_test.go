package handshake_test

// A ClientHello whose TLS 1.3-only extensions are malformed: a server that
// negotiates TLS 1.2 ignores them (RFC 8446, Section 4.2), one that
// negotiates TLS 1.3 fails. BoGo's runner resumes a TLS 1.2 session with
// a pre_shared_key built from it whose binder is only 12 bytes long.

import (
	"testing"

	"gotls/internal/engine"
	"gotls/internal/msg"
	"gotls/internal/wire"
)

func TestServerIgnoresTLS13OnlyExtensionsInTLS12(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	// An identity with a 12-byte binder, below PskBinderEntry<32..255>.
	shortBinder := []byte{0, 6, 0, 2, 'i', 'd', 0, 0, 0, 0, 0, 13, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	tests := []struct {
		name string
		max  wire.Version
		typ  wire.ExtensionType
		body []byte
		want wire.Alert // 0: the server answers with its flight
	}{
		{"TLS 1.2, 12-byte psk binder", wire.VersionTLS12, wire.ExtPreSharedKey, shortBinder, 0},
		{"TLS 1.2, empty key_exchange", wire.VersionTLS12, wire.ExtKeyShare, []byte{0, 4, 0, 29, 0, 0}, 0},
		{"TLS 1.3, 12-byte psk binder", wire.VersionTLS13, wire.ExtPreSharedKey, shortBinder, wire.AlertDecodeError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, scfg := pki.configs()
			scfg.MaxVersion = tt.max
			ch := srvHello(t)
			ch.SupportedVersions = []wire.Version{wire.VersionTLS13, wire.VersionTLS12}
			ch.CipherSuites = append(ch.CipherSuites, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
			ch.KeyShares = nil
			if tt.typ != wire.ExtKeyShare {
				ch.KeyShares = []msg.KeyShare{srvShare(t, wire.GroupX25519)}
			}
			ch.ExtendedMasterSecret = true
			raw, err := ch.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			raw = withExtension(raw, 2+32+1+len(ch.SessionID)+2+2*len(ch.CipherSuites)+2, uint16(tt.typ), tt.body)
			e := engine.New(scfg, false)
			if err := e.Start(); err != nil {
				t.Fatal(err)
			}
			_, err = e.Feed(srvRecord(wire.ContentHandshake, raw))
			if tt.want != 0 {
				if alertOf(err) != tt.want {
					t.Fatalf("error %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("server failed: %v", err)
			}
			if got := e.Handshake().StateName(); got != "server:expect ClientKeyExchange" {
				t.Fatalf("server in state %s", got)
			}
		})
	}
}
