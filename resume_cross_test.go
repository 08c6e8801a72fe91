package gotls_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"testing"

	"gotls"
	"gotls/internal/testenv"
	"gotls/session"
)

// stateConn is a TLS connection of either implementation.
type stateConn interface {
	net.Conn
	Handshake() error
	ConnectionState() tls.ConnectionState
}

// pingPong completes the handshake of both ends over a fresh TCP pair,
// sends "ping" from the client and "pong" from the server, so that
// tickets sent after the handshake are read, and returns both states.
func pingPong(t *testing.T, client func(net.Conn) stateConn, server func(net.Conn) stateConn) (tls.ConnectionState, tls.ConnectionState) {
	t.Helper()
	a, b := tcpPair(t)
	cl, srv := client(a), server(b)
	err := bothEnds(
		func() error {
			if _, err := cl.Write([]byte("ping")); err != nil {
				return err
			}
			_, err := io.ReadFull(cl, make([]byte, 4))
			return err
		},
		func() error {
			if _, err := io.ReadFull(srv, make([]byte, 4)); err != nil {
				return err
			}
			_, err := srv.Write([]byte("pong"))
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	cs, ss := cl.ConnectionState(), srv.ConnectionState()
	cl.Close()
	srv.Close()
	return cs, ss
}

// resumeCase is one resumption scenario against crypto/tls.
type resumeCase struct {
	name    string
	version uint16
	// curves, when set, is the server's group preference: P-384 forces
	// a HelloRetryRequest on clients that share X25519 first.
	curves []tls.CurveID
	hrr    bool
}

var crossResumeCases = []resumeCase{
	{name: "TLS 1.3", version: tls.VersionTLS13},
	{name: "TLS 1.3 with HelloRetryRequest", version: tls.VersionTLS13, curves: []tls.CurveID{tls.CurveP384}, hrr: true},
	{name: "TLS 1.2 ticket", version: tls.VersionTLS12},
}

// checkResumption checks the second connection of a scenario.
func checkResumption(t *testing.T, rc resumeCase, first, second [2]tls.ConnectionState) {
	t.Helper()
	for i, st := range first {
		if st.DidResume {
			t.Errorf("first connection, side %d: resumed", i)
		}
	}
	for i, st := range second {
		if !st.DidResume {
			t.Errorf("second connection, side %d: not resumed", i)
		}
		if st.Version != rc.version || st.HelloRetryRequest != rc.hrr {
			t.Errorf("second connection, side %d: version %x, HelloRetryRequest %v", i, st.Version, st.HelloRetryRequest)
		}
	}
	if len(second[0].PeerCertificates) == 0 {
		t.Error("resumed client has no server certificate")
	}
}

func TestResumeCrossOurClient(t *testing.T) {
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	for _, rc := range crossResumeCases {
		t.Run(rc.name, func(t *testing.T) {
			scfg := &tls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}, MaxVersion: rc.version, CurvePreferences: rc.curves}
			ccfg := &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool, ClientSessionCache: session.NewLRUClientCache(0)}
			var states [2][2]tls.ConnectionState
			for i := range states {
				cs, ss := pingPong(t,
					func(c net.Conn) stateConn { return gotls.Client(c, ccfg) },
					func(c net.Conn) stateConn { return tls.Server(c, scfg) })
				states[i] = [2]tls.ConnectionState{cs, ss}
			}
			checkResumption(t, rc, states[0], states[1])
		})
	}
}

func TestResumeCrossOurServer(t *testing.T) {
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	for _, rc := range crossResumeCases {
		t.Run(rc.name, func(t *testing.T) {
			scfg := &gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}, MaxVersion: rc.version, CurvePreferences: rc.curves}
			ccfg := &tls.Config{ServerName: "localhost", RootCAs: ca.Pool, ClientSessionCache: tls.NewLRUClientSessionCache(0)}
			if rc.hrr {
				ccfg.CurvePreferences = []tls.CurveID{tls.X25519, tls.CurveP384}
			}
			var states [2][2]tls.ConnectionState
			for i := range states {
				cs, ss := pingPong(t,
					func(c net.Conn) stateConn { return tls.Client(c, ccfg) },
					func(c net.Conn) stateConn { return gotls.Server(c, scfg) })
				states[i] = [2]tls.ConnectionState{cs, ss}
			}
			checkResumption(t, rc, states[0], states[1])
		})
	}
}

