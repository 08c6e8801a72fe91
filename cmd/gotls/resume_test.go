package main

import (
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// connectArgs returns the arguments of a verified "gotls connect" to
// addr, followed by extra.
func (p *testPKI) connectArgs(addr string, extra ...string) []string {
	return append([]string{"connect", "-connect", addr, "-CAfile", p.caFile, "-closewrite"}, extra...)
}

// serveArgs returns the -cert and -key flags of the test server leaf,
// followed by extra.
func (p *testPKI) serveArgs(extra ...string) []string {
	return append([]string{"-cert", p.serverCert, "-key", p.serverKey}, extra...)
}

// mustConnect runs connect and fails the test unless it exits with 0.
func mustConnect(t *testing.T, srv *bgServe, stdin string, args ...string) cmdResult {
	t.Helper()
	r := runCmd(t, stdin, args...)
	if r.code != exitOK {
		t.Fatalf("gotls %s: exit code %d\nstderr:\n%s\nserver:\n%s", strings.Join(args, " "), r.code, r.stderr, srv.stderr.String())
	}
	return r
}

// writeTemp writes data to a file in dir and returns its path.
func writeTemp(t *testing.T, dir, name, data string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConnectReconnect(t *testing.T) {
	pki := newTestPKI(t)
	tests := []struct {
		name      string
		serveArgs []string
		wantKept  string
	}{
		{"TLS 1.3 tickets", nil, "new session kept: TLS 1.3 ticket"},
		{"TLS 1.3 tickets with 0-RTT", []string{"-early_data"}, "new session kept: TLS 1.3 ticket, 0-RTT up to 16384 bytes"},
		{"TLS 1.2 tickets", []string{"-tls1_2"}, "new session kept: TLS 1.2 session ticket"},
		{"TLS 1.2 session IDs", []string{"-tls1_2", "-no_ticket"}, "new session kept: TLS 1.2 session ID"},
		{"TLS 1.3 psk_ke", []string{"-allow_no_dhe_kex"}, "new session kept: TLS 1.3 ticket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServe(t, pki.serveArgs(append([]string{"-naccept", "6"}, tt.serveArgs...)...)...)
			extra := []string{"-reconnect"}
			if tt.name == "TLS 1.3 psk_ke" {
				extra = append(extra, "-allow_no_dhe_kex")
			}
			r := mustConnect(t, srv, "ping\n", pki.connectArgs(srv.addr, extra...)...)
			if r.stdout != "ping\n" {
				t.Errorf("stdout = %q, want the echo of the last connection only", r.stdout)
			}
			mustContain(t, "connect stderr", r.stderr,
				"connection 1 of 6: New, ", tt.wantKept, "connection 5 of 6: Reused, ",
				"connection 6 of 6: Reused, ", "\nReused 5/5 reconnections\n",
				"\nReused, TLSv1.", `verification: ok (chain to "gotls test CA")`)
			if strings.Contains(r.stderr, "WARNING") {
				t.Errorf("warning printed:\n%s", r.stderr)
			}
			if code := srv.wait(t); code != exitOK {
				t.Errorf("serve exit code %d:\n%s", code, srv.stderr.String())
			}
			log := srv.stderr.String()
			if n := strings.Count(log, ", Reused, TLSv1."); n != 5 {
				t.Errorf("server logged %d resumed connections, want 5:\n%s", n, log)
			}
			mustContain(t, "serve stderr", log, ", New, TLSv1.")
		})
	}
}

// TestConnectReconnectNotResumed checks that a server that never resumes
// leaves -reconnect with exit status 0 and a loud warning.
func TestConnectReconnectNotResumed(t *testing.T) {
	old := ticketWait
	ticketWait = 100 * time.Millisecond
	t.Cleanup(func() { ticketWait = old })
	pki := newTestPKI(t)
	srv := startServe(t, pki.serveArgs("-naccept", "6", "-tls1_3", "-no_ticket")...)
	r := mustConnect(t, srv, "", pki.connectArgs(srv.addr, "-reconnect", "-quiet")...)
	mustContain(t, "connect stderr", r.stderr,
		"WARNING: Reused 0/5 reconnections: the server did not resume 5 of them")
	if strings.Contains(r.stderr, "connection 1 of 6") {
		t.Errorf("-quiet printed the connection lines:\n%s", r.stderr)
	}
	srv.wait(t)

	srv = startServe(t, pki.serveArgs("-naccept", "1", "-tls1_3", "-no_ticket")...)
	r = mustConnect(t, srv, "", pki.connectArgs(srv.addr, "-sess_out", filepath.Join(t.TempDir(), "none.pem"))...)
	mustContain(t, "connect stderr", r.stderr, "warning: no session to save in")
	srv.wait(t)
}

func TestConnectSessOutSessIn(t *testing.T) {
	pki := newTestPKI(t)
	for _, version := range []string{"-tls1_3", "-tls1_2"} {
		t.Run(version, func(t *testing.T) {
			srv := startServe(t, pki.serveArgs("-naccept", "2", version)...)
			file := filepath.Join(t.TempDir(), "session.pem")
			r := mustConnect(t, srv, "one\n", pki.connectArgs(srv.addr, "-sess_out", file)...)
			mustContain(t, "first connect", r.stderr, "\nNew, TLSv1.", "session saved to "+file+": TLSv1.", "server name none")
			fi, err := os.Stat(file)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("session file mode %v, want 0600", fi.Mode().Perm())
			}
			data, _ := os.ReadFile(file)
			if block, _ := pem.Decode(data); block == nil || block.Type != sessionPEMType || block.Headers["Protocol"] == "" {
				t.Errorf("session file is not a %q PEM block with headers:\n%s", sessionPEMType, data)
			}
			r = mustConnect(t, srv, "two\n", pki.connectArgs(srv.addr, "-sess_in", file)...)
			mustContain(t, "second connect", r.stderr, "session loaded from "+file+": TLSv1.", "\nReused, TLSv1.",
				`verification: ok (chain to "gotls test CA")`)
			if r.stdout != "two\n" {
				t.Errorf("stdout = %q", r.stdout)
			}
			srv.wait(t)
			mustContain(t, "serve stderr", srv.stderr.String(), ", Reused, TLSv1.")
		})
	}
}

