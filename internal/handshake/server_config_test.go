package handshake_test

// A server whose configuration cannot request a client certificate (its
// SignatureSchemes leave nothing gotls verifies in the version) fails with
// handshake_failure and a reason naming the configuration, before it
// sends anything (bug B16 of the BoGo run).

import (
	"strings"
	"testing"

	"gotls/internal/handshake"
	"gotls/internal/wire"
)

func TestServerClientAuthWithoutUsableSchemes(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	tests := []struct {
		name    string
		version wire.Version
		schemes []wire.SignatureScheme
		ok      bool
	}{
		{"TLS 1.3, only rsa_pkcs1_sha1", wire.VersionTLS13, []wire.SignatureScheme{wire.PKCS1WithSHA1}, false},
		{"TLS 1.2, only ecdsa_sha1", wire.VersionTLS12, []wire.SignatureScheme{wire.ECDSAWithSHA1}, false},
		{"TLS 1.3, one usable scheme", wire.VersionTLS13, []wire.SignatureScheme{wire.PKCS1WithSHA1, wire.ECDSAWithP256AndSHA256}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg, scfg := pki.configs()
			ccfg.Certificates = []*handshake.Certificate{pki.Client}
			scfg.ClientAuth = handshake.RequireAnyClientCert
			scfg.SignatureSchemes = tt.schemes
			scfg.MinVersion, scfg.MaxVersion = tt.version, tt.version
			client := newPeer(ccfg, true)
			server := newPeer(scfg, false)
			out := append([]byte(nil), client.E.Output()...)
			client.E.Sent(len(out))
			_, err := server.E.Feed(out)
			if tt.ok {
				if err != nil {
					t.Fatalf("server failed: %v", err)
				}
				return
			}
			if alertOf(err) != wire.AlertHandshakeFailure || !strings.Contains(err.Error(), "Config.SignatureSchemes") {
				t.Fatalf("error %v, want handshake_failure naming Config.SignatureSchemes", err)
			}
			// Nothing but the alert went out: no ServerHello.
			if got := server.E.Output(); len(got) != 7 || wire.ContentType(got[0]) != wire.ContentAlert {
				t.Fatalf("server sent %d bytes, want only an alert record", len(got))
			}
		})
	}
}
