package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// requireOpenSSL returns the path of the openssl binary. Without one the
// test is skipped, except under CI=true, where it fails.
func requireOpenSSL(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("openssl is required when CI=true: %v", err)
		}
		t.Skip("openssl not found; skipping interop test")
	}
	return path
}

// TestInteropOpenSSLClient runs "openssl s_client" against "gotls serve
// -www" over TLS 1.3 and checks the status page it prints.
func TestInteropOpenSSLClient(t *testing.T) {
	openssl := requireOpenSSL(t)
	pki := newTestPKI(t).withRSA(t)
	tests := []struct {
		name      string
		rsa       bool // serve with the RSA certificate
		serveArgs []string
		clientArg []string
		wants     []string
	}{
		{"defaults", false, nil, nil, []string{"Key exchange group:  x25519\n", "Cipher suite:        TLS_AES_128_GCM_SHA256\n"}},
		{"TLS 1.2", false, []string{"-tls1_2"}, []string{"-tls1_2"}, []string{"Protocol version:    TLSv1.2\n", "OpenSSL name:        ECDHE-ECDSA-"}},
		{"TLS 1.2 RSA key transport", true, []string{"-cipher", "AES128-GCM-SHA256"}, []string{"-tls1_2", "-cipher", "AES128-GCM-SHA256"},
			[]string{"Cipher is AES128-GCM-SHA256", "Protocol version:    TLSv1.2\n", "Cipher suite:        TLS_RSA_WITH_AES_128_GCM_SHA256\n",
				"OpenSSL name:        AES128-GCM-SHA256\n", "Key exchange group:  none (RSA key transport, no forward secrecy)\n"}},
		{"TLS 1.2 ECDHE with CBC", false, []string{"-no_tls1_3", "-cipher", "ECDHE-ECDSA-AES128-SHA"}, []string{"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA"},
			[]string{"Cipher is ECDHE-ECDSA-AES128-SHA", "OpenSSL name:        ECDHE-ECDSA-AES128-SHA\n"}},
		{"P-384 and ChaCha20", false, nil, []string{"-groups", "P-384", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"},
			[]string{"Key exchange group:  secp384r1\n", "Cipher suite:        TLS_CHACHA20_POLY1305_SHA256\n"}},
		{"SNI and ALPN", false, []string{"-alpn", "h2,http/1.1"}, []string{"-servername", "localhost", "-alpn", "http/1.1"},
			[]string{"ALPN protocol:       http/1.1\n", "SNI:                 localhost\n"}},
		{"client certificate", false, []string{"-CAfile", pki.caFile, "-Verify", "1"}, []string{"-cert", pki.clientCert, "-key", pki.clientKey},
			[]string{"Client certificate:  CN=gotls test client (verified"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			version := []string{"-tls1_3"}
			if slices.Contains(tt.clientArg, "-tls1_2") {
				version = nil
			}
			cert := []string{"-cert", pki.serverCert, "-key", pki.serverKey}
			if tt.rsa {
				cert = []string{"-cert", pki.rsaCert, "-key", pki.rsaKey}
			}
			srv := startServe(t, append(append(append(cert, "-naccept", "1", "-www"), version...), tt.serveArgs...)...)
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			args := append(append([]string{"s_client", "-connect", srv.addr, "-CAfile", pki.caFile, "-ign_eof"}, version...), tt.clientArg...)
			cmd := exec.CommandContext(ctx, openssl, args...)
			cmd.Stdin = strings.NewReader("GET / HTTP/1.0\r\n\r\n")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("openssl s_client: %v\n%s\nserver:\n%s", err, out, srv.stderr.String())
			}
			wants := append([]string{"Verify return code: 0 (ok)", "HTTP/1.0 200 ok"}, tt.wants...)
			if version != nil {
				wants = append(wants, "Protocol version:    TLSv1.3\n")
			}
			mustContain(t, "s_client output", string(out), wants...)
			if code := srv.wait(t); code != exitOK {
				t.Errorf("serve exit code %d:\n%s", code, srv.stderr.String())
			}
		})
	}
}

// startOpenSSLServer starts "openssl s_server" on 127.0.0.1, port 0, for
// one connection and returns its address and a function that waits for
// it and returns its output.
func startOpenSSLServer(t *testing.T, openssl string, args ...string) (string, func() string) {
	t.Helper()
	return startOpenSSLServerN(t, openssl, 1, args...)
}

