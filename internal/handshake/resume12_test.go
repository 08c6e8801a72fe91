package handshake_test

import (
	"testing"
	"time"

	"gotls/internal/handshake"
	"gotls/internal/wire"
)

var (
	resumedClient12 = []string{"client:expect ServerHello", "client:expect ChangeCipherSpec", "client:expect Finished", "client:connected"}
	resumedServer12 = []string{"server:expect ClientHello", "server:expect ChangeCipherSpec", "server:expect Finished", "server:connected"}
)

// configs12 returns the environment's configurations limited to TLS 1.2
// on the server; the client offers TLS 1.3 and TLS 1.2.
func (env *resumeEnv) configs12() (client, server *handshake.Config) {
	client, server = env.configs()
	server.MaxVersion = wire.VersionTLS12
	return client, server
}

func TestResume12(t *testing.T) {
	tests := []struct {
		name string
		// first and second adjust the configurations of each handshake.
		first, second func(env *resumeEnv, c, s *handshake.Config)
		resumed       bool
		ticket        bool
	}{
		{name: "ticket", resumed: true, ticket: true},
		{name: "session id", resumed: true,
			first:  func(_ *resumeEnv, c, _ *handshake.Config) { c.SessionTicketsDisabled = true },
			second: func(_ *resumeEnv, c, _ *handshake.Config) { c.SessionTicketsDisabled = true }},
		{name: "session id, server without tickets", resumed: true,
			first:  func(_ *resumeEnv, _, s *handshake.Config) { s.TicketSealer = nil },
			second: func(_ *resumeEnv, _, s *handshake.Config) { s.TicketSealer = nil }},
		{name: "session id, client only 1.2", resumed: true,
			first: func(_ *resumeEnv, c, _ *handshake.Config) {
				c.SessionTicketsDisabled, c.MaxVersion = true, wire.VersionTLS12
			},
			second: func(_ *resumeEnv, c, _ *handshake.Config) {
				c.SessionTicketsDisabled, c.MaxVersion = true, wire.VersionTLS12
			}},
		{name: "ticket, client only 1.2", resumed: true, ticket: true,
			first:  func(_ *resumeEnv, c, _ *handshake.Config) { c.MaxVersion = wire.VersionTLS12 },
			second: func(_ *resumeEnv, c, _ *handshake.Config) { c.MaxVersion = wire.VersionTLS12 }},
		{name: "session id, store down",
			first:  func(_ *resumeEnv, c, _ *handshake.Config) { c.SessionTicketsDisabled = true },
			second: func(env *resumeEnv, c, _ *handshake.Config) { c.SessionTicketsDisabled = true; env.store.down = true }},
		{name: "ticket that does not open", ticket: true,
			second: func(_ *resumeEnv, _, s *handshake.Config) { s.TicketSealer = newTestSealer(t) }},
		{name: "expired", ticket: true,
			second: func(env *resumeEnv, _, s *handshake.Config) {
				later := env.now.Add(25 * time.Hour)
				s.Time = func() time.Time { return later }
			}},
		{name: "suite no longer enabled", ticket: true,
			second: func(_ *resumeEnv, c, s *handshake.Config) {
				s.CipherSuites = []wire.CipherSuite{wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}
			}},
		{name: "server upgraded to 1.3", ticket: true,
			second: func(_ *resumeEnv, _, s *handshake.Config) { s.MaxVersion = 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newResumeEnv(t)
			c, s := env.configs12()
			c.CipherSuites = []wire.CipherSuite{wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}
			if tt.first != nil {
				tt.first(env, c, s)
			}
			client, server := handshakeOnce(t, c, s)
			checkResumed(t, client, server, false)
			st := env.cache.session(t, "localhost")
			if st == nil || st.Version != wire.VersionTLS12 || (len(st.Ticket) > 0) != tt.ticket {
				t.Fatalf("cached session after the full handshake: %+v", st)
			}
			c, s = env.configs12()
			if tt.second != nil {
				tt.second(env, c, s)
			}
			client, server = handshakeOnce(t, c, s)
			checkResumed(t, client, server, tt.resumed)
			if tt.resumed {
				checkHistory(t, "client", client, resumedClient12)
				checkHistory(t, "server", server, resumedServer12)
				if len(client.E.Handshake().Result().PeerCertificates) == 0 {
					t.Error("resumed client has no server certificate")
				}
				checkExporterMatch(t, client, server)
			}
			sendApp(t, client, server, []byte("after resumption"))
			sendApp(t, server, client, []byte("and back"))
		})
	}
}

