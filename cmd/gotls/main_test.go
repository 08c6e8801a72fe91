package main

import (
	"strings"
	"testing"
)

func TestDispatchAndUsage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{"no command", nil, exitUsage, "", "Commands:"},
		{"help", []string{"help"}, exitOK, "Commands:", ""},
		{"-h", []string{"-h"}, exitOK, "Exit status", ""},
		{"--help", []string{"--help"}, exitOK, "NO_COLOR", ""},
		{"unknown", []string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
		{"help demo", []string{"help", "demo"}, exitOK, "", "Examples:"},
		{"demo -help", []string{"demo", "-help"}, exitOK, "", "gotls demo -groups P-384"},
		{"serve --help", []string{"serve", "--help"}, exitOK, "", "gotls serve -accept 4433 -www"},
		{"connect -h", []string{"connect", "-h"}, exitOK, "", "gotls connect -connect example.com:443"},
		{"bad flag", []string{"demo", "-nosuch"}, exitUsage, "", "flag provided but not defined"},
		{"stray argument", []string{"demo", "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{"bad group", []string{"demo", "-groups", "x448"}, exitUsage, "", `unknown group "x448"`},
		{"bad suite", []string{"demo", "-ciphersuites", "RC4"}, exitUsage, "", `unknown cipher suite "RC4"`},
		{"demo -help shows TLS 1.2", []string{"demo", "-help"}, exitOK, "", "gotls demo -tls1_2 -kx rsa"},
		{"demo bad -kx", []string{"demo", "-kx", "dh"}, exitUsage, "", `unknown -kx "dh"`},
		{"demo -kx rsa with TLS 1.3", []string{"demo", "-kx", "rsa", "-tls1_3"}, exitUsage, "", "TLS 1.3 has no RSA key transport"},
		{"demo TLS 1.2 with a TLS 1.3 group", []string{"demo", "-tls1_2", "-groups", "X25519MLKEM768"}, exitUsage, "", "exists only in TLS 1.3"},
		{"demo both versions", []string{"demo", "-tls1_2", "-tls13"}, exitUsage, "", "exclude each other"},
		{"demo -kx rsa with an ECDHE suite", []string{"demo", "-kx", "rsa", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"}, exitUsage, "", "only RSA key transport suites"},
		{"demo -kx ecdhe with an RSA suite", []string{"demo", "-tls1_2", "-kx", "ecdhe", "-cipher", "AES128-SHA"}, exitUsage, "", "names an RSA key transport suite"},
		{"demo TLS 1.2 suite in -ciphersuites", []string{"demo", "-ciphersuites", "ECDHE-ECDSA-AES128-GCM-SHA256"}, exitUsage, "", "name it with -cipher"},
		{"connect TLS 1.2 suite in -ciphersuites", []string{"connect", "-connect", "127.0.0.1:1", "-ciphersuites", "AES128-SHA"}, exitUsage, "", "name it with -cipher"},
		{"connect TLS 1.3 suite in -cipher", []string{"connect", "-connect", "127.0.0.1:1", "-cipher", "TLS_AES_128_GCM_SHA256"}, exitUsage, "", "name it with -ciphersuites"},
		{"connect -tls1_3 -no_tls1_3", []string{"connect", "-connect", "127.0.0.1:1", "-tls1_3", "-no_tls1_3"}, exitUsage, "", "exclude each other"},
		{"serve cipher-string keyword", []string{"serve", "-accept", "0", "-cipher", "HIGH"}, exitUsage, "", "not OpenSSL cipher-string keywords"},
		{"connect -help shows -cipher", []string{"connect", "-help"}, exitOK, "", "-cipher ECDHE-RSA-CHACHA20-POLY1305"},
		{"serve -help shows -no_tls1_3", []string{"serve", "-help"}, exitOK, "", "-no_tls1_3"},
		{"connect without -connect", []string{"connect"}, exitUsage, "", "-connect HOST:PORT is required"},
		{"connect bad address", []string{"connect", "-connect", "nohost"}, exitUsage, "", "want HOST:PORT"},
		{"connect cert without key", []string{"connect", "-connect", "a:1", "-cert", "c.pem"}, exitUsage, "", "-cert and -key go together"},
		{"connect both versions", []string{"connect", "-connect", "127.0.0.1:1", "-tls1_2", "-tls1_3"}, exitUsage, "", "exclude each other"},
		{"serve bad ALPN", []string{"serve", "-alpn", "h2,,x"}, exitUsage, "", "empty item"},
		{"serve bad accept", []string{"serve", "-accept", "99999"}, exitUsage, "", "bad -accept address"},
		{"serve verify without CA", []string{"serve", "-accept", "0", "-Verify", "1"}, exitUsage, "", "need -CAfile"},
		{"serve verify twice", []string{"serve", "-accept", "0", "-verify", "1", "-Verify", "1", "-CAfile", "x"}, exitUsage, "", "exclude each other"},
		{"serve bad depth", []string{"serve", "-verify", "deep"}, exitUsage, "", "is not a number"},
		{"serve missing cert file", []string{"serve", "-accept", "0", "-cert", "/nonexistent.pem", "-key", "/nonexistent.key"}, exitFailure, "", "nonexistent.pem"},
		{"serve missing CA file", []string{"serve", "-accept", "0", "-CAfile", "/nonexistent-ca.pem", "-verify", "1"}, exitFailure, "", "nonexistent-ca.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, "", tt.args...)
			if r.code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.inStdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.inStdout, r.stdout)
			}
			if !strings.Contains(r.stderr, tt.inStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.inStderr, r.stderr)
			}
		})
	}
}

func TestUseColor(t *testing.T) {
	tests := []struct {
		noColor, term string
		terminal      bool
		want          bool
	}{
		{"", "xterm-256color", true, true},
		{"", "xterm-256color", false, false},
		{"1", "xterm-256color", true, false},
		{"0", "xterm", true, false}, // any non-empty value turns colour off
		{"", "dumb", true, false},
		{"", "", true, true},
	}
	for _, tt := range tests {
		if got := useColor(tt.noColor, tt.term, tt.terminal); got != tt.want {
			t.Errorf("useColor(%q, %q, %v) = %v, want %v", tt.noColor, tt.term, tt.terminal, got, tt.want)
		}
	}
}
