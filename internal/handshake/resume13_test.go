package handshake_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"gotls/internal/handshake"
	"gotls/internal/wire"
)

// resumedHistory13 are the state sequences of a resumed TLS 1.3
// handshake without 0-RTT data.
var (
	resumedClient13 = []string{"client:expect ServerHello", "client:expect EncryptedExtensions", "client:expect Finished", "client:connected"}
	resumedServer13 = []string{"server:expect ClientHello", "server:expect Finished", "server:connected"}
	earlyServer13   = []string{"server:expect ClientHello", "server:expect EndOfEarlyData", "server:expect Finished", "server:connected"}
)

func checkHistory(t *testing.T, who string, p *peer, want []string) {
	t.Helper()
	if got := p.E.Handshake().History(); !slices.Equal(got, want) {
		t.Errorf("%s history:\n got %q\nwant %q", who, got, want)
	}
}

func checkResumed(t *testing.T, client, server *peer, want bool) {
	t.Helper()
	if c, s := client.E.Handshake().Result().DidResume, server.E.Handshake().Result().DidResume; c != want || s != want {
		t.Fatalf("DidResume: client %v, server %v; want %v", c, s, want)
	}
}

func TestResume13(t *testing.T) {
	tests := []struct {
		name string
		// setup adjusts the configurations of the second handshake.
		setup     func(env *resumeEnv, c, s *handshake.Config)
		resumed   bool
		retry     bool
		wantGroup bool
	}{
		{name: "psk_dhe_ke", resumed: true, wantGroup: true},
		{name: "psk_dhe_ke with HelloRetryRequest", resumed: true, retry: true, wantGroup: true,
			setup: func(_ *resumeEnv, _, s *handshake.Config) { s.CurvePreferences = []wire.Group{wire.GroupSecp256r1} }},
		{name: "psk_ke", resumed: true,
			setup: func(_ *resumeEnv, c, s *handshake.Config) {
				c.PSKModes = []wire.PSKKeyExchangeMode{wire.PSKModeKE}
				s.PSKModes = []wire.PSKKeyExchangeMode{wire.PSKModeKE}
			}},
		{name: "psk_ke refused by server", wantGroup: true,
			setup: func(_ *resumeEnv, c, _ *handshake.Config) { c.PSKModes = []wire.PSKKeyExchangeMode{wire.PSKModeKE} }},
		{name: "server tickets disabled", wantGroup: true,
			setup: func(_ *resumeEnv, _, s *handshake.Config) { s.SessionTicketsDisabled = true }},
		{name: "client tickets disabled", wantGroup: true,
			setup: func(_ *resumeEnv, c, _ *handshake.Config) { c.SessionTicketsDisabled = true }},
		{name: "server cannot open", wantGroup: true,
			setup: func(env *resumeEnv, _, s *handshake.Config) { s.TicketSealer = newTestSealer(t) }},
		{name: "expired on the server", wantGroup: true,
			setup: func(env *resumeEnv, _, s *handshake.Config) {
				later := env.now.Add(25 * time.Hour)
				s.Time = func() time.Time { return later }
			}},
		{name: "expired on the client", wantGroup: true,
			setup: func(env *resumeEnv, _, _ *handshake.Config) {
				st := env.cache.session(t, "localhost")
				st.CreatedAt = st.CreatedAt.Add(-25 * time.Hour)
				env.cache.m["localhost"], _ = st.Marshal()
			}},
		{name: "suite of another hash on the server", wantGroup: true,
			setup: func(_ *resumeEnv, _, s *handshake.Config) {
				s.CipherSuites = []wire.CipherSuite{wire.TLS_AES_256_GCM_SHA384}
			}},
		{name: "suite of another hash on the client", wantGroup: true,
			setup: func(_ *resumeEnv, c, _ *handshake.Config) {
				c.CipherSuites = []wire.CipherSuite{wire.TLS_AES_256_GCM_SHA384}
			}},
		{name: "same hash, other suite", resumed: true, wantGroup: true,
			setup: func(_ *resumeEnv, c, _ *handshake.Config) {
				c.CipherSuites = []wire.CipherSuite{wire.TLS_CHACHA20_POLY1305_SHA256}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newResumeEnv(t)
			c1, s1 := env.configs()
			c1.CipherSuites = []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256}
			if tt.name == "psk_ke" {
				c1.PSKModes = []wire.PSKKeyExchangeMode{wire.PSKModeKE, wire.PSKModeDHEKE}
				s1.PSKModes = []wire.PSKKeyExchangeMode{wire.PSKModeKE}
			}
			client, server := handshakeOnce(t, c1, s1)
			checkResumed(t, client, server, false)
			if env.cache.session(t, "localhost") == nil {
				t.Fatal("no session cached after the first handshake")
			}
			c2, s2 := env.configs()
			if tt.setup != nil {
				tt.setup(env, c2, s2)
			}
			client, server = handshakeOnce(t, c2, s2)
			checkResumed(t, client, server, tt.resumed)
			if got := client.E.Handshake().Result().HelloRetry; got != tt.retry {
				t.Errorf("HelloRetry = %v, want %v", got, tt.retry)
			}
			if got := client.E.Handshake().Result().Group != 0; got != tt.wantGroup {
				t.Errorf("key exchange group used: %v, want %v", got, tt.wantGroup)
			}
			if tt.resumed && !tt.retry {
				checkHistory(t, "client", client, resumedClient13)
				checkHistory(t, "server", server, resumedServer13)
			}
			if tt.resumed && len(client.E.Handshake().Result().PeerCertificates) == 0 {
				t.Error("resumed client has no server certificate")
			}
			sendApp(t, client, server, []byte("after resumption"))
			sendApp(t, server, client, []byte("and back"))
		})
	}
}

