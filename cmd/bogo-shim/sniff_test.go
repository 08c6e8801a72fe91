package main

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"
)

// recordingConn keeps a copy of everything read from the wrapped conn.
type recordingConn struct {
	net.Conn
	read bytes.Buffer
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Write(p[:n])
	return n, err
}

// captureFlights runs a crypto/tls handshake between client and server
// configs over a pipe and returns the bytes each side received first: the
// server's view (ClientHello...) and the client's view (ServerHello...).
func captureFlights(t *testing.T, client, server *tls.Config) (toServer, toClient []byte) {
	t.Helper()
	c, s := net.Pipe()
	rc, rs := &recordingConn{Conn: c}, &recordingConn{Conn: s}
	deadline := time.Now().Add(5 * time.Second)
	c.SetDeadline(deadline)
	s.SetDeadline(deadline)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tls.Server(rs, server).Handshake()
		s.Close()
	}()
	tls.Client(rc, client).Handshake()
	c.Close()
	<-done
	return rs.read.Bytes(), rc.read.Bytes()
}

// record frames body as TLS records of content type ct, at most max bytes
// of body each.
func record(ct uint8, body []byte, max int) []byte {
	var out []byte
	for len(body) > 0 {
		n := min(len(body), max)
		out = append(out, ct, 3, 3, byte(n>>8), byte(n))
		out = append(out, body[:n]...)
		body = body[n:]
	}
	return out
}

func TestPeerWantsMissingVersionWithCryptoTLS(t *testing.T) {
	cert := testCertificate(t)
	serverCfg := func(max uint16) *tls.Config {
		return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: max}
	}
	clientCfg := func(max uint16) *tls.Config {
		return &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, MaxVersion: max}
	}
	client12 := !newOptions().implemented(versionTLS12)
	server := newOptions()
	server.server = true
	server12 := !server.implemented(versionTLS12)
	tests := []struct {
		name         string
		client       *tls.Config
		server       *tls.Config
		shimIsServer bool
		args         []string
		want         bool
	}{
		{"TLS 1.2 ServerHello", clientCfg(tls.VersionTLS13), serverCfg(tls.VersionTLS12), false, nil, client12},
		{"TLS 1.1 ServerHello", clientCfg(tls.VersionTLS13), serverCfg(tls.VersionTLS11), false, nil, true},
		{"TLS 1.3 ServerHello", clientCfg(tls.VersionTLS13), serverCfg(tls.VersionTLS13), false, nil, false},
		{"TLS 1.2 ServerHello, shim is TLS 1.3-only", clientCfg(tls.VersionTLS13), serverCfg(tls.VersionTLS12), false, []string{"-min-version", "772"}, false},
		{"TLS 1.2 ClientHello", clientCfg(tls.VersionTLS12), serverCfg(tls.VersionTLS13), true, nil, server12},
		{"TLS 1.1 ClientHello", clientCfg(tls.VersionTLS11), serverCfg(tls.VersionTLS13), true, nil, true},
		{"TLS 1.3 ClientHello", clientCfg(tls.VersionTLS13), serverCfg(tls.VersionTLS13), true, nil, false},
		{"TLS 1.3 ClientHello, shim without TLS 1.3", clientCfg(tls.VersionTLS13), serverCfg(tls.VersionTLS13), true, []string{"-no-tls13"}, server12},
		{"TLS 1.2 ClientHello, shim without TLS 1.2", clientCfg(tls.VersionTLS12), serverCfg(tls.VersionTLS13), true, []string{"-no-tls12"}, true},
		{"TLS 1.2 ClientHello, shim TLS 1.3-only", clientCfg(tls.VersionTLS12), serverCfg(tls.VersionTLS13), true, []string{"-no-tls12", "-no-tls11", "-no-tls1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toServer, toClient := captureFlights(t, tt.client, tt.server)
			args := tt.args
			stream := toClient
			if tt.shimIsServer {
				args = append(args, "-server")
				stream = toServer
			}
			p, err := parseArgs(args)
			if err != nil {
				t.Fatal(err)
			}
			if got := peerWantsMissingVersion(p.initial, stream, false); got != tt.want {
				t.Errorf("peerWantsMissingVersion = %t, want %t", got, tt.want)
			}
		})
	}
}

