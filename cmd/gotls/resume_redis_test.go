package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gotls/session/redistest"
)

// TestServeFleetRedis runs two "gotls serve" processes that share one
// redis-server, like two servers behind a load balancer: a session made
// on one resumes on the other, and 0-RTT data is accepted once across
// both.
func TestServeFleetRedis(t *testing.T) {
	redisAddr, _ := redistest.StartRedis(t)
	store := "redis://" + redisAddr
	pki := newTestPKI(t)
	dir := t.TempDir()
	early := writeTemp(t, dir, "early.txt", "replayable request\n")
	tests := []struct {
		name      string
		serveArgs []string
		early     bool
	}{
		{"TLS 1.3 tickets and 0-RTT", []string{"-early_data"}, true},
		{"TLS 1.2 tickets", []string{"-tls1_2"}, false},
		{"TLS 1.2 session IDs", []string{"-tls1_2", "-no_ticket"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := pki.serveArgs(append([]string{"-store", store}, tt.serveArgs...)...)
			a, b := startServeProcess(t, args...), startServeProcess(t, args...)
			file := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".pem")
			mustConnect(t, a, "", pki.connectArgs(a.addr, "-sess_out", file)...)
			extra := []string{"-sess_in", file}
			if tt.early {
				extra = append(extra, "-early_data", early)
			}
			r := mustConnect(t, b, "on B\n", pki.connectArgs(b.addr, extra...)...)
			mustContain(t, "connect to B", r.stderr, "\nReused, TLSv1.")
			waitLog(t, b, ", Reused, TLSv1.", "session store "+store+": ticket keys")
			if tt.early {
				if want := "replayable request\non B\n"; r.stdout != want {
					t.Errorf("stdout = %q, want %q", r.stdout, want)
				}
				mustContain(t, "connect to B", r.stderr, "Early data was accepted (19 bytes)")
				waitLog(t, b, `early data (0-RTT, may be a replay): 19 bytes: "replayable request\n"`)
				// The same ClientHello ticket and early data to A: the
				// single-use record in Redis is gone.
				r = mustConnect(t, a, "on A\n", pki.connectArgs(a.addr, extra...)...)
				mustContain(t, "replay to A", r.stderr, "\nReused, TLSv1.3", "Early data was rejected")
				if r.stdout != "on A\n" {
					t.Errorf("stdout = %q: the replayed early data was delivered", r.stdout)
				}
				waitLog(t, a, ", Reused, TLSv1.3")
				if strings.Contains(a.stderr.String(), "early data (0-RTT") {
					t.Errorf("A accepted replayed early data:\n%s", a.stderr.String())
				}
			}
			for _, s := range []*bgServe{a, b} {
				if log := s.stderr.String(); strings.Contains(log, "warning:") || strings.Contains(log, "level=WARN") {
					t.Errorf("server warned:\n%s", s.stderr.String())
				}
			}
		})
	}
}

// waitLog waits until a server's log holds each of wants, which a
// server in another process writes a moment after the client is done.
func waitLog(t *testing.T, s *bgServe, wants ...string) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for _, w := range wants {
		for !strings.Contains(s.stderr.String(), w) {
			if time.Now().After(deadline) {
				t.Fatalf("server log lacks %q:\n%s", w, s.stderr.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}
