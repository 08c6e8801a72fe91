package main

import (
	"crypto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConnectRevocation runs "gotls connect -revocation" against "gotls
// serve" with certificates from a "gotls cert" CA whose responder runs on
// loopback: good, revoked, Must-Staple and unreachable-responder
// certificates, with and without staples, in TLS 1.3 and TLS 1.2.
func TestConnectRevocation(t *testing.T) {
	ca := newTestCA(t, "ecdsa").startResponder(t)
	good, goodKey := ca.issue(t, "good")
	revoked, revokedKey := ca.issue(t, "revoked")
	mustRun(t, "cert", "-ca-dir", ca.dir, "revoke", "-reason", "keyCompromise", revoked)
	mustStaple, mustStapleKey := ca.issue(t, "muststaple", "-must-staple")
	down := &testCA{dir: ca.dir, caFile: ca.caFile, addr: closedAddr(t)}
	unreachable, unreachableKey := down.issue(t, "unreachable")
	ocspURL := "http://" + ca.addr + ocspPath
	hard, soft := []string{"-revocation", "hard"}, []string{"-revocation", "soft"}
	with := func(a []string, more ...string) []string { return append(append([]string{}, a...), more...) }
	tests := []struct {
		name        string
		cert, key   string
		serveArgs   []string
		connectArgs []string
		wantCode    int
		wantStderr  []string
	}{
		{"off ignores a revoked certificate", revoked, revokedKey, nil, []string{"-status"}, exitOK,
			[]string{"OCSP response: no response sent", "revocation: not checked (-revocation off"}},
		{"off shows a staple without judging it", revoked, revokedKey, []string{"-status"}, []string{"-status"}, exitOK,
			[]string{"Cert Status: revoked", "Revocation Reason: keyCompromise (1)", "revocation: not checked"}},
		{"hard, no staple, good from the responder", good, goodKey, nil, hard, exitOK,
			[]string{"revocation (hard): good: OCSP responder " + ocspURL + ": good, signed by the issuer"}},
		{"hard, no staple, revoked by the responder", revoked, revokedKey, nil, hard, exitFailure,
			[]string{"verification: FAILED (revocation check", "revocation (hard): REVOKED: ocsp " + ocspURL + ": revoked",
				"reason keyCompromise", "(certificate_revoked)"}},
		{"soft, no staple, revoked by the responder", revoked, revokedKey, nil, soft, exitFailure,
			[]string{"revocation (soft): REVOKED", "reason keyCompromise"}},
		{"hard, good staple", good, goodKey, []string{"-status"}, with(hard, "-status"), exitOK,
			[]string{"OCSP response: ", "Response Status: successful", "Responder Id: CN=gotls cli test CA", "Cert Status: good",
				"Next Update: ", "revocation (hard): good: stapled OCSP response: good, signed by the issuer"}},
		{"hard, revoked staple", revoked, revokedKey, []string{"-status"}, with(hard, "-status"), exitFailure,
			[]string{"Cert Status: revoked", "Revocation Time: ", "Revocation Reason: keyCompromise (1)",
				"revocation (hard): REVOKED: staple: revoked", "reason keyCompromise"}},
		{"TLS 1.2, hard, good staple", good, goodKey, []string{"-status", "-tls1_2"}, with(hard, "-status"), exitOK,
			[]string{"Cert Status: good", "revocation (hard): good: stapled OCSP response: good", "TLSv1.2, "}},
		{"TLS 1.2, soft, revoked staple", revoked, revokedKey, []string{"-status", "-tls1_2"}, with(soft, "-status"), exitFailure,
			[]string{"Cert Status: revoked", "revocation (soft): REVOKED: staple: revoked"}},
		{"soft, Must-Staple without a staple", mustStaple, mustStapleKey, nil, with(soft, "-status"), exitFailure,
			[]string{"OCSP response: no response sent", "revocation (soft): MISSING: staple: missing", "(bad_certificate_status_response)"}},
		{"hard, Must-Staple without a staple", mustStaple, mustStapleKey, nil, hard, exitFailure,
			[]string{"revocation (hard): MISSING: staple: missing", "rfc 7633"}},
		{"hard, Must-Staple with a staple", mustStaple, mustStapleKey, []string{"-status"}, hard, exitOK,
			[]string{"revocation (hard): good: stapled OCSP response: good"}},
		{"soft, responder down", unreachable, unreachableKey, nil, soft, exitOK,
			[]string{"gotls connect: warning: revocation status unavailable, continuing (soft-fail)", "connection refused",
				"revocation (soft): UNAVAILABLE, continuing (soft-fail): unavailable: ocsp http://" + down.addr, "crl http://" + down.addr}},
		{"hard, responder down", unreachable, unreachableKey, nil, hard, exitFailure,
			[]string{"revocation (hard): UNAVAILABLE: unavailable: ocsp http://" + down.addr, "(certificate_unknown)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServe(t, append([]string{"-cert", tt.cert, "-key", tt.key, "-naccept", "1"}, tt.serveArgs...)...)
			args := append([]string{"connect", "-connect", srv.addr, "-CAfile", ca.caFile, "-closewrite"}, tt.connectArgs...)
			r := runCmd(t, "ping\n", args...)
			if r.code != tt.wantCode {
				t.Errorf("connect exit code %d, want %d\nstderr:\n%s\nserver:\n%s", r.code, tt.wantCode, r.stderr, srv.stderr.String())
			}
			mustContain(t, "connect stderr", r.stderr, tt.wantStderr...)
			if tt.wantCode == exitOK && r.stdout != "ping\n" {
				t.Errorf("echo = %q", r.stdout)
			}
			srv.wait(t)
		})
	}
}

// TestServeStatusFile serves a staple from a file, replaces the file
// while the server runs, and checks that an expired staple is not served.
func TestServeStatusFile(t *testing.T) {
	ca := newTestCA(t, "ecdsa")
	certFile, keyFile := ca.issue(t, "leaf", "-must-staple")
	staple := ca.ocspFile(t, certFile)
	srv := startServe(t, "-cert", certFile, "-key", keyFile, "-status_file", staple, "-naccept", "2")
	connect := []string{"connect", "-connect", srv.addr, "-CAfile", ca.caFile, "-closewrite", "-status", "-revocation", "hard"}
	r := runCmd(t, "ping\n", connect...)
	if r.code != exitOK {
		t.Fatalf("connect exit code %d\nstderr:\n%s\nserver:\n%s", r.code, r.stderr, srv.stderr.String())
	}
	mustContain(t, "connect stderr", r.stderr, "Cert Status: good", "revocation (hard): good: stapled OCSP response: good")

	// Revoke, and replace the file as "gotls cert ocsp" does: the server
	// reads it again at the next handshake.
	mustRun(t, "cert", "-ca-dir", ca.dir, "revoke", "-reason", "cessationOfOperation", certFile)
	mustRun(t, "cert", "-ca-dir", ca.dir, "ocsp", "-cert", certFile, "-out", staple)
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(staple, later, later); err != nil {
		t.Fatal(err)
	}
	r = runCmd(t, "ping\n", connect...)
	if r.code != exitFailure {
		t.Errorf("connect exit code %d with a revoked staple, want %d\nstderr:\n%s", r.code, exitFailure, r.stderr)
	}
	mustContain(t, "connect stderr", r.stderr, "Cert Status: revoked", "Revocation Reason: cessationOfOperation (5)",
		"revocation (hard): REVOKED: staple: revoked")
	srv.wait(t)
	mustContain(t, "serve stderr", srv.stderr.String(), "from file "+staple+": good", "(loaded)", "from file "+staple+": revoked", "(reloaded)")

	// An expired response is never served.
	expired := writeExpiredStaple(t, ca, certFile)
	srv = startServe(t, "-cert", certFile, "-key", keyFile, "-status_file", expired, "-naccept", "1")
	r = runCmd(t, "ping\n", "connect", "-connect", srv.addr, "-CAfile", ca.caFile, "-closewrite", "-status")
	if r.code != exitOK {
		t.Errorf("connect exit code %d\nstderr:\n%s", r.code, r.stderr)
	}
	mustContain(t, "connect stderr", r.stderr, "OCSP response: no response sent")
	srv.wait(t)
	mustContain(t, "serve stderr", srv.stderr.String(), "not served", "expired")
}

// writeExpiredStaple writes an OCSP response about certFile whose next
// update passed a day ago.
func writeExpiredStaple(t *testing.T, tc *testCA, certFile string) string {
	t.Helper()
	ca, err := openCA(tc.dir)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := readCertFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	der, _, err := ca.ocspResponse(&ca.state, leaf.SerialNumber, crypto.SHA1, time.Now().Add(-48*time.Hour), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "expired.der")
	if err := os.WriteFile(path, der, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestServeStatusErrors(t *testing.T) {
	ca := newTestCA(t, "ecdsa")
	noResponder, key := ca.issue(t, "plain")
	tests := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"-status without -cert", []string{"serve", "-accept", "0", "-status"}, exitUsage, "need -cert and -key"},
		{"-status and -status_file", []string{"serve", "-accept", "0", "-cert", noResponder, "-key", key, "-status", "-status_file", "x"}, exitUsage, "exclude each other"},
		{"missing -status_file", []string{"serve", "-accept", "0", "-cert", noResponder, "-key", key, "-status_file", filepath.Join(t.TempDir(), "none.der")}, exitFailure, "-status_file: "},
		{"-status with a certificate naming no responder", []string{"serve", "-accept", "0", "-cert", noResponder, "-key", key, "-status"}, exitFailure, "names no ocsp responder"},
		{"connect bad -revocation", []string{"connect", "-connect", "127.0.0.1:1", "-revocation", "maybe"}, exitUsage, `unknown -revocation "maybe"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, "", tt.args...)
			if r.code != tt.code {
				t.Errorf("exit code %d, want %d\nstderr:\n%s", r.code, tt.code, r.stderr)
			}
			mustContain(t, "stderr", r.stderr, tt.inStderr)
		})
	}
}

// TestInteropOpenSSLStatus checks our staples with "openssl s_client
// -status" in TLS 1.3 and TLS 1.2, from -status_file and from -status,
// and our client against "openssl s_server -status_file".
func TestInteropOpenSSLStatus(t *testing.T) {
	openssl := requireOpenSSL(t)
	ca := newTestCA(t, "ecdsa").startResponder(t)
	certFile, keyFile := ca.issue(t, "leaf")
	staple := ca.ocspFile(t, certFile)
	tests := []struct {
		name    string
		version string
		status  []string // serve's stapling flags
	}{
		{"TLS 1.3 -status_file", "-tls1_3", []string{"-status_file", staple}},
		{"TLS 1.2 -status_file", "-tls1_2", []string{"-status_file", staple}},
		{"TLS 1.3 -status", "-tls1_3", []string{"-status"}},
		{"TLS 1.2 -status", "-tls1_2", []string{"-status"}},
	}
	for _, tt := range tests {
		t.Run("s_client against serve "+tt.name, func(t *testing.T) {
			srv := startServe(t, append([]string{"-cert", certFile, "-key", keyFile, "-naccept", "1", "-www"}, tt.status...)...)
			out := runOpenSSLInput(t, openssl, "GET / HTTP/1.0\r\n\r\n", "s_client", "-connect", srv.addr, "-servername", "localhost",
				"-status", tt.version, "-CAfile", ca.caFile, "-verify_return_error", "-ign_eof")
			mustContain(t, "s_client output", out, "OCSP Response Status: successful", "Cert Status: good",
				"Verify return code: 0 (ok)", "New, TLSv1."+tt.version[len(tt.version)-1:])
			srv.wait(t)
		})
	}
	for _, version := range []string{"-tls1_3", "-tls1_2"} {
		t.Run("connect against s_server -status_file "+version, func(t *testing.T) {
			addr, wait := startOpenSSLServer(t, openssl, "-cert", certFile, "-key", keyFile, "-status_file", staple, "-www", version)
			r := runCmd(t, "GET / HTTP/1.0\r\n\r\n", "connect", "-connect", addr, "-CAfile", ca.caFile, "-status", "-revocation", "hard")
			serverOut := wait()
			if r.code != exitOK {
				t.Fatalf("connect exit code %d\nstderr:\n%s\nopenssl:\n%s", r.code, r.stderr, serverOut)
			}
			mustContain(t, "connect stderr", r.stderr, "Cert Status: good", "revocation (hard): good: stapled OCSP response: good",
				"TLSv1."+version[len(version)-1:])
		})
	}
}

// runOpenSSLInput runs openssl with stdin within testTimeout and returns
// its combined output.
func runOpenSSLInput(t *testing.T, openssl, stdin string, args ...string) string {
	t.Helper()
	cmd := openSSLCommand(t, openssl, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