// startOpenSSLServerN is startOpenSSLServer for n connections.
func startOpenSSLServerN(t *testing.T, openssl string, n int, args ...string) (string, func() string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	full := append([]string{"s_server", "-accept", "127.0.0.1:0", "-naccept", strconv.Itoa(n)}, args...)
	cmd := exec.CommandContext(ctx, openssl, full...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// Without -www, s_server stops when its stdin ends: keep it open
	// until the test ends.
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdinW.Close() })
	cmd.Stdin = stdinR
	err = cmd.Start()
	stdinR.Close()
	if err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	rest := make(chan string, 1)
	go func() {
		var out strings.Builder
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := acceptLine.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
			out.WriteString(sc.Text() + "\n")
		}
		io.Copy(io.Discard, stdout)
		rest <- out.String()
	}()
	wait := func() string {
		out := <-rest
		cmd.Wait()
		return out + errb.String()
	}
	select {
	case a := <-addr:
		return a, wait
	case <-ctx.Done():
		cmd.Process.Kill()
		t.Fatalf("openssl s_server did not print ACCEPT:\n%s", wait())
		return "", nil
	}
}

// TestInteropOpenSSLServer runs "gotls connect" against "openssl s_server
// -www".
func TestInteropOpenSSLServer(t *testing.T) {
	openssl := requireOpenSSL(t)
	pki := newTestPKI(t).withRSA(t)
	rsaCert := []string{"-cert", pki.rsaCert, "-key", pki.rsaKey}
	tests := []struct {
		name        string
		serverArgs  []string
		connectArgs []string
		wantSummary []string
		wantPage    []string
	}{
		{"defaults", nil, nil, []string{"TLSv1.3, TLS_AES_128_GCM_SHA256, group x25519"}, nil},
		{"TLS 1.2", nil, []string{"-tls1_2"},
			[]string{"TLSv1.2, ECDHE-ECDSA-AES128-GCM-SHA256 (TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)"}, []string{"New, TLSv1.2"}},
		{"TLS 1.2 ECDHE-RSA with ChaCha20", append([]string{"-tls1_2"}, rsaCert...), []string{"-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"},
			[]string{"TLSv1.2, ECDHE-RSA-CHACHA20-POLY1305 (TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256), group x25519"},
			[]string{"New, TLSv1.2, Cipher is ECDHE-RSA-CHACHA20-POLY1305"}},
		{"TLS 1.2 RSA key transport with CBC", append([]string{"-tls1_2"}, rsaCert...), []string{"-no_tls1_3", "-cipher", "AES256-SHA"},
			[]string{"TLSv1.2, AES256-SHA (TLS_RSA_WITH_AES_256_CBC_SHA), group none (RSA key transport, no forward secrecy)"},
			// s_server names the lowest version a suite exists in: "New, SSLv3, Cipher is AES256-SHA".
			[]string{"Protocol  : TLSv1.2\n", "Cipher    : AES256-SHA\n"}},
		{"P-521 and AES-256", nil, []string{"-groups", "P-521", "-ciphersuites", "TLS_AES_256_GCM_SHA384"},
			[]string{"TLSv1.3, TLS_AES_256_GCM_SHA384, group secp521r1"}, []string{"TLS_AES_256_GCM_SHA384"}},
		{"ALPN and SNI", []string{"-alpn", "h2"}, []string{"-alpn", "h2,http/1.1", "-servername", "localhost"},
			[]string{"ALPN h2"}, nil},
		{"client certificate", []string{"-Verify", "1", "-CAfile", pki.caFile}, []string{"-cert", pki.clientCert, "-key", pki.clientKey},
			nil, []string{"gotls test client"}},
		{"HelloRetryRequest", []string{"-groups", "P-256"}, []string{"-groups", "X25519:P-256"},
			[]string{"group secp256r1", "after HelloRetryRequest"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-www"}, tt.serverArgs...)
			if !slices.Contains(args, "-cert") {
				args = append(args, "-cert", pki.serverCert, "-key", pki.serverKey)
			}
			addr, wait := startOpenSSLServer(t, openssl, args...)
			connect := append([]string{"connect", "-connect", addr, "-CAfile", pki.caFile}, tt.connectArgs...)
			r := runCmd(t, "GET / HTTP/1.0\r\n\r\n", connect...)
			serverOut := wait()
			if r.code != exitOK {
				t.Fatalf("connect exit code %d\nstderr:\n%s\nopenssl:\n%s", r.code, r.stderr, serverOut)
			}
			mustContain(t, "page", r.stdout, append([]string{"HTTP/1.0 200 ok", "\nNew, "}, tt.wantPage...)...)
			mustContain(t, "summary", r.stderr, append([]string{`verification: ok (chain to "gotls test CA")`, "closed cleanly"}, tt.wantSummary...)...)
		})
	}
}
