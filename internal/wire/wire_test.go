package wire

import (
	"errors"
	"strings"
	"testing"
)

func TestStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{ContentHandshake.String(), "handshake"},
		{ContentType(99).String(), "content_type(99)"},
		{HandshakeCertificateVerify.String(), "certificate_verify"},
		{ExtKeyShare.String(), "key_share"},
		{ExtensionType(9999).String(), "extension(9999)"},
		{AlertDecodeError.String(), "decode_error"},
		{Alert(200).String(), "alert(200)"},
		{GroupX25519MLKEM768.String(), "X25519MLKEM768"},
		{PSSWithSHA256.String(), "rsa_pss_rsae_sha256"},
		{TLS_AES_128_GCM_SHA256.String(), "TLS_AES_128_GCM_SHA256"},
		{TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.OpenSSLName(), "ECDHE-RSA-AES128-GCM-SHA256"},
		{VersionTLS13.String(), "TLSv1.3"},
		{PSKModeDHEKE.String(), "psk_dhe_ke"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	cause := errors.New("boom")
	err := Fatal(AlertIllegalParameter, "bad key share", cause)
	if !strings.HasPrefix(err.Error(), "tls: bad key share") || !strings.Contains(err.Error(), "illegal_parameter") {
		t.Fatalf("unexpected message %q", err.Error())
	}
	if !errors.Is(err, cause) {
		t.Fatal("cause not unwrapped")
	}
	if !TLS_CHACHA20_POLY1305_SHA256.IsTLS13() || TLS_RSA_WITH_AES_128_GCM_SHA256.IsTLS13() {
		t.Fatal("IsTLS13 wrong")
	}
}
