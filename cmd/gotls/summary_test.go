package main

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"slices"
	"strings"
	"testing"
)

func TestSuiteAndGroupLabels(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{suiteLabel(tls.TLS_AES_128_GCM_SHA256), "TLS_AES_128_GCM_SHA256"},
		{suiteLabel(tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), "ECDHE-RSA-AES128-GCM-SHA256 (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)"},
		{suiteLabel(tls.TLS_RSA_WITH_AES_128_CBC_SHA), "AES128-SHA (TLS_RSA_WITH_AES_128_CBC_SHA)"},
		{suiteLabel(tls.TLS_RSA_WITH_AES_256_GCM_SHA384), "AES256-GCM-SHA384 (TLS_RSA_WITH_AES_256_GCM_SHA384)"},
		{suiteLabel(tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA), "ECDHE-ECDSA-AES256-SHA (TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA)"},
		{groupLabel(uint16(tls.X25519)), "x25519"},
		{groupLabel(uint16(tls.CurveP256)), "secp256r1"},
		{groupLabel(uint16(tls.X25519MLKEM768)), "X25519MLKEM768"},
		{groupLabel(0), "none"},
		{orNone(""), "none"},
		{orNone("h2"), "h2"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestCertName(t *testing.T) {
	tests := []struct {
		cert *x509.Certificate
		want string
	}{
		{nil, "none"},
		{&x509.Certificate{Subject: pkix.Name{CommonName: "example.com"}, DNSNames: []string{"www.example.com"}}, "example.com"},
		{&x509.Certificate{DNSNames: []string{"www.example.com", "example.com"}}, "www.example.com"},
		{&x509.Certificate{IPAddresses: []net.IP{net.IPv4(192, 0, 2, 1)}}, "192.0.2.1"},
		{&x509.Certificate{Subject: pkix.Name{Organization: []string{"Org"}}}, "O=Org"},
		{&x509.Certificate{}, "(no name)"},
	}
	for _, tt := range tests {
		if got := certName(tt.cert); got != tt.want {
			t.Errorf("certName = %q, want %q", got, tt.want)
		}
	}
}

// sampleInfo is a TLS 1.3 connection verified to a root named "Root CA".
func sampleInfo() connInfo {
	leaf := &x509.Certificate{Subject: pkix.Name{CommonName: "localhost"}}
	root := &x509.Certificate{Subject: pkix.Name{CommonName: "Root CA"}}
	return connInfo{
		version: tls.VersionTLS13, suite: tls.TLS_AES_256_GCM_SHA384, group: uint16(tls.X25519),
		alpn: "h2", serverName: "localhost",
		peerCerts: []*x509.Certificate{leaf}, verifiedChains: [][]*x509.Certificate{{leaf, root}},
	}
}

func TestClientSummary(t *testing.T) {
	verified := sampleInfo()
	unverified := sampleInfo()
	unverified.verifiedChains = nil
	retried := sampleInfo()
	retried.helloRetry = true
	resumed := sampleInfo()
	resumed.didResume, resumed.early = true, "accepted"
	tests := []struct {
		name    string
		info    connInfo
		skipped bool
		note    string
		closing string
		want    string
	}{
		{"verified", verified, false, "", "closed cleanly (close_notify)",
			`New, TLSv1.3, TLS_AES_256_GCM_SHA384, group x25519, ALPN h2, peer localhost, verification: ok (chain to "Root CA"), closed cleanly (close_notify)`},
		{"insecure", unverified, true, "would fail: x509: certificate signed by unknown authority", "",
			`New, TLSv1.3, TLS_AES_256_GCM_SHA384, group x25519, ALPN h2, peer localhost, verification: SKIPPED (-insecure; would fail: x509: certificate signed by unknown authority)`},
		{"insecure without note", unverified, true, "", "",
			`New, TLSv1.3, TLS_AES_256_GCM_SHA384, group x25519, ALPN h2, peer localhost, verification: SKIPPED (-insecure)`},
		{"none", unverified, false, "", "",
			`New, TLSv1.3, TLS_AES_256_GCM_SHA384, group x25519, ALPN h2, peer localhost, verification: none`},
		{"hrr", retried, false, "", "",
			`New, TLSv1.3, TLS_AES_256_GCM_SHA384, group x25519, ALPN h2, after HelloRetryRequest, peer localhost, verification: ok (chain to "Root CA")`},
		{"resumed with early data", resumed, false, "", "",
			`Reused, TLSv1.3, TLS_AES_256_GCM_SHA384, group x25519, ALPN h2, early data accepted, peer localhost, verification: ok (chain to "Root CA")`},
	}
	for _, tt := range tests {
		if got := tt.info.clientSummary(tt.skipped, tt.note, tt.closing); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestServerSummaryAndStatusPage(t *testing.T) {
	info := sampleInfo()
	got := info.serverSummary("127.0.0.1:5555")
	want := "127.0.0.1:5555, New, TLSv1.3, TLS_AES_256_GCM_SHA384, group x25519, ALPN h2, SNI localhost, client cert CN=localhost"
	if got != want {
		t.Errorf("serverSummary:\n got %s\nwant %s", got, want)
	}
	page := info.statusPage()
	mustContain(t, "status page", page,
		"Protocol version:    TLSv1.3\n",
		"Cipher suite:        TLS_AES_256_GCM_SHA384\n",
		"OpenSSL name:        TLS_AES_256_GCM_SHA384\n",
		"Key exchange group:  x25519\n",
		"ALPN protocol:       h2\n",
		"SNI:                 localhost\n",
		`Client certificate:  CN=localhost (verified, chain to "Root CA")`,
		"HelloRetryRequest:   no\n",
		"Resumed:             no\n",
		"Early data:          none\n",
	)
	info.didResume, info.early = true, "accepted, 18 bytes"
	if got, want := info.serverSummary("[::1]:5"), "[::1]:5, Reused, TLSv1.3, TLS_AES_256_GCM_SHA384, group x25519, ALPN h2, early data accepted, 18 bytes, SNI localhost, client cert CN=localhost"; got != want {
		t.Errorf("resumed serverSummary:\n got %s\nwant %s", got, want)
	}
	mustContain(t, "resumed status page", info.statusPage(), "Resumed:             yes\n", "Early data:          accepted, 18 bytes\n")
	empty := connInfo{version: tls.VersionTLS12, suite: tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	mustContain(t, "TLS 1.2 status page", empty.statusPage(),
		"Protocol version:    TLSv1.2\n",
		"Cipher suite:        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n",
		"OpenSSL name:        ECDHE-ECDSA-AES128-GCM-SHA256\n",
		"Key exchange group:  none\n",
		"SNI:                 none\n",
		"Client certificate:  none\n",
	)
}

func TestRecordTapObserve(t *testing.T) {
	// Three records: handshake (3 bytes), change_cipher_spec (1 byte),
	// application_data (300 bytes).
	var stream []byte
	stream = append(stream, 22, 3, 1, 0, 3, 'a', 'b', 'c')
	stream = append(stream, 20, 3, 3, 0, 1, 1)
	stream = append(stream, 23, 3, 3, 1, 44)
	stream = append(stream, make([]byte, 300)...)
	want := []record{{22, 3}, {20, 1}, {23, 300}}
	for _, split := range []int{0, 1, 3, 5, 7, 8, 9, 14, 16, 17, 100, len(stream)} {
		tap := &recordTap{}
		got := append(tap.observe(stream[:split]), tap.observe(stream[split:])...)
		if !slices.Equal(got, want) {
			t.Errorf("split at %d: got %v, want %v", split, got, want)
		}
	}
	bytewise := &recordTap{}
	var got []record
	for i := range stream {
		got = append(got, bytewise.observe(stream[i:i+1])...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("byte by byte: got %v, want %v", got, want)
	}
	line := describeRecords(want)
	wantLine := "⇢ wire: handshake (3 B) + change_cipher_spec (1 B) + application_data (300 B) = 319 bytes with 5-byte headers"
	if line != wantLine {
		t.Errorf("describeRecords:\n got %s\nwant %s", line, wantLine)
	}
	if n := contentTypeName(99); n != "content_type(99)" {
		t.Errorf("contentTypeName(99) = %q", n)
	}
}

func TestDetailLines(t *testing.T) {
	long := "versions [TLSv1.3]; cipher suites [" + strings.Repeat("TLS_AES_128_GCM_SHA256 ", 8) + "]; groups [x25519]"
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"one line\n", []string{"one line"}},
		{"a\nb", []string{"a", "b"}},
		{"short; not split", []string{"short; not split"}},
	}
	for _, tt := range tests {
		if got := detailLines(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("detailLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	lines := detailLines(long)
	if len(lines) < 4 || lines[0] != "versions [TLSv1.3]" || lines[len(lines)-1] != "groups [x25519]" {
		t.Errorf("detailLines(long) = %q", lines)
	}
	for _, l := range lines {
		if len(l) > wrapWidth {
			t.Errorf("line longer than %d: %q", wrapWidth, l)
		}
	}
	if got := wrapWords(strings.Repeat("x", 100), 20, "  "); len(got) != 1 {
		t.Errorf("an unbreakable word was split: %q", got)
	}
}

func TestPalette(t *testing.T) {
	if got := (palette{}).paint(styleBold, "x"); got != "x" {
		t.Errorf("colour off: %q", got)
	}
	if got := (palette{on: true}).paint(styleBold, "x"); got != "\x1b[1mx\x1b[0m" {
		t.Errorf("colour on: %q", got)
	}
	if got := (palette{on: true}).paint(styleBold, ""); got != "" {
		t.Errorf("empty: %q", got)
	}
}