func TestResume13ClientCertificate(t *testing.T) {
	env := newResumeEnv(t)
	for i := range 2 {
		c, s := env.configs()
		c.Certificates = []*handshake.Certificate{env.pki.Client}
		s.ClientAuth = handshake.RequireAndVerifyClientCert
		client, server := handshakeOnce(t, c, s)
		checkResumed(t, client, server, i == 1)
		r := server.E.Handshake().Result()
		if len(r.PeerCertificates) != 1 || len(r.VerifiedChains) == 0 {
			t.Fatalf("handshake %d: server sees %d client certificates, %d verified chains", i, len(r.PeerCertificates), len(r.VerifiedChains))
		}
	}
	// A session without a client certificate does not resume under a
	// policy that requires one.
	env = newResumeEnv(t)
	c, s := env.configs()
	client, server := handshakeOnce(t, c, s)
	checkResumed(t, client, server, false)
	c, s = env.configs()
	c.Certificates = []*handshake.Certificate{env.pki.Client}
	s.ClientAuth = handshake.RequireAnyClientCert
	client, server = handshakeOnce(t, c, s)
	checkResumed(t, client, server, false)
}

// firstFlight starts a client and returns it with a copy of what it sent.
func firstFlight(t *testing.T, cfg *handshake.Config) (*peer, []byte) {
	t.Helper()
	client := newPeer(cfg, true)
	if client.Err != nil {
		t.Fatal(client.Err)
	}
	return client, bytes.Clone(client.E.Output())
}

func TestResume13BadBinder(t *testing.T) {
	env := newResumeEnv(t)
	c0, s0 := env.configs()
	handshakeOnce(t, c0, s0)
	c, s := env.configs()
	client, out := firstFlight(t, c)
	client.E.Sent(len(out))
	// The binder ends the ClientHello, which is the first record.
	recLen := int(out[3])<<8 | int(out[4])
	out[5+recLen-1] ^= 1
	server := newPeer(s, false)
	_, err := server.E.Feed(out)
	if alertOf(err) != wire.AlertDecryptError {
		t.Fatalf("server error %v, want decrypt_error", err)
	}
}

func TestResume13SelectedIdentityOutOfRange(t *testing.T) {
	env := newResumeEnv(t)
	c0, s0 := env.configs()
	handshakeOnce(t, c0, s0)
	c, s := env.configs()
	client, out := firstFlight(t, c)
	client.E.Sent(len(out))
	server := newPeer(s, false)
	if _, err := server.E.Feed(out); err != nil {
		t.Fatal(err)
	}
	sh := bytes.Clone(server.E.Output())
	// pre_shared_key (41) with a 2-byte body selecting identity 0.
	i := bytes.Index(sh, []byte{0, 41, 0, 2, 0, 0})
	if i < 0 {
		t.Fatal("server hello selects no psk")
	}
	sh[i+5] = 1
	if _, err := client.E.Feed(sh); alertOf(err) != wire.AlertIllegalParameter {
		t.Fatalf("client error %v, want illegal_parameter", err)
	}
}

