package main

import (
	"context"
	"crypto/tls"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"gotls"
)

func TestServeConnectEcho(t *testing.T) {
	pki := newTestPKI(t)
	srv := startServe(t, "-cert", pki.serverCert, "-key", pki.serverKey, "-naccept", "1")
	input := "hello through gotls\nsecond line\n"
	r := runCmd(t, input, "connect", "-connect", srv.addr, "-CAfile", pki.caFile, "-closewrite", "-groups", "P-256")
	if r.code != exitOK {
		t.Fatalf("connect exit code %d\nstderr:\n%s\nserver:\n%s", r.code, r.stderr, srv.stderr.String())
	}
	if r.stdout != input {
		t.Errorf("echo = %q, want %q", r.stdout, input)
	}
	mustContain(t, "connect stderr", r.stderr,
		"CONNECTED to "+srv.addr,
		"TLSv1.3, TLS_AES_",
		"group secp256r1",
		"peer localhost",
		`verification: ok (chain to "gotls test CA")`,
		"closed cleanly (close_notify)")
	if code := srv.wait(t); code != exitOK {
		t.Errorf("serve exit code %d:\n%s", code, srv.stderr.String())
	}
	mustContain(t, "serve stderr", srv.stderr.String(),
		"ACCEPT 127.0.0.1:",
		"listening on loopback only",
		", TLSv1.3, TLS_AES_", "group secp256r1", "SNI none")
}

func TestServeConnectWWW(t *testing.T) {
	pki := newTestPKI(t)
	srv := startServe(t, "-cert", pki.serverCert, "-key", pki.serverKey, "-naccept", "1", "-www",
		"-alpn", "h2,http/1.1", "-quiet")
	r := runCmd(t, "GET / HTTP/1.0\r\n\r\n", "connect", "-connect", srv.addr, "-CAfile", pki.caFile,
		"-servername", "localhost", "-alpn", "http/1.1", "-ciphersuites", "TLS_AES_256_GCM_SHA384", "-trace")
	if r.code != exitOK {
		t.Fatalf("connect exit code %d\nstderr:\n%s\nserver:\n%s", r.code, r.stderr, srv.stderr.String())
	}
	mustContain(t, "status page", r.stdout,
		"HTTP/1.0 200 ok\r\nContent-Type: text/plain\r\n\r\n",
		"Protocol version:    TLSv1.3\n",
		"Cipher suite:        TLS_AES_256_GCM_SHA384\n",
		"OpenSSL name:        TLS_AES_256_GCM_SHA384\n",
		"ALPN protocol:       http/1.1\n",
		"SNI:                 localhost\n",
		"Client certificate:  none\n")
	mustContain(t, "connect stderr", r.stderr,
		"client │ send ClientHello", "client │ verify certificate", // -trace
		"ALPN http/1.1", "closed cleanly")
	if code := srv.wait(t); code != exitOK {
		t.Errorf("serve exit code %d:\n%s", code, srv.stderr.String())
	}
	if strings.Contains(srv.stderr.String(), "TLSv1.3") {
		t.Errorf("-quiet server printed a connection line:\n%s", srv.stderr.String())
	}
}

func TestServeClientCertificates(t *testing.T) {
	pki := newTestPKI(t)
	tests := []struct {
		name       string
		verifyFlag string
		withCert   bool
		wantCode   int
		wantPage   string
	}{
		{"required and given", "-Verify", true, exitOK, `Client certificate:  CN=gotls test client (verified, chain to "gotls test CA")`},
		{"required and missing", "-Verify", false, exitFailure, ""},
		{"optional and given", "-verify", true, exitOK, `Client certificate:  CN=gotls test client (verified`},
		{"optional and missing", "-verify", false, exitOK, "Client certificate:  none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServe(t, "-cert", pki.serverCert, "-key", pki.serverKey, "-naccept", "1", "-www",
				"-CAfile", pki.caFile, tt.verifyFlag, "1")
			args := []string{"connect", "-connect", srv.addr, "-CAfile", pki.caFile}
			if tt.withCert {
				args = append(args, "-cert", pki.clientCert, "-key", pki.clientKey)
			}
			r := runCmd(t, "GET / HTTP/1.0\r\n\r\n", args...)
			if r.code != tt.wantCode {
				t.Errorf("connect exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.wantCode, r.stdout, r.stderr)
			}
			if tt.wantPage != "" {
				mustContain(t, "status page", r.stdout, tt.wantPage)
			}
			if code := srv.wait(t); code != tt.wantCode {
				t.Errorf("serve exit code %d, want %d:\n%s", code, tt.wantCode, srv.stderr.String())
			}
		})
	}
}

