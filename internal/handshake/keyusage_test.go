package handshake_test

// The keyUsage extension of a peer's leaf must allow what the handshake
// uses its key for, even when chain verification is skipped: signing
// (TLS 1.3, TLS 1.2 ECDHE, client certificates) needs digitalSignature,
// TLS 1.2 RSA key transport needs keyEncipherment (RFC 8446, Section
// 4.4.2.2; RFC 5246, Sections 7.4.2 and 7.4.6).

import (
	"crypto/x509"
	"strings"
	"testing"

	"gotls/internal/handshake"
	"gotls/internal/wire"
)

// TestClient12ServerKeyUsage runs our TLS 1.2 client against the scripted
// server with leaves of each keyUsage.
func TestClient12ServerKeyUsage(t *testing.T) {
	const (
		sign     = x509.KeyUsageDigitalSignature
		encipher = x509.KeyUsageKeyEncipherment
		agree    = x509.KeyUsageKeyAgreement
	)
	tests := []struct {
		name  string
		kt    keyType
		usage x509.KeyUsage
		suite wire.CipherSuite
		ok    bool
	}{
		{"ECDHE_ECDSA, keyAgreement only", keyECDSAP256, agree, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, false},
		{"ECDHE_ECDSA, digitalSignature", keyECDSAP256, sign, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, true},
		{"ECDHE_RSA, keyEncipherment only", keyRSA2048, encipher, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, false},
		{"RSA key transport, digitalSignature only", keyRSA2048, sign, wire.TLS_RSA_WITH_AES_128_GCM_SHA256, false},
		{"RSA key transport, keyEncipherment only", keyRSA2048, encipher, wire.TLS_RSA_WITH_AES_128_GCM_SHA256, true},
	}
	for _, tt := range tests {
		for _, skip := range []bool{false, true} {
			name := tt.name
			if skip {
				name += ", InsecureSkipVerify"
			}
			t.Run(name, func(t *testing.T) {
				f := newC12Fake(t, tt.kt, func(c *handshake.Config) { c.InsecureSkipVerify = skip })
				pki := *f.pki
				pki.Server = pki.CA.issue(t, tt.kt, leafOptions{CommonName: "localhost", KeyUsage: tt.usage})
				f.pki = &pki
				f.send(f.serverHello(tt.suite))
				err := f.feed(f.certificate())
				if tt.ok {
					if err != nil {
						t.Fatalf("rejected: %v", err)
					}
					return
				}
				if alertOf(err) != wire.AlertIllegalParameter || !strings.Contains(err.Error(), "keyUsage") {
					t.Fatalf("error %v, want illegal_parameter about keyUsage", err)
				}
			})
		}
	}
}

// TestPeerKeyUsage runs full handshakes in which one side's leaf lacks
// digitalSignature.
func TestPeerKeyUsage(t *testing.T) {
	for _, v := range []wire.Version{wire.VersionTLS12, wire.VersionTLS13} {
		for _, clientCert := range []bool{false, true} {
			name := v.String() + "/server certificate"
			if clientCert {
				name = v.String() + "/client certificate"
			}
			t.Run(name, func(t *testing.T) {
				pki := newTestPKI(t, keyECDSAP256)
				bad := pki.CA.issue(t, keyECDSAP256, leafOptions{CommonName: "localhost", ClientAuth: clientCert,
					KeyUsage: x509.KeyUsageKeyAgreement})
				ccfg, scfg := pki.configs()
				scfg.MaxVersion = v
				scfg.ClientAuth = handshake.RequireAnyClientCert
				ccfg.Certificates = []*handshake.Certificate{pki.Client}
				checker := &ccfg
				if clientCert {
					ccfg.Certificates = []*handshake.Certificate{bad}
					checker = &scfg
				} else {
					scfg.Certificates = []*handshake.Certificate{bad}
				}
				// Skipping verification does not skip the check.
				(*checker).InsecureSkipVerify = true
				client, server := runHandshake(t, ccfg, scfg)
				err := client.Err
				if clientCert {
					err = server.Err
				}
				if alertOf(err) != wire.AlertIllegalParameter || !strings.Contains(err.Error(), "keyUsage") {
					t.Fatalf("error %v, want illegal_parameter about keyUsage", err)
				}
			})
		}
	}
}
