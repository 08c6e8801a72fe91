package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"testing"
)

func TestWrapKeyKeepsDecrypter(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	use := newCredentialUse()
	if _, ok := wrapKey(rsaKey, 3, use).(crypto.Decrypter); !ok {
		t.Error("wrapped RSA key lost crypto.Decrypter")
	}
	if _, ok := wrapKey(ecKey, 4, use).(crypto.Decrypter); ok {
		t.Error("wrapped ECDSA key claims crypto.Decrypter")
	}
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, &rsaKey.PublicKey, []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrapKey(rsaKey, 3, use).(crypto.Decrypter).Decrypt(rand.Reader, ct, nil); err != nil || use.selected() != 3 {
		t.Errorf("Decrypt: %v, selected %d", err, use.selected())
	}
}

func TestSCTList(t *testing.T) {
	tests := []struct {
		name string
		list []byte
		ok   bool
	}{
		{"two entries", []byte{0, 7, 0, 2, 1, 2, 0, 1, 3}, true},
		{"empty list", []byte{0, 0}, false},
		{"empty entry", []byte{0, 2, 0, 0}, false},
		{"trailing bytes", []byte{0, 3, 0, 1, 9, 0}, false},
		{"truncated", []byte{0, 5, 0, 4, 1}, false},
	}
	for _, tt := range tests {
		scts, err := parseSCTList(tt.list)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err %v", tt.name, err)
			continue
		}
		if tt.ok && !bytes.Equal(marshalSCTList(scts), tt.list) {
			t.Errorf("%s: round trip gave %x", tt.name, marshalSCTList(scts))
		}
	}
}