func TestConnectEarlyData(t *testing.T) {
	pki := newTestPKI(t)
	dir := t.TempDir()
	early := writeTemp(t, dir, "early.txt", "GET /early HTTP/1.0\r\n\r\n")
	session := filepath.Join(dir, "session.pem")

	srv := startServe(t, pki.serveArgs("-naccept", "3", "-early_data")...)
	mustConnect(t, srv, "", pki.connectArgs(srv.addr, "-sess_out", session)...)
	// Accepted: the server logs it and echoes it before the 1-RTT data.
	r := mustConnect(t, srv, "ping\n", pki.connectArgs(srv.addr, "-sess_in", session, "-early_data", early)...)
	if want := "GET /early HTTP/1.0\r\n\r\nping\n"; r.stdout != want {
		t.Errorf("stdout = %q, want %q", r.stdout, want)
	}
	mustContain(t, "connect stderr", r.stderr, "Early data was accepted (23 bytes)", "Reused, TLSv1.3", "early data accepted")
	// The same ticket again: its single-use record is gone.
	r = mustConnect(t, srv, "pong\n", pki.connectArgs(srv.addr, "-sess_in", session, "-early_data", early)...)
	if r.stdout != "pong\n" {
		t.Errorf("stdout = %q: rejected early data was resent or echoed", r.stdout)
	}
	mustContain(t, "connect stderr", r.stderr, "Early data was rejected", "does not send it again", "Reused, TLSv1.3", "early data rejected")
	srv.wait(t)
	log := srv.stderr.String()
	mustContain(t, "serve stderr", log, `early data (0-RTT, may be a replay): 23 bytes: "GET /early HTTP/1.0\r\n\r\n"`,
		"early data accepted, 23 bytes")
	if n := strings.Count(log, "early data (0-RTT"); n != 1 {
		t.Errorf("early data delivered %d times, want once:\n%s", n, log)
	}

	// A server without -early_data issues tickets that allow none.
	srv = startServe(t, pki.serveArgs("-naccept", "2")...)
	mustConnect(t, srv, "", pki.connectArgs(srv.addr, "-sess_out", session)...)
	r = mustConnect(t, srv, "", pki.connectArgs(srv.addr, "-sess_in", session, "-early_data", early)...)
	mustContain(t, "connect stderr", r.stderr, "Early data was not sent: the session's ticket allows no 0-RTT data", "early data not sent")
	srv.wait(t)
}

