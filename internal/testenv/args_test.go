package testenv

import (
	"slices"
	"testing"

	"gotls/internal/wire"
)

// TestOpenSSLArgs checks how choices become openssl flags.
func TestOpenSSLArgs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version wire.Version
		groups  []wire.Group
		suites  []wire.CipherSuite
		want    []string
	}{
		{"defaults", 0, nil, nil, nil},
		{"tls13", wire.VersionTLS13, []wire.Group{wire.GroupX25519, wire.GroupSecp384r1},
			[]wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_CHACHA20_POLY1305_SHA256},
			[]string{"-tls1_3", "-groups", "X25519:P-384", "-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"}},
		{"tls12-mixed", wire.VersionTLS12, []wire.Group{wire.GroupSecp256r1, wire.GroupSecp521r1},
			[]wire.CipherSuite{wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, wire.TLS_AES_256_GCM_SHA384, wire.TLS_RSA_WITH_AES_128_GCM_SHA256},
			[]string{"-tls1_2", "-groups", "P-256:P-521", "-ciphersuites", "TLS_AES_256_GCM_SHA384", "-cipher", "ECDHE-RSA-AES128-SHA:AES128-GCM-SHA256"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := opensslCommonArgs(t, tc.version, tc.groups, tc.suites); !slices.Equal(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestGnuTLSPriority checks how choices become GnuTLS priority strings.
func TestGnuTLSPriority(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version wire.Version
		groups  []wire.Group
		suites  []wire.CipherSuite
		want    string
	}{
		{"defaults", 0, nil, nil, ""},
		{"tls13", wire.VersionTLS13, []wire.Group{wire.GroupSecp384r1, wire.GroupX25519},
			[]wire.CipherSuite{wire.TLS_CHACHA20_POLY1305_SHA256},
			"NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-SECP384R1:+GROUP-X25519:-CIPHER-ALL:+CHACHA20-POLY1305:-MAC-ALL:+AEAD"},
		{"tls12", wire.VersionTLS12, nil,
			[]wire.CipherSuite{wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
			"NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC:+AES-128-GCM:-MAC-ALL:+SHA1:+AEAD:-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gnutlsPriority(t, tc.version, tc.groups, tc.suites); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestUnknownNamesFail proves that a group or suite with no tool name
// fails the test instead of being dropped silently.
func TestUnknownNamesFail(t *testing.T) {
	for name, fn := range map[string]func(*fakeTB){
		"openssl group": func(f *fakeTB) { opensslGroupName(f, wire.Group(0x9999)) },
		"gnutls group":  func(f *fakeTB) { gnutlsGroupName(f, wire.Group(0x9999)) },
		"gnutls suite":  func(f *fakeTB) { gnutlsSuiteParts(f, []wire.CipherSuite{wire.TLS_FALLBACK_SCSV}) },
		"version":       func(f *fakeTB) { opensslCommonArgs(f, wire.VersionTLS10, nil, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			f := &fakeTB{TB: t}
			f.run(func() { fn(f) })
			f.expect(t, "fatal: testenv: no ")
		})
	}
}