// TestResumeOurs covers what crypto/tls cannot test: TLS 1.2 session IDs
// (crypto/tls servers keep no session cache), psk_ke, and SetSessionTicketKeys
// across two servers.
func TestResumeOurs(t *testing.T) {
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	keys := [][32]byte{{1, 2, 3}}
	tests := []struct {
		name   string
		client func(*gotls.Config)
		server func(*gotls.Config)
		// other gives the second connection its own server Config.
		other   bool
		version uint16
	}{
		{name: "TLS 1.2 session id", version: tls.VersionTLS12,
			client: func(c *gotls.Config) { c.SessionTicketsDisabled = true; c.MaxVersion = tls.VersionTLS12 }},
		{name: "TLS 1.3 psk_ke", version: tls.VersionTLS13,
			client: func(c *gotls.Config) { c.PSKWithoutKeyExchange = true },
			server: func(c *gotls.Config) { c.PSKWithoutKeyExchange = true }},
		{name: "TLS 1.3 shared ticket keys", version: tls.VersionTLS13, other: true,
			server: func(c *gotls.Config) { c.SetSessionTicketKeys(keys) }},
		{name: "TLS 1.2 shared ticket keys", version: tls.VersionTLS12, other: true,
			client: func(c *gotls.Config) { c.MaxVersion = tls.VersionTLS12 },
			server: func(c *gotls.Config) { c.SetSessionTicketKeys(keys) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg := &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool, ClientSessionCache: session.NewLRUClientCache(0)}
			if tt.client != nil {
				tt.client(ccfg)
			}
			newServer := func() *gotls.Config {
				c := &gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}}
				if tt.server != nil {
					tt.server(c)
				}
				return c
			}
			scfg := newServer()
			var states [2][2]tls.ConnectionState
			for i := range states {
				if i == 1 && tt.other {
					scfg = newServer()
				}
				cs, ss := pingPong(t,
					func(c net.Conn) stateConn { return gotls.Client(c, ccfg) },
					func(c net.Conn) stateConn { return gotls.Server(c, scfg) })
				states[i] = [2]tls.ConnectionState{cs, ss}
			}
			checkResumption(t, resumeCase{version: tt.version}, states[0], states[1])
		})
	}
}

// TestWrapSession checks the server's session hooks: WrapSession makes
// the ticket (here: a version byte around the default sealing) and
// UnwrapSession reads it back; an unknown ticket means a full handshake.
func TestWrapSession(t *testing.T) {
	ca, leaf := pkiFor(t, testenv.ECDSAP256)
	var wrapped, unwrapped int
	scfg := &gotls.Config{Certificates: []tls.Certificate{tlsCert(leaf)}}
	scfg.WrapSession = func(state []byte) ([]byte, error) {
		wrapped++
		ticket, err := scfg.EncryptTicket(state)
		return append([]byte{'v', '1'}, ticket...), err
	}
	scfg.UnwrapSession = func(ticket []byte) ([]byte, error) {
		unwrapped++
		if !bytes.HasPrefix(ticket, []byte("v1")) {
			return nil, nil
		}
		return scfg.DecryptTicket(ticket[2:])
	}
	for _, v := range []uint16{gotls.VersionTLS13, gotls.VersionTLS12} {
		ccfg := &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool, ClientSessionCache: session.NewLRUClientCache(0), MaxVersion: v}
		for i := range 2 {
			cs, ss := pingPong(t,
				func(c net.Conn) stateConn { return gotls.Client(c, ccfg) },
				func(c net.Conn) stateConn { return gotls.Server(c, scfg) })
			if cs.DidResume != (i == 1) || ss.DidResume != (i == 1) {
				t.Fatalf("version %x, connection %d: resumed %v/%v", v, i, cs.DidResume, ss.DidResume)
			}
		}
	}
	if wrapped < 3 || unwrapped != 2 {
		t.Fatalf("hooks called %d (wrap) and %d (unwrap) times", wrapped, unwrapped)
	}
	// A ticket the hook does not know is not resumed.
	scfg.UnwrapSession = func([]byte) ([]byte, error) { return nil, nil }
	ccfg := &gotls.Config{ServerName: "localhost", RootCAs: ca.Pool, ClientSessionCache: session.NewLRUClientCache(0)}
	for range 2 {
		cs, _ := pingPong(t,
			func(c net.Conn) stateConn { return gotls.Client(c, ccfg) },
			func(c net.Conn) stateConn { return gotls.Server(c, scfg) })
		if cs.DidResume {
			t.Fatal("resumed a ticket UnwrapSession did not know")
		}
	}
}