// TestConnectReconnectEarlyData checks that -reconnect sends early data
// on its last connection, with the ticket of the one before.
func TestConnectReconnectEarlyData(t *testing.T) {
	pki := newTestPKI(t)
	early := writeTemp(t, t.TempDir(), "early.txt", "0-RTT hello\n")
	srv := startServe(t, pki.serveArgs("-naccept", "6", "-early_data", "-www")...)
	r := mustConnect(t, srv, "", pki.connectArgs(srv.addr, "-reconnect", "-early_data", early)...)
	mustContain(t, "connect stderr", r.stderr, "Reused 5/5", "Early data was accepted (12 bytes)")
	srv.wait(t)
	mustContain(t, "serve stderr", srv.stderr.String(), "closed without a request", `12 bytes: "0-RTT hello\n"`)
}

// TestWWWRequestInEarlyData checks that -www reads the request from the
// early data.
func TestWWWRequestInEarlyData(t *testing.T) {
	pki := newTestPKI(t)
	dir := t.TempDir()
	early := writeTemp(t, dir, "req.txt", "GET / HTTP/1.0\r\n\r\n")
	session := filepath.Join(dir, "s.pem")
	srv := startServe(t, pki.serveArgs("-naccept", "2", "-early_data", "-www")...)
	mustConnect(t, srv, "GET / HTTP/1.0\r\n\r\n", "connect", "-connect", srv.addr, "-CAfile", pki.caFile, "-sess_out", session)
	r := mustConnect(t, srv, "", "connect", "-connect", srv.addr, "-CAfile", pki.caFile, "-sess_in", session, "-early_data", early)
	mustContain(t, "page", r.stdout, "HTTP/1.0 200 ok", "Resumed:             yes\n", "Early data:          accepted, 18 bytes\n")
	srv.wait(t)
}

