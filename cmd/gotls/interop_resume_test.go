package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runSClient runs "openssl s_client" against addr with stdin and returns
// its combined output, failing the test when it fails.
func runSClient(t *testing.T, openssl, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, openssl, append([]string{"s_client"}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl s_client %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestInteropOpenSSLClientResume saves a session with "openssl s_client
// -sess_out" from "gotls serve -www" and resumes it with -sess_in.
func TestInteropOpenSSLClientResume(t *testing.T) {
	openssl := requireOpenSSL(t)
	pki := newTestPKI(t)
	tests := []struct {
		name      string
		version   string
		serveArgs []string
	}{
		{"TLS 1.3", "-tls1_3", nil},
		// s_client sends an X25519 key share first: HelloRetryRequest.
		{"TLS 1.3 after HelloRetryRequest", "-tls1_3", []string{"-groups", "P-384"}},
		{"TLS 1.2 tickets", "-tls1_2", nil},
		{"TLS 1.2 session IDs", "-tls1_2", []string{"-no_ticket"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServe(t, pki.serveArgs(append([]string{"-naccept", "2", "-www"}, tt.serveArgs...)...)...)
			file := filepath.Join(t.TempDir(), "openssl-session.pem")
			base := []string{"-connect", srv.addr, "-CAfile", pki.caFile, "-ign_eof", tt.version}
			out := runSClient(t, openssl, "GET / HTTP/1.0\r\n\r\n", append(base, "-sess_out", file)...)
			mustContain(t, "first s_client", out, "\nNew, TLSv1.", "Resumed:             no\n")
			out = runSClient(t, openssl, "GET / HTTP/1.0\r\n\r\n", append(base, "-sess_in", file)...)
			mustContain(t, "second s_client", out, "\nReused, TLSv1.", "Resumed:             yes\n", "Verify return code: 0 (ok)")
			if code := srv.wait(t); code != exitOK {
				t.Errorf("serve exit code %d:\n%s", code, srv.stderr.String())
			}
			mustContain(t, "serve stderr", srv.stderr.String(), ", Reused, TLSv1.")
			if tt.serveArgs != nil && tt.serveArgs[0] == "-groups" {
				mustContain(t, "serve stderr", srv.stderr.String(), "group secp384r1, ALPN none, after HelloRetryRequest")
			}
		})
	}
}

// TestInteropOpenSSLClientEarlyData sends 0-RTT data with "openssl
// s_client -early_data" to "gotls serve -early_data -www", which reads
// the request from it.
func TestInteropOpenSSLClientEarlyData(t *testing.T) {
	openssl := requireOpenSSL(t)
	pki := newTestPKI(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "openssl-session.pem")
	request := writeTemp(t, dir, "request.txt", "GET / HTTP/1.0\r\n\r\n")
	srv := startServe(t, pki.serveArgs("-naccept", "2", "-www", "-early_data")...)
	base := []string{"-connect", srv.addr, "-CAfile", pki.caFile, "-ign_eof"}
	runSClient(t, openssl, "GET / HTTP/1.0\r\n\r\n", append(base, "-sess_out", file)...)
	out := runSClient(t, openssl, "", append(base, "-sess_in", file, "-early_data", request)...)
	mustContain(t, "s_client", out, "\nReused, TLSv1.3", "Early data was accepted", "HTTP/1.0 200 ok",
		"Early data:          accepted, 18 bytes\n")
	srv.wait(t)
	mustContain(t, "serve stderr", srv.stderr.String(),
		`early data (0-RTT, may be a replay): 18 bytes: "GET / HTTP/1.0\r\n\r\n"`, "early data accepted, 18 bytes")
}

// TestInteropReconnectOpenSSLServer runs "gotls connect -reconnect"
// against "openssl s_server -www".
func TestInteropReconnectOpenSSLServer(t *testing.T) {
	openssl := requireOpenSSL(t)
	pki := newTestPKI(t)
	for _, version := range []string{"-tls1_3", "-tls1_2"} {
		t.Run(version, func(t *testing.T) {
			addr, wait := startOpenSSLServerN(t, openssl, reconnections+1, "-www", "-cert", pki.serverCert, "-key", pki.serverKey, version)
			r := runCmd(t, "GET / HTTP/1.0\r\n\r\n", "connect", "-connect", addr, "-CAfile", pki.caFile, "-reconnect")
			serverOut := wait()
			if r.code != exitOK {
				t.Fatalf("connect exit code %d\nstderr:\n%s\nopenssl:\n%s", r.code, r.stderr, serverOut)
			}
			mustContain(t, "connect stderr", r.stderr, "connection 1 of 6: New", "Reused 5/5 reconnections", "\nReused, TLSv1.")
			mustContain(t, "page", r.stdout, "\nReused, TLSv1.")
		})
	}
}

// TestInteropOpenSSLServerEarlyData saves a session from "openssl
// s_server -early_data" with -sess_out, then sends 0-RTT data with
// -sess_in and -early_data, which s_server prints.
func TestInteropOpenSSLServerEarlyData(t *testing.T) {
	openssl := requireOpenSSL(t)
	pki := newTestPKI(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "session.pem")
	early := writeTemp(t, dir, "early.txt", "early words from gotls\n")
	addr, wait := startOpenSSLServerN(t, openssl, 2, "-early_data", "-cert", pki.serverCert, "-key", pki.serverKey)
	first := runCmd(t, "", "connect", "-connect", addr, "-CAfile", pki.caFile, "-closewrite", "-sess_out", file)
	second := runCmd(t, "late words\n", "connect", "-connect", addr, "-CAfile", pki.caFile, "-closewrite", "-sess_in", file, "-early_data", early)
	serverOut := wait()
	if first.code != exitOK || second.code != exitOK {
		t.Fatalf("connect exit codes %d, %d\nstderr:\n%s\n%s\nopenssl:\n%s", first.code, second.code, first.stderr, second.stderr, serverOut)
	}
	mustContain(t, "connect stderr", second.stderr, "0-RTT up to 16384 bytes", "Early data was accepted (23 bytes)", "Reused, TLSv1.3")
	mustContain(t, "s_server output", serverOut, "Early data received:", "early words from gotls", "late words")
}