// earlyEnv returns an environment whose server allows 0-RTT data, after a
// first handshake that left a ticket allowing it in the cache.
func earlyEnv(t *testing.T) *resumeEnv {
	env := newResumeEnv(t)
	c, s := env.configs()
	s.MaxEarlyData = 1024
	handshakeOnce(t, c, s)
	if st := env.cache.session(t, "localhost"); st == nil || st.MaxEarlyData != 1024 {
		t.Fatalf("cached session allows no early data: %+v", st)
	}
	return env
}

func TestEarlyData13(t *testing.T) {
	env := earlyEnv(t)
	saved := env.cache.m["localhost"]
	early := []byte("GET / HTTP/1.1\r\n\r\n")
	c, s := env.configs()
	c.EarlyData = early
	s.MaxEarlyData = 1024
	client, server := handshakeOnce(t, c, s)
	checkResumed(t, client, server, true)
	if !client.E.EarlyDataAccepted() || !server.E.EarlyDataAccepted() {
		t.Fatal("early data not accepted")
	}
	if got := server.E.EarlyData(); !bytes.Equal(got, early) {
		t.Fatalf("server early data %q, want %q", got, early)
	}
	if server.Got.Len() != 0 {
		t.Fatalf("early data leaked into Read: %q", server.Got.Bytes())
	}
	checkHistory(t, "server", server, earlyServer13)
	sendApp(t, client, server, []byte("1-RTT data"))
	sendApp(t, server, client, []byte("answer"))

	// The same ticket again: its single-use record is gone, so the data is
	// declined and skipped, but the session still resumes.
	env.cache.m["localhost"] = saved
	c, s = env.configs()
	c.EarlyData = early
	s.MaxEarlyData = 1024
	client, server = handshakeOnce(t, c, s)
	checkResumed(t, client, server, true)
	if client.E.EarlyDataAccepted() || len(server.E.EarlyData()) != 0 || server.Got.Len() != 0 {
		t.Fatal("early data accepted twice")
	}
	sendApp(t, client, server, []byte("resent by the application"))
}

// TestEarlyDataVersionDowngrade checks RFC 8446, Appendix D.3: a client
// that sent 0-RTT data fails when the server answers with TLS 1.2, and
// says why.
func TestEarlyDataVersionDowngrade(t *testing.T) {
	env := earlyEnv(t)
	c, s := env.configs()
	c.EarlyData = []byte("GET / HTTP/1.1\r\n\r\n")
	s.MaxVersion = wire.VersionTLS12
	client, _ := runHandshake(t, c, s)
	if alertOf(client.Err) != wire.AlertProtocolVersion || !strings.Contains(client.Err.Error(), "early data") {
		t.Fatalf("client error %v, want protocol_version about early data", client.Err)
	}
}

func TestEarlyData13Refused(t *testing.T) {
	tests := map[string]func(env *resumeEnv, c, s *handshake.Config){
		"server disabled": func(_ *resumeEnv, _, s *handshake.Config) { s.MaxEarlyData = 0 },
		"store down":      func(env *resumeEnv, _, _ *handshake.Config) { env.store.down = true },
		"no store":        func(_ *resumeEnv, _, s *handshake.Config) { s.SessionStore = nil },
		"too much for the ticket": func(_ *resumeEnv, c, _ *handshake.Config) {
			c.EarlyData = make([]byte, 2000)
		},
		"other ALPN": func(_ *resumeEnv, c, s *handshake.Config) {
			c.NextProtos = []string{"h2"}
			s.NextProtos = []string{"h2"}
		},
		"clock skew": func(env *resumeEnv, _, s *handshake.Config) {
			skewed := env.now.Add(30 * time.Second)
			s.Time = func() time.Time { return skewed }
		},
		"HelloRetryRequest": func(_ *resumeEnv, _, s *handshake.Config) {
			s.CurvePreferences = []wire.Group{wire.GroupSecp384r1}
		},
	}
	for name, setup := range tests {
		t.Run(name, func(t *testing.T) {
			env := earlyEnv(t)
			c, s := env.configs()
			c.EarlyData = []byte("early")
			s.MaxEarlyData = 1024
			setup(env, c, s)
			client, server := handshakeOnce(t, c, s)
			checkResumed(t, client, server, true)
			if client.E.EarlyDataAccepted() || len(server.E.EarlyData()) != 0 || server.Got.Len() != 0 {
				t.Fatal("early data accepted")
			}
			sendApp(t, client, server, []byte("1-RTT"))
		})
	}
}