func TestConnectVerificationFailures(t *testing.T) {
	pki := newTestPKI(t)
	other := newTestPKI(t)
	tests := []struct {
		name       string
		serveArgs  []string
		args       []string
		wantCode   int
		wantStderr []string
	}{
		{"throwaway certificate, system roots", nil, nil, exitFailure,
			[]string{"verification: FAILED"}},
		{"throwaway certificate, -insecure", nil, []string{"-insecure"}, exitFailure,
			[]string{"verification: SKIPPED (-insecure; would fail: x509:", "closed cleanly"}},
		{"wrong CA", []string{"-cert", pki.serverCert, "-key", pki.serverKey}, []string{"-CAfile", other.caFile}, exitFailure,
			[]string{"verification: FAILED (chain check"}},
		{"wrong name", []string{"-cert", pki.serverCert, "-key", pki.serverKey}, []string{"-CAfile", pki.caFile, "-servername", "example.com"}, exitFailure,
			[]string{"verification: FAILED (hostname check for \"example.com\")"}},
		{"-insecure with a good chain", []string{"-cert", pki.serverCert, "-key", pki.serverKey}, []string{"-CAfile", pki.caFile, "-insecure"}, exitOK,
			[]string{"verification: SKIPPED (-insecure; would pass)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServe(t, append(tt.serveArgs, "-naccept", "1")...)
			args := append([]string{"connect", "-connect", srv.addr, "-closewrite"}, tt.args...)
			r := runCmd(t, "ping\n", args...)
			if r.code != tt.wantCode {
				t.Errorf("connect exit code %d, want %d\nstderr:\n%s", r.code, tt.wantCode, r.stderr)
			}
			mustContain(t, "connect stderr", r.stderr, tt.wantStderr...)
			srv.wait(t)
		})
	}
}

// TestConnectTruncated checks that a server that ends the TCP connection
// without close_notify makes connect fail.
func TestConnectTruncated(t *testing.T) {
	pki := newTestPKI(t)
	cert, err := gotls.LoadX509KeyPair(pki.serverCert, pki.serverKey)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			return
		}
		defer raw.Close()
		raw.SetDeadline(time.Now().Add(testTimeout))
		conn := gotls.Server(raw, &gotls.Config{Certificates: []tls.Certificate{cert}})
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if conn.HandshakeContext(ctx) == nil {
			conn.Write([]byte("partial answer"))
		}
	}()
	r := runCmd(t, "", "connect", "-connect", ln.Addr().String(), "-CAfile", pki.caFile)
	if r.code != exitFailure {
		t.Errorf("exit code %d, want %d\nstderr:\n%s", r.code, exitFailure, r.stderr)
	}
	if r.stdout != "partial answer" {
		t.Errorf("stdout = %q", r.stdout)
	}
	mustContain(t, "connect stderr", r.stderr, "NOT closed cleanly", "close_notify")
}

func TestConnectRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := runCmd(t, "", "connect", "-connect", addr)
	if r.code != exitFailure {
		t.Errorf("exit code %d, want %d\nstderr:\n%s", r.code, exitFailure, r.stderr)
	}
}

func TestServeWWWRejectsNonGET(t *testing.T) {
	srv := startServe(t, "-naccept", "1", "-www")
	r := runCmd(t, "POST / HTTP/1.0\r\n\r\n", "connect", "-connect", srv.addr, "-insecure")
	// The throwaway certificate does not verify, so connect reports failure
	// even though the exchange itself worked.
	if r.code != exitFailure {
		t.Errorf("exit code %d\nstderr:\n%s", r.code, r.stderr)
	}
	mustContain(t, "answer", r.stdout, "HTTP/1.0 400 bad request")
	srv.wait(t)
}

