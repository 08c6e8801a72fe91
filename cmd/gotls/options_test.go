package main

import (
	"crypto/tls"
	"slices"
	"strings"
	"testing"

	"gotls"
)

func TestApplyGroups(t *testing.T) {
	tests := []struct {
		in      string
		want    []tls.CurveID
		wantErr bool
	}{
		{"", nil, false},
		{"X25519", []tls.CurveID{tls.X25519}, false},
		{"x25519:P-256", []tls.CurveID{tls.X25519, tls.CurveP256}, false},
		{"prime256v1,secp384r1", []tls.CurveID{tls.CurveP256, tls.CurveP384}, false},
		{"SECP521R1", []tls.CurveID{tls.CurveP521}, false},
		{"p-384 : x25519mlkem768", []tls.CurveID{tls.CurveP384, tls.X25519MLKEM768}, false},
		{"X25519MLKEM768:X25519:P-256:P-384:P-521", []tls.CurveID{tls.X25519MLKEM768, tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521}, false},
		{"x448", nil, true},
		{"X25519::P-256", nil, true},
		{"X25519,", nil, true},
		{"P-256:prime256v1", nil, true}, // the same group twice
		{"ffdhe2048", nil, true},
	}
	for _, tt := range tests {
		cfg := &gotls.Config{}
		err := applyGroups(cfg, tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("applyGroups(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !slices.Equal(cfg.CurvePreferences, tt.want) {
			t.Errorf("applyGroups(%q) = %v, want %v", tt.in, cfg.CurvePreferences, tt.want)
		}
	}
}

func TestParseSuites(t *testing.T) {
	tests := []struct {
		flag    string // "-ciphersuites" (TLS 1.3) or "-cipher" (TLS 1.2)
		in      string
		want    []uint16
		wantErr string
	}{
		{"-ciphersuites", "", nil, ""},
		{"-ciphersuites", "TLS_AES_128_GCM_SHA256", []uint16{tls.TLS_AES_128_GCM_SHA256}, ""},
		{"-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384", []uint16{tls.TLS_CHACHA20_POLY1305_SHA256, tls.TLS_AES_256_GCM_SHA384}, ""},
		{"-ciphersuites", "tls_aes_128_gcm_sha256", []uint16{tls.TLS_AES_128_GCM_SHA256}, ""},
		{"-ciphersuites", "TLS_AES_128_CCM_SHA256", nil, "unknown cipher suite"},
		{"-ciphersuites", "ECDHE-RSA-AES128-GCM-SHA256", nil, "is a TLS 1.2 cipher suite: name it with -cipher"},
		{"-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_AES_128_GCM_SHA256", nil, "listed twice"},
		{"-ciphersuites", ":", nil, "empty item"},
		{"-cipher", "", nil, ""},
		{"-cipher", "ECDHE-RSA-AES128-GCM-SHA256", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, ""},
		{"-cipher", "ecdhe-ecdsa-chacha20-poly1305", []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, ""},
		{"-cipher", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}, ""},
		// Legacy suites are accepted by name: naming them enables them.
		{"-cipher", "AES128-SHA", []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}, ""},
		{"-cipher", "AES128-GCM-SHA256:AES256-GCM-SHA384", []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384}, ""},
		{"-cipher", "ECDHE-RSA-AES256-SHA,TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}, ""},
		{"-cipher", "TLS_RSA_WITH_AES_256_CBC_SHA", []uint16{tls.TLS_RSA_WITH_AES_256_CBC_SHA}, ""},
		{"-cipher", "TLS_AES_128_GCM_SHA256", nil, "is a TLS 1.3 cipher suite: name it with -ciphersuites"},
		{"-cipher", "HIGH:!aNULL", nil, "not OpenSSL cipher-string keywords"},
		{"-cipher", "DES-CBC3-SHA", nil, `unknown cipher suite "DES-CBC3-SHA"`},
		{"-cipher", "AES128-SHA:TLS_RSA_WITH_AES_128_CBC_SHA", nil, "listed twice"},
	}
	for _, tt := range tests {
		parse := parseSuites13
		if tt.flag == "-cipher" {
			parse = parseSuites12
		}
		got, err := parse(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s %q: error %v, want one containing %q", tt.flag, tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%s %q = %#04x, %v; want %#04x", tt.flag, tt.in, got, err, tt.want)
		}
	}
}

// TestKnownSuiteNames checks that every suite the CLI knows has OpenSSL
// and IANA names and round-trips through them.
func TestKnownSuiteNames(t *testing.T) {
	for _, s := range knownSuites {
		for _, name := range []string{gotls.CipherSuiteName(s.id), gotls.CipherSuiteOpenSSLName(s.id)} {
			got, ok := suiteByName(name)
			if !ok || got.id != s.id || strings.HasPrefix(name, "cipher_suite(") {
				t.Errorf("suite %#04x: name %q does not round-trip", s.id, name)
			}
		}
		if s.rsaKX && !s.rsaKey {
			t.Errorf("suite %#04x: RSA key transport needs an RSA key", s.id)
		}
	}
}

func TestSuiteProperties(t *testing.T) {
	ecdsa := []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	rsaECDHE := []uint16{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}
	rsaKX := []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256}
	cbc := []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}
	tests := []struct {
		name     string
		ids      []uint16
		needsRSA bool
		note     string
	}{
		{"none", nil, false, ""},
		{"ECDSA", ecdsa, false, ""},
		{"ECDHE RSA", rsaECDHE, true, ""},
		{"mixed", append(ecdsa, rsaKX...), false, "AES128-GCM-SHA256 (RSA key transport has no forward secrecy)"},
		{"RSA key transport", rsaKX, true, "legacy suites that gotls leaves off by default: AES128-GCM-SHA256 (RSA"},
		{"CBC", cbc, false, "ECDHE-ECDSA-AES128-SHA (CBC records are MAC-then-encrypt)"},
		{"TLS 1.3 only", []uint16{tls.TLS_AES_128_GCM_SHA256}, false, ""},
	}
	for _, tt := range tests {
		if got := needsRSAKey(tt.ids); got != tt.needsRSA {
			t.Errorf("%s: needsRSAKey = %v", tt.name, got)
		}
		note := legacyNote(tt.ids)
		if (tt.note == "") != (note == "") || !strings.Contains(note, tt.note) {
			t.Errorf("%s: legacyNote = %q, want %q", tt.name, note, tt.note)
		}
	}
}

