package handshake_test

// What a resumed connection reports about the full handshake that
// authenticated the peer: the signature scheme each peer signed with, the
// OCSP response and SCTs the server sent and, in TLS 1.2, whose
// abbreviated handshake runs no key exchange, the group. BoringSSL and
// crypto/tls keep these in the session.

import (
	"bytes"
	"slices"
	"testing"

	"gotls/internal/handshake"
	"gotls/internal/wire"
)

func TestResumeReportsOriginalHandshake(t *testing.T) {
	tests := []struct {
		name    string
		version wire.Version
		// tickets false resumes TLS 1.2 by session ID.
		tickets bool
	}{
		{"TLS 1.2 ticket", wire.VersionTLS12, true},
		{"TLS 1.2 session id", wire.VersionTLS12, false},
		{"TLS 1.3", wire.VersionTLS13, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newResumeEnv(t)
			served := *env.pki.Server
			served.OCSPStaple = []byte("stapled ocsp response")
			served.SCTs = [][]byte{[]byte("sct one"), []byte("sct two")}
			configs := func() (c, s *handshake.Config) {
				c, s = env.configs()
				s.MaxVersion = tt.version
				s.Certificates = []*handshake.Certificate{&served}
				s.ClientAuth = handshake.RequireAndVerifyClientCert
				c.CurvePreferences = []wire.Group{wire.GroupSecp384r1, wire.GroupX25519, wire.GroupSecp256r1}
				s.CurvePreferences = c.CurvePreferences
				c.Certificates = []*handshake.Certificate{env.pki.Client}
				c.SessionTicketsDisabled = !tt.tickets
				return c, s
			}
			c, s := configs()
			client, server := handshakeOnce(t, c, s)
			first := [2]handshake.Result{*client.E.Handshake().Result(), *server.E.Handshake().Result()}
			if first[0].SignatureScheme == 0 || first[1].SignatureScheme == 0 || first[0].Group != wire.GroupSecp384r1 ||
				!bytes.Equal(first[0].OCSPResponse, served.OCSPStaple) || len(first[0].SCTs) != 2 {
				t.Fatalf("full handshake reports client %+v, server %+v", first[0], first[1])
			}
			// The second handshake prefers another group: TLS 1.3 reports
			// the group of its own key exchange.
			c, s = configs()
			c.CurvePreferences = []wire.Group{wire.GroupX25519, wire.GroupSecp384r1, wire.GroupSecp256r1}
			s.CurvePreferences = c.CurvePreferences
			served.OCSPStaple = []byte("a newer response, not sent on resumption")
			client, server = handshakeOnce(t, c, s)
			checkResumed(t, client, server, true)
			wantGroup := wire.GroupSecp384r1
			if tt.version == wire.VersionTLS13 {
				wantGroup = wire.GroupX25519
			}
			for i, p := range []*peer{client, server} {
				r := p.E.Handshake().Result()
				if r.SignatureScheme != first[i].SignatureScheme {
					t.Errorf("side %d: signature scheme %v, want %v", i, r.SignatureScheme, first[i].SignatureScheme)
				}
				if r.Group != wantGroup {
					t.Errorf("side %d: group %v, want %v", i, r.Group, wantGroup)
				}
			}
			r := client.E.Handshake().Result()
			if !bytes.Equal(r.OCSPResponse, first[0].OCSPResponse) || !slices.EqualFunc(r.SCTs, first[0].SCTs, bytes.Equal) {
				t.Errorf("resumed client reports OCSP %q and SCTs %q, want %q and %q", r.OCSPResponse, r.SCTs, first[0].OCSPResponse, first[0].SCTs)
			}
		})
	}
}