func TestReadRequestHead(t *testing.T) {
	tests := []struct {
		in      string
		wantErr bool
	}{
		{"GET / HTTP/1.0\r\n\r\n", false},
		{"GET / HTTP/1.0\n\n", false},
		{"GET / HTTP/1.0\r\nHost: x\r\n\r\nbody", false},
		{"GET / HTTP/1.0\r\n", true},
		{strings.Repeat("x", maxRequestHead+10), true},
	}
	for _, tt := range tests {
		_, err := readRequestHead(strings.NewReader(tt.in))
		if (err != nil) != tt.wantErr {
			t.Errorf("readRequestHead(%.20q) error = %v, want error %v", tt.in, err, tt.wantErr)
		}
	}
}

// TestConnectInterrupted checks that connect keeps the connection open
// after stdin ends (without -closewrite) and that an interrupt ends it
// with a failure status.
func TestConnectInterrupted(t *testing.T) {
	pki := newTestPKI(t)
	srv := startServe(t, "-cert", pki.serverCert, "-key", pki.serverKey, "-naccept", "1")
	out := newSyncBuffer()
	errb := newSyncBuffer()
	e := &env{stdin: strings.NewReader("still here\n"), stdout: out, stderr: errb}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, e, []string{"connect", "-connect", srv.addr, "-CAfile", pki.caFile}) }()
	deadline := time.Now().Add(testTimeout)
	for out.String() != "still here\n" {
		if time.Now().After(deadline) {
			t.Fatalf("no echo; stderr:\n%s", errb.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case code := <-done:
		t.Fatalf("connect ended (%d) after stdin ended; it must wait for the server", code)
	case <-time.After(100 * time.Millisecond):
	}
	cancel()
	select {
	case code := <-done:
		if code != exitFailure {
			t.Errorf("exit code %d, want %d", code, exitFailure)
		}
	case <-time.After(testTimeout):
		t.Fatal("connect did not stop after the interrupt")
	}
	mustContain(t, "connect stderr", errb.String(), "interrupted")
	srv.wait(t)
}

// TestServeConnectTLS12 runs serve and connect over TLS 1.2 with the
// version flags and -cipher, including legacy suites that are enabled by
// naming them.
func TestServeConnectTLS12(t *testing.T) {
	pki := newTestPKI(t).withRSA(t)
	ecdsaCert := []string{"-cert", pki.serverCert, "-key", pki.serverKey}
	rsaCert := []string{"-cert", pki.rsaCert, "-key", pki.rsaKey}
	trusted := []string{"-CAfile", pki.caFile}
	tests := []struct {
		name        string
		serveArgs   []string
		connectArgs []string
		www         bool
		wantCode    int
		wantSummary []string // connect's stderr
		wantServe   []string // serve's stderr
		wantPage    []string
	}{
		{"-tls1_2 on both sides", append([]string{"-tls1_2"}, ecdsaCert...), append([]string{"-tls1_2"}, trusted...), false, exitOK,
			[]string{"TLSv1.2, ECDHE-ECDSA-", " (TLS_ECDHE_ECDSA_WITH_", "group x25519", "verification: ok", "closed cleanly"},
			[]string{", TLSv1.2, ECDHE-ECDSA-"}, nil},
		{"-no_tls1_3 client, default server", ecdsaCert, append([]string{"-no_tls1_3", "-groups", "P-256"}, trusted...), false, exitOK,
			[]string{"TLSv1.2, ECDHE-ECDSA-", "group secp256r1", "closed cleanly"}, nil, nil},
		{"-no_tls1_3 server, default client", append([]string{"-no_tls1_3"}, ecdsaCert...), trusted, false, exitOK,
			[]string{"TLSv1.2, ECDHE-ECDSA-", "closed cleanly"}, nil, nil},
		{"RSA key transport and CBC named on both sides", append([]string{"-cipher", "AES128-SHA"}, rsaCert...),
			append([]string{"-tls1_2", "-cipher", "AES128-SHA"}, trusted...), false, exitOK,
			[]string{"note: -cipher enables legacy suites that gotls leaves off by default: AES128-SHA",
				"TLSv1.2, AES128-SHA (TLS_RSA_WITH_AES_128_CBC_SHA), group none (RSA key transport, no forward secrecy)", "closed cleanly"},
			[]string{"note: -cipher enables legacy suites", ", TLSv1.2, AES128-SHA (TLS_RSA_WITH_AES_128_CBC_SHA)"}, nil},
		{"RSA key transport with AES-GCM, -www", append([]string{"-cipher", "AES256-GCM-SHA384:AES128-GCM-SHA256"}, rsaCert...),
			append([]string{"-no_tls1_3", "-cipher", "AES128-GCM-SHA256"}, trusted...), true, exitOK,
			[]string{"TLSv1.2, AES128-GCM-SHA256 (TLS_RSA_WITH_AES_128_GCM_SHA256)"}, nil,
			[]string{"Protocol version:    TLSv1.2\n", "Cipher suite:        TLS_RSA_WITH_AES_128_GCM_SHA256\n",
				"OpenSSL name:        AES128-GCM-SHA256\n", "Key exchange group:  none (RSA key transport, no forward secrecy)\n"}},
		{"ECDHE-RSA with ChaCha20, -www", rsaCert, append([]string{"-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"}, trusted...), true, exitOK,
			[]string{"TLSv1.2, ECDHE-RSA-CHACHA20-POLY1305 (TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256), group x25519"}, nil,
			[]string{"Cipher suite:        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256\n", "OpenSSL name:        ECDHE-RSA-CHACHA20-POLY1305\n"}},
		{"ECDHE-ECDSA with CBC named on both sides", append([]string{"-cipher", "ECDHE-ECDSA-AES256-SHA"}, ecdsaCert...),
			append([]string{"-tls1_2", "-cipher", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"}, trusted...), false, exitOK,
			[]string{"TLSv1.2, ECDHE-ECDSA-AES256-SHA (TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA), group x25519"}, nil, nil},
		{"throwaway RSA certificate for -cipher", []string{"-cipher", "ECDHE-RSA-AES128-GCM-SHA256"},
			[]string{"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-insecure"}, false, exitFailure,
			[]string{"TLSv1.2, ECDHE-RSA-AES128-GCM-SHA256 (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)", "verification: SKIPPED (-insecure; would fail"},
			[]string{"using an ECDSA P-256 and an RSA-2048 certificate"}, nil},
		{"legacy suite named by the client only", rsaCert, append([]string{"-tls1_2", "-cipher", "AES128-GCM-SHA256"}, trusted...), false, exitFailure,
			[]string{"the server refused the handshake with a handshake_failure alert"},
			[]string{"handshake failed", "no tls 1.2 cipher suite in common"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serveArgs, input := append([]string{"-naccept", "1"}, tt.serveArgs...), "ping\n"
			connectArgs := append([]string{"connect", "-connect", "", "-closewrite"}, tt.connectArgs...)
			if tt.www {
				serveArgs, input = append(serveArgs, "-www"), "GET / HTTP/1.0\r\n\r\n"
				connectArgs = slices.DeleteFunc(connectArgs, func(a string) bool { return a == "-closewrite" })
			}
			srv := startServe(t, serveArgs...)
			connectArgs[2] = srv.addr
			r := runCmd(t, input, connectArgs...)
			if r.code != tt.wantCode {
				t.Errorf("connect exit code %d, want %d\nstderr:\n%s\nserver:\n%s", r.code, tt.wantCode, r.stderr, srv.stderr.String())
			}
			if !tt.www && tt.wantCode == exitOK && r.stdout != input {
				t.Errorf("echo = %q, want %q", r.stdout, input)
			}
			mustContain(t, "connect stderr", r.stderr, tt.wantSummary...)
			mustContain(t, "status page", r.stdout, tt.wantPage...)
			srv.wait(t)
			mustContain(t, "serve stderr", srv.stderr.String(), tt.wantServe...)
		})
	}
}
