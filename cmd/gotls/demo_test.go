package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"gotls"
)

func TestDemo(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		wants  []string
		absent []string
	}{
		{"defaults", nil, []string{
			"client │ send ClientHello",
			"server │ receive ClientHello",
			"server │ choose cipher suite",
			"server │ send ServerHello",
			"client │ verify certificate",
			"CLIENT_HANDSHAKE_TRAFFIC_SECRET (32 bytes)",
			"client │ send Finished",
			"server │ receive Finished",
			"✓ handshake complete",
			"client │ ⇢ wire: handshake (",
			`server │ read 32 bytes of application data: "hello from the gotls demo client"`,
			"In TLS 1.3 each record hides its real type",
			"client │ ⇢ wire: application_data (49 B) = 54 bytes with 5-byte headers",
			"✓ the echo matches",
			"server │ received close_notify",
			"client │ received close_notify",
			"✓ closed cleanly in both directions",
			"version       TLSv1.3",
			"secrecy       forward secret",
			`certificate   verified for "localhost": "localhost" ← "gotls demo CA"`,
		}, []string{noteMark, "ServerKeyExchange"}},
		{"P-384 and ChaCha20, TLS 1.3 only", []string{"-tls13", "-groups", "P-384", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"}, []string{
			"versions: TLS 1.3 only (-tls1_3)",
			"cipher suite  TLS_CHACHA20_POLY1305_SHA256",
			"group         secp384r1",
		}, nil},
		{"hybrid", []string{"-tls1_3", "-groups", "X25519MLKEM768"}, []string{
			"group         X25519MLKEM768",
		}, nil},
		{"TLS 1.2 with ECDHE", []string{"-tls1_2", "-groups", "X25519:P-256"}, []string{
			"versions: TLS 1.2 at most (-tls1_2)",
			"with an ECDSA P-256 key",
			"client │ send ClientHello",
			"has no supported_versions extension",
			"server │ choose cipher suite",
			"A TLS 1.2 suite name fixes the key exchange",
			"server │ send Certificate",
			"server │ send ServerKeyExchange",
			"x25519 public key (32 bytes), signed with ecdsa_secp256r1_sha256",
			"client │ verify certificate",
			"client │ receive ServerKeyExchange",
			"client │ send ClientKeyExchange",
			"33-byte body = 1-byte length + the client's 32-byte ephemeral public key",
			"client │ derive secret",
			"48-byte master secret from the 32-byte pre-master secret",
			"CLIENT_RANDOM (48 bytes)",
			"client │ derive keys",
			"client │ ⇢ wire: handshake (37 B) + change_cipher_spec (1 B) + handshake (",
			"server │ receive Finished",
			"client │ verify Finished",
			"In TLS 1.2 the record type stays visible",
			"In TLS 1.2 close_notify is an encrypted alert",
			"version       TLSv1.2",
			"cipher suite  ECDHE-ECDSA-",
			"group         x25519",
			"secrecy       forward secret",
			`certificate   verified for "localhost"`,
		}, []string{"RSA key transport", "HelloRetry"}},
		{"TLS 1.2 with RSA key transport", []string{"-tls1_2", "-kx", "rsa"}, []string{
			"with an RSA-2048 key",
			"cipher suites: AES128-GCM-SHA256, AES256-GCM-SHA384",
			"legacy  LegacyRSAKeyExchange on both sides",
			"Only TLS_RSA_* suites are offered",
			"TLS_RSA_* suites are off by default in gotls",
			"That is why no ServerKeyExchange follows.",
			"client │ key exchange",
			"RSA key transport: 48-byte pre-master secret encrypted to the server's 2048-bit key",
			"48 bytes = the version it offered (03 03) + 46 random bytes",
			"RSA ciphertext is as long as the modulus: 2048 bits = 256 bytes.",
			"Only the holder of the matching private key can decrypt it",
			"client │ send ClientKeyExchange",
			"258-byte body = 2-byte length + the 256-byte encrypted pre-master secret",
			"48-byte master secret from the 48-byte pre-master secret",
			"client │ derive keys",
			"client │ ⇢ wire: handshake (262 B) + change_cipher_spec (1 B) + handshake (40 B)",
			"server │ key exchange",
			"256-byte encrypted pre-master secret decrypted",
			"Bleichenbacher",
			"RSA key transport authenticates the server this way",
			"client │ ⇢ wire: application_data (56 B)",
			"version       TLSv1.2",
			"cipher suite  AES128-GCM-SHA256 (TLS_RSA_WITH_AES_128_GCM_SHA256)",
			"group         none (RSA key transport, no forward secrecy)",
			"secrecy       no forward secrecy: the pre-master secret travelled encrypted",
			"TLS 1.3 has no RSA key transport",
		}, []string{"send ServerKeyExchange", "receive ServerKeyExchange"}},
		{"-kx rsa implies TLS 1.2, CBC", []string{"-kx", "rsa", "-cipher", "AES256-SHA"}, []string{
			"TLS 1.2 at most (-kx rsa implies -tls1_2)",
			"cipher suite  AES256-SHA (TLS_RSA_WITH_AES_256_CBC_SHA)",
			"a 20-byte MAC key (CBC only), a 32-byte write key",
			"32 bytes become 80",
			"client │ ⇢ wire: application_data (80 B)",
		}, nil},
	}
	headings := []string{"▸ Setup", "▸ Handshake", "▸ Application data (encrypted)", "▸ Closing", "▸ Summary"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, "", append([]string{"demo"}, tt.args...)...)
			if r.code != exitOK {
				t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			mustContain(t, "demo output", unwrap(r.stdout), tt.wants...)
			for _, a := range tt.absent {
				if strings.Contains(r.stdout, a) {
					t.Errorf("demo output has %q:\n%s", a, r.stdout)
				}
			}
			last := -1
			for _, h := range headings {
				i := strings.Index(r.stdout, h)
				if i < last {
					t.Errorf("heading %q missing or out of order", h)
				}
				last = i
			}
			if strings.Contains(r.stdout, "\x1b[") {
				t.Error("colour escapes in output that is not a terminal")
			}
		})
	}
}