// checkExporterMatch checks that both sides export the same keying
// material, which ties the resumed keys together.
func checkExporterMatch(t *testing.T, client, server *peer) {
	t.Helper()
	a, err := client.E.Handshake().ExportKeyingMaterial("EXPERIMENTAL test", nil, 32)
	if err != nil {
		t.Fatal(err)
	}
	b, err := server.E.Handshake().ExportKeyingMaterial("EXPERIMENTAL test", nil, 32)
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Fatal("exporters differ")
	}
}

func TestResume12TicketRenewed(t *testing.T) {
	env := newResumeEnv(t)
	var tickets [][]byte
	for i := range 3 {
		c, s := env.configs12()
		client, server := handshakeOnce(t, c, s)
		checkResumed(t, client, server, i > 0)
		tickets = append(tickets, env.cache.session(t, "localhost").Ticket)
	}
	if string(tickets[0]) == string(tickets[1]) || string(tickets[1]) == string(tickets[2]) {
		t.Error("resumption did not renew the ticket")
	}
}

func TestResume12ExtendedMasterSecret(t *testing.T) {
	t.Run("server: session without EMS, hello with EMS", func(t *testing.T) {
		env := newResumeEnv(t)
		c, s := env.configs12()
		handshakeOnce(t, c, s)
		// Replace the cached ticket by one for a session without EMS.
		st := env.cache.session(t, "localhost")
		server := &handshake.SessionState{Version: wire.VersionTLS12, CipherSuite: st.CipherSuite, Secret: st.Secret,
			CreatedAt: env.now, AuthenticatedAt: env.now, Lifetime: 3600, ServerName: "localhost"}
		plain, _ := server.Marshal()
		st.Ticket, _ = env.sealer.Seal(plain)
		env.cache.m["localhost"], _ = st.Marshal()
		c, s = env.configs12()
		client, srv := handshakeOnce(t, c, s)
		checkResumed(t, client, srv, false)
	})
	t.Run("client: cached session without EMS resumed with EMS", func(t *testing.T) {
		env := newResumeEnv(t)
		c, s := env.configs12()
		handshakeOnce(t, c, s)
		st := env.cache.session(t, "localhost")
		st.ExtendedMasterSecret = false
		env.cache.m["localhost"], _ = st.Marshal()
		c, s = env.configs12()
		c.InsecureAllowNoExtendedMasterSecret = true
		client, server := runHandshake(t, c, s)
		if alertOf(client.Err) != wire.AlertHandshakeFailure {
			t.Fatalf("client error %v, want handshake_failure", client.Err)
		}
		_ = server
	})
}

func TestResume12UnofferedSession(t *testing.T) {
	// A 1.2 server that echoes the random session ID of a client that
	// offered no 1.2 session claims a resumption it cannot have.
	env := newResumeEnv(t)
	c, s := env.configs12()
	c.ClientSessions = nil
	client, out := firstFlight(t, c)
	client.E.Sent(len(out))
	server := newPeer(s, false)
	if _, err := server.E.Feed(out); err != nil {
		t.Fatal(err)
	}
	flight := server.E.Output()
	// Copy the ClientHello's session ID into the ServerHello: both sit
	// after the 4-byte handshake header, version and random.
	const off = 5 + 4 + 2 + 32
	if out[off] != 32 || flight[off] != 32 {
		t.Fatalf("unexpected session id lengths %d, %d", out[off], flight[off])
	}
	copy(flight[off+1:off+33], out[off+1:off+33])
	if _, err := client.E.Feed(flight); alertOf(err) != wire.AlertIllegalParameter {
		t.Fatalf("client error %v, want illegal_parameter", err)
	}
}
