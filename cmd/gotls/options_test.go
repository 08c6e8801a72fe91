package main

import (
	"crypto/tls"
	"slices"
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
		in      string
		want    []uint16
		wantErr bool
	}{
		{"", nil, false},
		{"TLS_AES_128_GCM_SHA256", []uint16{tls.TLS_AES_128_GCM_SHA256}, false},
		{"TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384", []uint16{tls.TLS_CHACHA20_POLY1305_SHA256, tls.TLS_AES_256_GCM_SHA384}, false},
		{"tls_aes_128_gcm_sha256", []uint16{tls.TLS_AES_128_GCM_SHA256}, false},
		{"ECDHE-RSA-AES128-GCM-SHA256", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, false},
		{"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, false},
		{"TLS_AES_128_CCM_SHA256", nil, true},
		{"AES128-SHA", nil, true}, // CBC suites are not offered
		{"TLS_AES_128_GCM_SHA256:TLS_AES_128_GCM_SHA256", nil, true},
		{":", nil, true},
	}
	for _, tt := range tests {
		got, err := parseSuites(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseSuites(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("parseSuites(%q) = %#04x, want %#04x", tt.in, got, tt.want)
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
		tls12, tls13 bool
		min, max     uint16
		wantErr      bool
	}{
		{false, false, 0, 0, false},
		{false, true, gotls.VersionTLS13, gotls.VersionTLS13, false},
		{true, false, gotls.VersionTLS12, gotls.VersionTLS12, false},
		{true, true, 0, 0, true},
	}
	for _, tt := range tests {
		cfg := &gotls.Config{}
		err := applyCommon(cfg, &commonFlags{tls12: tt.tls12, tls13: tt.tls13})
		if (err != nil) != tt.wantErr || cfg.MinVersion != tt.min || cfg.MaxVersion != tt.max {
			t.Errorf("tls1_2=%v tls1_3=%v: min %#x max %#x err %v", tt.tls12, tt.tls13, cfg.MinVersion, cfg.MaxVersion, err)
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