func TestFirstHandshakeMessage(t *testing.T) {
	msg := append([]byte{typeClientHello, 0, 0, 6}, "abcdef"...)
	tests := []struct {
		name   string
		stream []byte
		ok     bool
	}{
		{"one record", record(contentTypeHandshake, msg, 1<<14), true},
		{"fragmented", record(contentTypeHandshake, msg, 3), true},
		{"one byte records", record(contentTypeHandshake, msg, 1), true},
		{"truncated", record(contentTypeHandshake, msg[:7], 1<<14), false},
		{"alert first", append(record(contentTypeAlert, []byte{2, 40}, 2), record(contentTypeHandshake, msg, 100)...), false},
		{"empty", nil, false},
		{"huge length", record(contentTypeHandshake, []byte{1, 0xff, 0xff, 0xff}, 100), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, body, ok := firstHandshakeMessage(tt.stream)
			if ok != tt.ok {
				t.Fatalf("ok = %t, want %t", ok, tt.ok)
			}
			if ok && (typ != typeClientHello || string(body) != "abcdef") {
				t.Errorf("got type %d body %q", typ, body)
			}
		})
	}
}

func TestStartsWithAlert(t *testing.T) {
	tests := []struct {
		stream []byte
		desc   uint8
		want   bool
	}{
		{record(contentTypeAlert, []byte{2, alertProtocolVersion}, 2), alertProtocolVersion, true},
		{record(contentTypeAlert, []byte{2, alertHandshakeFailure}, 2), alertProtocolVersion, false},
		{record(contentTypeHandshake, []byte{2, alertProtocolVersion}, 2), alertProtocolVersion, false},
		{[]byte{contentTypeAlert, 3, 3, 0, 2, 2}, alertProtocolVersion, false},
	}
	for i, tt := range tests {
		if got := startsWithAlert(tt.stream, tt.desc); got != tt.want {
			t.Errorf("%d: startsWithAlert = %t, want %t", i, got, tt.want)
		}
	}
}

func TestClientRefusedByOlderServer(t *testing.T) {
	alert := record(contentTypeAlert, []byte{2, alertProtocolVersion}, 2)
	for _, tt := range []struct {
		args []string
		want bool
	}{
		{nil, true},
		{[]string{"-min-version", "772"}, false},
		{[]string{"-server"}, false},
	} {
		if !peerWantsMissingVersion(newOptions(), alert, true) {
			t.Error("a protocol_version refusal was not trusted on a resumption")
		}
		failure := record(contentTypeAlert, []byte{2, alertHandshakeFailure}, 2)
		if peerWantsMissingVersion(newOptions(), failure, true) {
			t.Error("a handshake_failure refusal was trusted on a resumption")
		}
		p, err := parseArgs(tt.args)
		if err != nil {
			t.Fatal(err)
		}
		if got := peerWantsMissingVersion(p.initial, alert, false); got != tt.want {
			t.Errorf("%v: peerWantsMissingVersion = %t, want %t", tt.args, got, tt.want)
		}
	}
}

// FuzzSniffer feeds arbitrary peer bytes to the sniffer's parsers, which
// see the runner's deliberately malformed hellos.
func FuzzSniffer(f *testing.F) {
	f.Add(record(contentTypeHandshake, []byte{typeClientHello, 0, 0, 2, 3, 3}, 100), false)
	f.Add(record(contentTypeAlert, []byte{2, alertProtocolVersion}, 2), false)
	f.Fuzz(func(t *testing.T, stream []byte, server bool) {
		o := newOptions()
		o.server = server
		o.resolveCipherSuites()
		peerWantsMissingVersion(o, stream, false)
		peerWantsMissingVersion(o, stream, true)
		clientOffersMissingSuites(o, stream)
		if typ, body, ok := firstHandshakeMessage(stream); ok {
			parseHelloVersions(typ, body)
		}
	})
}

// TestHelloSnifferKeepsBoundedCopy checks that the sniffer passes data
// through unchanged and stops copying at maxSniff.
func TestHelloSnifferKeepsBoundedCopy(t *testing.T) {
	c, s := net.Pipe()
	defer c.Close()
	sn := &helloSniffer{Conn: s}
	go func() {
		c.Write(bytes.Repeat([]byte{7}, maxSniff+100))
		c.Close()
	}()
	got, err := io.ReadAll(sn)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != maxSniff+100 {
		t.Errorf("read %d bytes", len(got))
	}
	if n := len(sn.received()); n != maxSniff {
		t.Errorf("kept %d bytes, want %d", n, maxSniff)
	}
}