func TestParseALPN(t *testing.T) {
	long := string(make([]byte, 256))
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"", nil, false},
		{"h2", []string{"h2"}, false},
		{"h2,http/1.1", []string{"h2", "http/1.1"}, false},
		{"h2,,http/1.1", nil, true},
		{long, nil, true},
	}
	for _, tt := range tests {
		got, err := parseALPN(tt.in)
		if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
			t.Errorf("parseALPN(%.10q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseAccept(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"4433", "127.0.0.1:4433", false},
		{"0", "127.0.0.1:0", false},
		{":4433", "127.0.0.1:4433", false},
		{"0.0.0.0:4433", "0.0.0.0:4433", false},
		{"localhost:8443", "localhost:8443", false},
		{"[::1]:4433", "[::1]:4433", false},
		{"[::]:0", "[::]:0", false},
		{"65536", "", true},
		{"-1", "", true},
		{"https", "", true},
		{"host:", "", true},
		{"::1:4433", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := parseAccept(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseAccept(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseConnect(t *testing.T) {
	tests := []struct {
		in       string
		wantHost string
		wantSNI  string
		wantErr  bool
	}{
		{"example.com:443", "example.com", "example.com", false},
		{"example.com.:443", "example.com.", "example.com", false},
		{"127.0.0.1:4433", "127.0.0.1", "127.0.0.1", false},
		{"[::1]:4433", "::1", "::1", false},
		{"example.com", "", "", true},
		{":443", "", "", true},
		{"example.com:http", "", "", true},
		{"example.com:99999", "", "", true},
	}
	for _, tt := range tests {
		host, err := parseConnect(tt.in)
		if (err != nil) != tt.wantErr || host != tt.wantHost {
			t.Errorf("parseConnect(%q) = %q, %v; want %q, error %v", tt.in, host, err, tt.wantHost, tt.wantErr)
			continue
		}
		if !tt.wantErr {
			if sni := defaultServerName(host); sni != tt.wantSNI {
				t.Errorf("defaultServerName(%q) = %q, want %q", host, sni, tt.wantSNI)
			}
		}
	}
}

func TestApplyCommonVersions(t *testing.T) {
	tests := []struct {
		tls12, tls13, noTLS13 bool
		min, max              uint16
		wantErr               bool
	}{
		{false, false, false, 0, 0, false},
		{false, true, false, gotls.VersionTLS13, gotls.VersionTLS13, false},
		{true, false, false, gotls.VersionTLS12, gotls.VersionTLS12, false},
		{false, false, true, 0, gotls.VersionTLS12, false},
		{true, false, true, gotls.VersionTLS12, gotls.VersionTLS12, false},
		{true, true, false, 0, 0, true},
		{false, true, true, 0, 0, true},
	}
	for _, tt := range tests {
		cfg := &gotls.Config{}
		err := applyCommon(cfg, &commonFlags{tls12: tt.tls12, tls13: tt.tls13, noTLS13: tt.noTLS13})
		if (err != nil) != tt.wantErr || cfg.MinVersion != tt.min || cfg.MaxVersion != tt.max {
			t.Errorf("tls1_2=%v tls1_3=%v no_tls1_3=%v: min %#x max %#x err %v", tt.tls12, tt.tls13, tt.noTLS13, cfg.MinVersion, cfg.MaxVersion, err)
		}
	}
}

// TestApplyCommonSuites checks that -ciphersuites and -cipher fill one
// CipherSuites list, TLS 1.3 suites first, and stay apart.
func TestApplyCommonSuites(t *testing.T) {
	tests := []struct {
		suites, cipher string
		want           []uint16
		wantErr        bool
	}{
		{"", "", nil, false},
		{"TLS_AES_256_GCM_SHA384", "", []uint16{tls.TLS_AES_256_GCM_SHA384}, false},
		{"", "AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256", []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, false},
		{"TLS_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", []uint16{tls.TLS_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}, false},
		{"AES128-SHA", "", nil, true},
		{"", "TLS_AES_128_GCM_SHA256", nil, true},
	}
	for _, tt := range tests {
		cfg := &gotls.Config{}
		err := applyCommon(cfg, &commonFlags{suites: tt.suites, cipher: tt.cipher})
		if (err != nil) != tt.wantErr || (!tt.wantErr && !slices.Equal(cfg.CipherSuites, tt.want)) {
			t.Errorf("-ciphersuites %q -cipher %q: %#04x, %v", tt.suites, tt.cipher, cfg.CipherSuites, err)
		}
		if cfg.LegacyRSAKeyExchange || cfg.LegacyCBCSuites {
			t.Errorf("-cipher %q set a Legacy flag: listing a suite is what enables it", tt.cipher)
		}
	}
}

func TestDepthFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"0", 0, false},
		{"2", 2, false},
		{"-1", 0, true},
		{"x", 0, true},
		{"101", 0, true},
	}
	for _, tt := range tests {
		var d depthFlag
		err := d.Set(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && (!d.set || d.depth != tt.want)) {
			t.Errorf("depthFlag.Set(%q) = %+v, %v", tt.in, d, err)
		}
	}
}
