package main

import (
	"context"
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
		name  string
		args  []string
		wants []string
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
			"client │ ⇢ wire: application_data (49 B) = 54 bytes with 5-byte headers",
			"✓ the echo matches",
			"server │ received close_notify",
			"client │ received close_notify",
			"✓ closed cleanly in both directions",
			"version       TLSv1.3",
			`certificate   verified for "localhost": "localhost" ← "gotls demo CA"`,
		}},
		{"P-384 and ChaCha20, TLS 1.3 only", []string{"-tls13", "-groups", "P-384", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"}, []string{
			"versions: TLS 1.3 only (-tls13)",
			"cipher suite  TLS_CHACHA20_POLY1305_SHA256",
			"group         secp384r1",
		}},
		{"hybrid", []string{"-groups", "X25519MLKEM768"}, []string{
			"group         X25519MLKEM768",
		}},
	}
	headings := []string{"▸ Setup", "▸ Handshake", "▸ Application data (encrypted)", "▸ Closing", "▸ Summary"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, "", append([]string{"demo"}, tt.args...)...)
			if r.code != exitOK {
				t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			mustContain(t, "demo output", r.stdout, tt.wants...)
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
	plain := runCmd(t, "", "demo")
	hexSecret := regexp.MustCompile(`SERVER_TRAFFIC_SECRET_0 =\s+(│\s+)?[0-9a-f]{64}`)
	if hexSecret.MatchString(plain.stdout) {
		t.Errorf("secret values shown without -secrets:\n%s", plain.stdout)
	}
	r := runCmd(t, "", "demo", "-secrets")
	if r.code != exitOK {
		t.Fatalf("exit code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	mustContain(t, "demo -secrets", r.stdout, "VALUES SHOWN (-secrets)")
	if !hexSecret.MatchString(r.stdout) {
		t.Errorf("no secret value shown with -secrets:\n%s", r.stdout)
	}
}

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
