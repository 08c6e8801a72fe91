package main

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, p *parsedArgs)
	}{
		{
			name: "transport",
			args: []string{"-port", "4433", "-shim-id", "18446744073709551615", "-ipv6", "-server"},
			check: func(t *testing.T, p *parsedArgs) {
				o := p.initial
				if o.port != 4433 || o.shimID != 1<<64-1 || !o.ipv6 || !o.server {
					t.Errorf("got port %d id %d ipv6 %t server %t", o.port, o.shimID, o.ipv6, o.server)
				}
			},
		},
		{
			name: "probe",
			args: []string{"-is-handshaker-supported"},
			check: func(t *testing.T, p *parsedArgs) {
				if !p.probe {
					t.Error("probe not set")
				}
			},
		},
		{
			name: "repeated flags accumulate",
			args: []string{"-curves", "29", "-curves", "23", "-expect-peer-verify-pref", "2052"},
			check: func(t *testing.T, p *parsedArgs) {
				if !slices.Equal(p.initial.curves, []uint16{29, 23}) {
					t.Errorf("curves %v", p.initial.curves)
				}
				if !slices.Equal(p.initial.expectPeerVerifyPrefs, []uint16{2052}) {
					t.Errorf("verify prefs %v", p.initial.expectPeerVerifyPrefs)
				}
			},
		},
		{
			name: "per-connection prefixes",
			args: []string{"-on-initial-expect-alpn", "a", "-on-resume-expect-alpn", "b", "-on-retry-expect-alpn", "c", "-host-name", "h"},
			check: func(t *testing.T, p *parsedArgs) {
				got := []string{p.initial.expectALPN, p.resume.expectALPN, p.retry.expectALPN}
				if !slices.Equal(got, []string{"a", "b", "c"}) {
					t.Errorf("expect-alpn per connection %q", got)
				}
				for _, o := range []*options{p.initial, p.resume, p.retry} {
					if o.hostName != "h" {
						t.Errorf("unprefixed flag not applied everywhere: %q", o.hostName)
					}
				}
			},
		},
		{
			name: "shim and handshaker prefixes",
			args: []string{"-on-shim-shim-writes-first", "-on-handshaker-export-label", "x", "-on-shim-on-resume-curves", "24"},
			check: func(t *testing.T, p *parsedArgs) {
				if !p.initial.shimWritesFirst {
					t.Error("-on-shim- flag not applied")
				}
				if p.initial.exportLabel != "" {
					t.Error("-on-handshaker- flag applied to the shim")
				}
				if len(p.initial.curves) != 0 || !slices.Equal(p.resume.curves, []uint16{24}) {
					t.Errorf("-on-shim-on-resume-: initial %v resume %v", p.initial.curves, p.resume.curves)
				}
			},
		},
		{
			name: "credentials",
			args: []string{
				"-cert-file", "d.pem", "-key-file", "d.key",
				"-new-x509-credential", "-cert-file", "1.pem", "-key-file", "1.key", "-ocsp-response", "AQI=",
				"-new-x509-credential", "-cert-file", "2.pem", "-key-file", "2.key",
				"-expect-selected-credential", "-1",
			},
			check: func(t *testing.T, p *parsedArgs) {
				o := p.initial
				if o.defaultCred.certFile != "d.pem" || o.defaultCred.keyFile != "d.key" {
					t.Errorf("default credential %+v", o.defaultCred)
				}
				if len(o.creds) != 2 || o.creds[0].certFile != "1.pem" || o.creds[1].keyFile != "2.key" {
					t.Fatalf("credentials %+v", o.creds)
				}
				if string(o.creds[0].ocsp) != "\x01\x02" || o.creds[1].ocsp != nil {
					t.Errorf("OCSP attached to the wrong credential: %+v", o.creds)
				}
				if o.expectSelectedCred == nil || *o.expectSelectedCred != -1 {
					t.Errorf("expect-selected-credential %v", o.expectSelectedCred)
				}
			},
		},
		{
			name: "signature scheme flags",
			args: []string{"-signing-prefs", "2052", "-new-x509-credential", "-signing-prefs", "1027", "-signing-prefs", "2055",
				"-verify-prefs", "2052", "-verify-prefs", "1027", "-expect-peer-signature-algorithm", "2052"},
			check: func(t *testing.T, p *parsedArgs) {
				o := p.initial
				if !slices.Equal(o.defaultCred.signingPrefs, []uint16{2052}) || !slices.Equal(o.creds[0].signingPrefs, []uint16{1027, 2055}) {
					t.Errorf("signing prefs default %v, credential %v", o.defaultCred.signingPrefs, o.creds[0].signingPrefs)
				}
				if !slices.Equal(o.verifyPrefs, []uint16{2052, 1027}) || o.expectPeerSigAlg != 2052 {
					t.Errorf("verify prefs %v, expected peer scheme %d", o.verifyPrefs, o.expectPeerSigAlg)
				}
			},
		},
		{
			name: "callback flags",
			args: []string{"-use-ocsp-callback", "-fail-ocsp-callback", "-decline-ocsp-callback", "-fail-early-callback", "-fail-cert-callback", "-use-early-callback"},
			check: func(t *testing.T, p *parsedArgs) {
				o := p.initial
				if !o.useOCSPCallback || !o.failOCSPCallback || !o.declineOCSPCallback || !o.failEarlyCallback || !o.failCertCallback {
					t.Errorf("callback flags not all set: %+v", o)
				}
				if len(o.unsupported) != 0 {
					t.Errorf("unsupported %q", o.unsupported)
				}
			},
		},
		{
			name: "unsupported flag parses its value and is recorded",
			args: []string{"-key-shares", "29", "-async", "-port", "1"},
			check: func(t *testing.T, p *parsedArgs) {
				if len(p.initial.unsupported) != 2 || p.initial.port != 1 {
					t.Errorf("unsupported %q port %d", p.initial.unsupported, p.initial.port)
				}
			},
		},
		{
			name: "accepted no-op flags",
			args: []string{"-trust-cert", "ca.pem", "-enable-ocsp-stapling", "-expect-no-session"},
			check: func(t *testing.T, p *parsedArgs) {
				if len(p.initial.unsupported) != 0 {
					t.Errorf("unsupported %q", p.initial.unsupported)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseArgs(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, p)
		})
	}
}

func TestParseArgsErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		unknown bool
	}{
		{"unknown flag", []string{"-no-such-flag"}, true},
		{"unknown flag behind a prefix", []string{"-on-resume-no-such-flag", "1"}, true},
		{"missing value", []string{"-port"}, false},
		{"not a number", []string{"-port", "x"}, false},
		{"leading plus", []string{"-port", "+1"}, false},
		{"negative unsigned", []string{"-curves", "-1"}, false},
		{"out of range", []string{"-curves", "65536"}, false},
		{"bad base64", []string{"-ocsp-response", "!!"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseArgs(tt.args)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, errUnknownFlag) != tt.unknown {
				t.Errorf("unknown-flag error = %t, want %t (%v)", !tt.unknown, tt.unknown, err)
			}
		})
	}
}

func TestFlagTableConsistent(t *testing.T) {
	for name, spec := range flagTable() {
		if name != spec.name || !strings.HasPrefix(name, "-") {
			t.Errorf("flag %q registered as %q", spec.name, name)
		}
	}
}

func TestValidate(t *testing.T) {
	// TLS 1.0 and 1.1 are never implemented; whether TLS 1.2 is decides
	// some answers.
	has12 := newOptions().implemented(versionTLS12)
	tests := []struct {
		name        string
		args        []string
		unsupported bool
		missing     bool
	}{
		{"defaults", nil, false, true},
		{"TLS 1.3 only by min version", []string{"-min-version", "772"}, false, false},
		{"TLS 1.3 only by no flags", []string{"-no-tls1", "-no-tls11", "-no-tls12"}, false, false},
		{"max version TLS 1.2", []string{"-max-version", "771"}, !has12, true},
		{"TLS 1.1 only", []string{"-max-version", "770", "-min-version", "770"}, true, true},
		{"no TLS 1.3", []string{"-no-tls13"}, !has12, true},
		{"expect TLS 1.2", []string{"-expect-version", "771"}, !has12, true},
		{"resumption", []string{"-resume-count", "1"}, false, true},
		{"unknown group", []string{"-curves", "21"}, true, true},
		{"known groups", []string{"-curves", "4588", "-curves", "25"}, false, true},
		{"cipher list", []string{"-cipher", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"}, false, true},
		{"cipher rule", []string{"-cipher", "DEFAULT:!AES"}, has12, true},
		{"cipher gotls lacks", []string{"-cipher", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"}, has12, true},
		{"cipher rule, TLS 1.3 only", []string{"-cipher", "3DES", "-min-version", "772"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseArgs(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			o := p.initial
			o.validate(false)
			if got := len(o.unsupported) > 0; got != tt.unsupported {
				t.Errorf("unsupported = %q, want any: %t", o.unsupported, tt.unsupported)
			}
			if o.cipherSet && len(o.unsupported) == 0 && len(o.suites) == 0 {
				t.Error("no suites from -cipher")
			}
			if got := o.missingVersionEnabled(); got != tt.missing {
				t.Errorf("missingVersionEnabled = %t, want %t", got, tt.missing)
			}
		})
	}
}