func TestResumeFlagErrors(t *testing.T) {
	dir := t.TempDir()
	openssl := writeTemp(t, dir, "openssl.pem", "-----BEGIN SSL SESSION PARAMETERS-----\nMAA=\n-----END SSL SESSION PARAMETERS-----\n")
	junk := writeTemp(t, dir, "junk.pem", "-----BEGIN GOTLS SESSION-----\nAAAA\n-----END GOTLS SESSION-----\n")
	early := writeTemp(t, dir, "early.txt", "x")
	empty := writeTemp(t, dir, "empty.txt", "")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"early data without a session", []string{"connect", "-connect", "127.0.0.1:1", "-early_data", early}, exitUsage, "-early_data needs a session"},
		{"early data with TLS 1.2", []string{"connect", "-connect", "127.0.0.1:1", "-reconnect", "-early_data", early, "-tls1_2"}, exitUsage, "TLS 1.3 only"},
		{"early data with -no_ticket", []string{"connect", "-connect", "127.0.0.1:1", "-reconnect", "-early_data", early, "-no_ticket"}, exitUsage, "-no_ticket"},
		{"missing session file", []string{"connect", "-connect", "127.0.0.1:1", "-sess_in", filepath.Join(dir, "nope.pem")}, exitFailure, "nope.pem"},
		{"openssl session file", []string{"connect", "-connect", "127.0.0.1:1", "-sess_in", openssl}, exitFailure, "an openssl session file"},
		{"malformed session", []string{"connect", "-connect", "127.0.0.1:1", "-sess_in", junk}, exitFailure, "malformed session state"},
		{"empty early data", []string{"connect", "-connect", "127.0.0.1:1", "-reconnect", "-early_data", empty}, exitFailure, "no early data to send"},
		{"serve early data with TLS 1.2", []string{"serve", "-accept", "0", "-early_data", "-tls1_2"}, exitUsage, "TLS 1.3 only"},
		{"serve early data without tickets", []string{"serve", "-accept", "0", "-max_early_data", "100", "-no_ticket"}, exitUsage, "-no_ticket"},
		{"serve bad max_early_data", []string{"serve", "-accept", "0", "-max_early_data", "-1"}, exitUsage, "-max_early_data -1"},
		{"serve bad store", []string{"serve", "-accept", "0", "-store", "memcached://x:1"}, exitUsage, "bad -store"},
		{"serve bad lifetime", []string{"serve", "-accept", "0", "-ticket_lifetime", "forever"}, exitUsage, "bad -ticket_lifetime"},
		{"serve lifetime too long", []string{"serve", "-accept", "0", "-ticket_lifetime", "8760h"}, exitUsage, "between 1s and 7 days"},
		{"serve bad store timeout", []string{"serve", "-accept", "0", "-store_timeout", "0s"}, exitUsage, "-store_timeout"},
		{"connect -help", []string{"connect", "-help"}, exitOK, `"Reused N/5"`},
		{"serve -help", []string{"serve", "-help"}, exitOK, "-store redis://127.0.0.1:6379"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, "", tt.args...)
			if r.code != tt.code {
				t.Errorf("exit code %d, want %d\nstderr:\n%s", r.code, tt.code, r.stderr)
			}
			mustContain(t, "stderr", r.stderr, tt.want)
		})
	}
}

func TestParseTicketLifetime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"", 0, false},
		{"3600", time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"168h", 7 * 24 * time.Hour, false},
		{"169h", 0, true},
		{"0", 0, true},
		{"-5s", 0, true},
		{"1 hour", 0, true},
	}
	for _, tt := range tests {
		got, err := parseTicketLifetime(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseTicketLifetime(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestServeStoreDown checks that a server whose Redis does not answer
// starts, warns, and completes full handshakes.
func TestServeStoreDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	pki := newTestPKI(t)
	srv := startServe(t, pki.serveArgs("-naccept", "2", "-store", "redis://"+dead, "-early_data")...)
	file := filepath.Join(t.TempDir(), "s.pem")
	mustConnect(t, srv, "a\n", pki.connectArgs(srv.addr, "-sess_out", file)...)
	r := mustConnect(t, srv, "b\n", pki.connectArgs(srv.addr, "-sess_in", file)...)
	if r.stdout != "b\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
	if code := srv.wait(t); code != exitOK {
		t.Errorf("serve exit code %d:\n%s", code, srv.stderr.String())
	}
	mustContain(t, "serve stderr", srv.stderr.String(), "warning: session store redis://"+dead+" does not answer")
}

func TestNameMismatch(t *testing.T) {
	tests := []struct{ have, want, note string }{
		{"localhost", "localhost", ""},
		{"", "", ""},
		{"localhost", "", "add -servername localhost to resume it"},
		{"", "example.com", "made without a server name, and this connection is for example.com"},
		{"a.example", "b.example", "for server name a.example, not b.example"},
	}
	for _, tt := range tests {
		got := nameMismatch(tt.have, tt.want)
		if (tt.note == "") != (got == "") || !strings.Contains(got, tt.note) {
			t.Errorf("nameMismatch(%q, %q) = %q, want it to contain %q", tt.have, tt.want, got, tt.note)
		}
	}
}
