package handshake_test

// Why a TLS 1.2 server can or cannot serve a suite with a certificate:
// RSA key transport needs a decrypting key allowed to encipher keys, and
// an ECDSA certificate must be on a curve the client lists. The error of
// a failed selection names the reason for each certificate.

import (
	"crypto"
	"crypto/x509"
	"strings"
	"testing"

	"gotls/internal/handshake"
	"gotls/internal/wire"
)

// signerOnly hides every method of a key but those of crypto.Signer, as
// a wrapping signer (an HSM handle, a recording shim) does.
type signerOnly struct{ crypto.Signer }

func TestServer12CertificateCanServe(t *testing.T) {
	ca := newTestCA(t, keyECDSAP256, "selection root")
	rsaCert := ca.issue(t, keyRSA2048, leafOptions{CommonName: "rsa"})
	rsaSignOnly := ca.issue(t, keyRSA2048, leafOptions{CommonName: "rsa sign", KeyUsage: x509.KeyUsageDigitalSignature})
	ecdsaCert := ca.issue(t, keyECDSAP256, leafOptions{CommonName: "ecdsa"})
	wrapped := *rsaCert
	wrapped.PrivateKey = signerOnly{rsaCert.PrivateKey}
	rsaKX := []wire.CipherSuite{wire.TLS_RSA_WITH_AES_128_GCM_SHA256}
	tests := []struct {
		name      string
		cert      *handshake.Certificate
		suites    []wire.CipherSuite
		groups    []wire.Group
		wantSuite wire.CipherSuite // 0: handshake_failure
		wantWhy   string
	}{
		{"rsa key transport", rsaCert, rsaKX, nil, wire.TLS_RSA_WITH_AES_128_GCM_SHA256, ""},
		{"rsa key transport, no ecdhe group", rsaCert, append(rsaKX, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
			[]wire.Group{wire.GroupFFDHE2048}, wire.TLS_RSA_WITH_AES_128_GCM_SHA256, ""},
		{"rsa key transport, key cannot decrypt", &wrapped, rsaKX, nil, 0, "crypto.Decrypter"},
		{"rsa key transport, keyUsage without keyEncipherment", rsaSignOnly, rsaKX, nil, 0, "keyEncipherment"},
		{"keyUsage without keyEncipherment falls back to ecdhe", rsaSignOnly, append(rsaKX, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
			nil, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ""},
		{"ecdsa curve not listed", ecdsaCert, s12ECDHESuites, []wire.Group{wire.GroupSecp384r1}, 0, "uses group secp256r1"},
		{"key fits no suite", ecdsaCert, rsaKX, nil, 0, "fits none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scfg := &handshake.Config{Certificates: []*handshake.Certificate{tt.cert}, LegacyRSAKeyExchange: true}
			ch := s12Hello(tt.suites...)
			if tt.groups != nil {
				ch.SupportedGroups = tt.groups
			}
			s := s12Start(t, scfg, ch)
			if tt.wantSuite == 0 {
				if alertOf(s.Err) != wire.AlertHandshakeFailure || !strings.Contains(s.Err.Error(), tt.wantWhy) {
					t.Fatalf("error %v, want handshake_failure naming %q", s.Err, tt.wantWhy)
				}
				return
			}
			if s.Err != nil {
				t.Fatalf("server failed: %v", s.Err)
			}
			if s.sh.CipherSuite != tt.wantSuite {
				t.Errorf("chose %v, want %v", s.sh.CipherSuite, tt.wantSuite)
			}
		})
	}
}