func TestEarlyData13TooMuch(t *testing.T) {
	env := earlyEnv(t)
	c, s := env.configs()
	c.EarlyData = []byte("early")
	s.MaxEarlyData = 1024
	st := env.cache.session(t, "localhost")
	// The client believes it may send more than the server allowed.
	st.MaxEarlyData = 4096
	raw, err := st.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	env.cache.m["localhost"] = raw
	c.EarlyData = make([]byte, 3000)
	client, server := runHandshake(t, c, s)
	if alertOf(server.Err) != wire.AlertUnexpectedMessage || client.Err == nil {
		t.Fatalf("errors: client %v, server %v; want unexpected_message from the server", client.Err, server.Err)
	}
}

func TestEarlyData13Replay(t *testing.T) {
	env := earlyEnv(t)
	c, s := env.configs()
	c.EarlyData = []byte("transfer 100 coins")
	s.MaxEarlyData = 1024
	client, flight := firstFlight(t, c)
	server := newPeer(s, false)
	pump(client, server)
	mustSucceed(t, client, server)
	if !bytes.Equal(server.E.EarlyData(), c.EarlyData) {
		t.Fatal("first server did not accept the early data")
	}
	// An attacker replays the same bytes to a second server of the fleet.
	_, s2 := env.configs()
	s2.MaxEarlyData = 1024
	replay := newPeer(s2, false)
	if _, err := replay.E.Feed(flight); err != nil {
		t.Fatalf("replayed flight: %v", err)
	}
	if len(replay.E.EarlyData()) != 0 || replay.E.EarlyDataAccepted() {
		t.Fatal("replayed early data accepted")
	}
	if !replay.E.Handshake().Result().DidResume {
		t.Fatal("replayed hello did not resume (the test exercises the wrong path)")
	}
	if replay.E.HandshakeComplete() {
		t.Fatal("replayed handshake completed")
	}
}

// TestResumptionShapes asserts the state sequences of the resumed
// handshake shapes of design §4 for both roles: PSK, PSK with
// HelloRetryRequest, 0-RTT, and TLS 1.2 resumed.
func TestResumptionShapes(t *testing.T) {
	tests := []struct {
		name           string
		setup          func(c, s *handshake.Config)
		client, server []string
	}{
		{name: "PSK", client: resumedClient13, server: resumedServer13},
		{name: "PSK+HRR",
			setup: func(_, s *handshake.Config) { s.CurvePreferences = []wire.Group{wire.GroupSecp256r1} },
			client: []string{"client:expect ServerHello", "client:expect ServerHello (retry)", "client:expect EncryptedExtensions",
				"client:expect Finished", "client:connected"},
			server: []string{"server:expect ClientHello", "server:expect ClientHello (retry)", "server:expect Finished", "server:connected"}},
		{name: "0-RTT", client: resumedClient13, server: earlyServer13,
			setup: func(c, _ *handshake.Config) { c.EarlyData = []byte("early") }},
		{name: "TLS 1.2 resumed", client: resumedClient12, server: resumedServer12,
			setup: func(_, s *handshake.Config) { s.MaxVersion = wire.VersionTLS12 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newResumeEnv(t)
			for i := range 2 {
				c, s := env.configs()
				s.MaxEarlyData = 64
				if tt.setup != nil {
					tt.setup(c, s)
				}
				client, server := handshakeOnce(t, c, s)
				if i == 1 {
					checkHistory(t, "client", client, tt.client)
					checkHistory(t, "server", server, tt.server)
				}
			}
		})
	}
}