func TestDemoSecrets(t *testing.T) {
	tests := []struct {
		args   []string
		secret *regexp.Regexp
	}{
		{nil, regexp.MustCompile(`SERVER_TRAFFIC_SECRET_0 =\s+(│\s+)?[0-9a-f]{64}`)},
		{[]string{"-tls1_2"}, regexp.MustCompile(`CLIENT_RANDOM =\s+(│\s+)?[0-9a-f]{96}`)},
	}
	for _, tt := range tests {
		plain := runCmd(t, "", append([]string{"demo"}, tt.args...)...)
		if tt.secret.MatchString(plain.stdout) {
			t.Errorf("%v: secret values shown without -secrets:\n%s", tt.args, plain.stdout)
		}
		r := runCmd(t, "", append([]string{"demo", "-secrets"}, tt.args...)...)
		if r.code != exitOK {
			t.Fatalf("exit code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		mustContain(t, "demo -secrets", r.stdout, "VALUES SHOWN (-secrets)")
		if !tt.secret.MatchString(r.stdout) {
			t.Errorf("%v: no secret value shown with -secrets:\n%s", tt.args, r.stdout)
		}
	}
}

// wrapped matches the line breaks the printer inserts: before a wrapped
// detail line, a note line, or a summary paragraph line.
var wrapped = regexp.MustCompile(`\n {7}│ {3}(?:┆ | {4})|\n {16}`)

// unwrap joins wrapped lines, so that tests can look for phrases wherever
// the printer broke them.
func unwrap(s string) string { return wrapped.ReplaceAllString(s, " ") }

// TestPrinterConcurrent checks that events printed from two goroutines
// at once keep each event's lines together.
func TestPrinterConcurrent(t *testing.T) {
	var out strings.Builder
	p := newPrinter(&out, false)
	var wg sync.WaitGroup
	for _, client := range []bool{true, false} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				p.event(gotls.HandshakeEvent{Client: client, Step: fmt.Sprintf("step %v %d", client, i),
					Detail: fmt.Sprintf("first %v %d\nsecond %v %d", client, i, client, i)})
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2*200*3 {
		t.Fatalf("got %d lines, want %d", len(lines), 1200)
	}
	for i := 0; i < len(lines); i += 3 {
		var client bool
		var n int
		if _, err := fmt.Sscanf(lines[i][len("client │ "):], "step %t %d", &client, &n); err != nil {
			t.Fatalf("line %d: %q: %v", i, lines[i], err)
		}
		if want := fmt.Sprintf("       │   first %v %d", client, n); lines[i+1] != want {
			t.Fatalf("line %d = %q, want %q", i+1, lines[i+1], want)
		}
		if want := fmt.Sprintf("       │   second %v %d", client, n); lines[i+2] != want {
			t.Fatalf("line %d = %q, want %q", i+2, lines[i+2], want)
		}
	}
}

// TestDemoFailure checks that a failed handshake is reported for both
// sides and fails the demo.
func TestDemoFailure(t *testing.T) {
	var out strings.Builder
	d := &demo{p: newPrinter(&out, false)}
	ccfg := &gotls.Config{VerifyPeerCertificate: func([][]byte, [][]*x509.Certificate) error {
		return errors.New("rejected by the test")
	}}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	err := d.run(ctx, ccfg)
	if err == nil {
		t.Fatalf("demo succeeded:\n%s", out.String())
	}
	mustContain(t, "error", err.Error(), "client: ", "rejected by the test", "server: ", "bad_certificate")
	if strings.Contains(out.String(), "▸ Summary") {
		t.Errorf("summary printed after a failure:\n%s", out.String())
	}
}

func TestRecordOverhead(t *testing.T) {
	tests := []struct {
		version, suite uint16
		want           string
	}{
		{tls.VersionTLS13, tls.TLS_AES_128_GCM_SHA256, "32 bytes become 49."},
		{tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "8-byte explicit nonce and a 16-byte tag: 32 bytes become 56."},
		{tls.VersionTLS12, tls.TLS_RSA_WITH_AES_256_GCM_SHA384, "32 bytes become 56."},
		{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "32 bytes become 48."},
		{tls.VersionTLS12, tls.TLS_RSA_WITH_AES_128_CBC_SHA, "32 bytes become 80."},
	}
	for _, tt := range tests {
		got := recordOverhead(connInfo{version: tt.version, suite: tt.suite}, 32)
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s %s: %q, want %q", gotls.VersionName(tt.version), gotls.CipherSuiteName(tt.suite), got, tt.want)
		}
	}
	// 16-byte blocks: 1 byte of data + 20 of MAC + 1 of padding length
	// fit in two blocks, after the 16-byte IV.
	if got := recordOverhead(connInfo{version: tls.VersionTLS12, suite: tls.TLS_RSA_WITH_AES_128_CBC_SHA}, 1); !strings.Contains(got, "1 bytes become 48.") {
		t.Errorf("CBC, 1 byte: %q", got)
	}
}

func TestForwardSecrecyAndGroupText(t *testing.T) {
	tests := []struct {
		info      connInfo
		fs        bool
		groupText string
	}{
		{connInfo{version: tls.VersionTLS13, suite: tls.TLS_AES_128_GCM_SHA256, group: uint16(tls.X25519MLKEM768)}, true, "X25519MLKEM768"},
		{connInfo{version: tls.VersionTLS12, suite: tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, group: uint16(tls.CurveP256)}, true, "secp256r1"},
		{connInfo{version: tls.VersionTLS12, suite: tls.TLS_RSA_WITH_AES_128_GCM_SHA256}, false, "none (RSA key transport, no forward secrecy)"},
		{connInfo{version: tls.VersionTLS12, suite: tls.TLS_RSA_WITH_AES_256_CBC_SHA}, false, "none (RSA key transport, no forward secrecy)"},
	}
	for _, tt := range tests {
		fs, why := forwardSecrecy(tt.info)
		if fs != tt.fs || why == "" {
			t.Errorf("%s: forward secrecy %v (%q), want %v", gotls.CipherSuiteName(tt.info.suite), fs, why, tt.fs)
		}
		if got := tt.info.groupText(); got != tt.groupText {
			t.Errorf("%s: groupText %q, want %q", gotls.CipherSuiteName(tt.info.suite), got, tt.groupText)
		}
	}
}

func TestClientKeyExchangeNotes(t *testing.T) {
	tests := []struct {
		detail string
		rsaKX  bool
		want   string
	}{
		{"258-byte body for RSA key exchange", true, "258-byte body = 2-byte length + the 256-byte encrypted pre-master secret"},
		{"514-byte body for RSA key exchange", true, "the 512-byte encrypted pre-master secret"},
		{"33-byte body for ECDHE_ECDSA key exchange", false, "33-byte body = 1-byte length + the client's 32-byte ephemeral public key"},
		{"66-byte body for ECDHE_RSA key exchange", false, "the client's 65-byte ephemeral public key"},
		{"something else", false, ""},
		{"1-byte body for RSA key exchange", true, ""},
	}
	for _, tt := range tests {
		got := strings.Join(clientKeyExchangeNotes(tt.detail, tt.rsaKX), " ")
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%q: %q, want %q", tt.detail, got, tt.want)
		}
	}
}
