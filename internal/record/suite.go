package record

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"

	"golang.org/x/crypto/chacha20poly1305"

	"gotls/internal/wire"
)

// Suite describes the record protection of an AEAD cipher suite.
type Suite struct {
	// ID is the cipher suite.
	ID wire.CipherSuite
	// Hash is the hash of the key schedule (TLS 1.3) or of the PRF (TLS 1.2).
	Hash crypto.Hash
	// KeyLen is the length of the AEAD key.
	KeyLen int
	// IVLen is the length of the write IV: 12 in TLS 1.3 and for
	// ChaCha20-Poly1305 in TLS 1.2, 4 (the implicit salt) for AES-GCM in TLS 1.2.
	IVLen int
	// ExplicitNonceLen is the length of the nonce carried in each record:
	// 8 for AES-GCM in TLS 1.2 (RFC 5288, Section 3), 0 otherwise.
	ExplicitNonceLen int
	// NewAEAD returns the AEAD keyed with key.
	NewAEAD func(key []byte) (cipher.AEAD, error)
}

// newGCM returns AES-GCM keyed with key.
func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// The suites gotls knows. Suite13 and Suite12 hand out pointers to these
// shared values, so callers must treat a *Suite as read-only.
var (
	suiteAES128GCM13 = Suite{ID: wire.TLS_AES_128_GCM_SHA256, Hash: crypto.SHA256, KeyLen: 16, IVLen: 12, NewAEAD: newGCM}
	suiteAES256GCM13 = Suite{ID: wire.TLS_AES_256_GCM_SHA384, Hash: crypto.SHA384, KeyLen: 32, IVLen: 12, NewAEAD: newGCM}
	suiteChaCha13    = Suite{ID: wire.TLS_CHACHA20_POLY1305_SHA256, Hash: crypto.SHA256, KeyLen: 32, IVLen: 12, NewAEAD: chacha20poly1305.New}

	aeadSuites12 = map[wire.CipherSuite]*Suite{}
)

func init() {
	gcm128 := []wire.CipherSuite{wire.TLS_RSA_WITH_AES_128_GCM_SHA256, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
	gcm256 := []wire.CipherSuite{wire.TLS_RSA_WITH_AES_256_GCM_SHA384, wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}
	chacha := []wire.CipherSuite{wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, wire.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
	for _, id := range gcm128 {
		aeadSuites12[id] = &Suite{ID: id, Hash: crypto.SHA256, KeyLen: 16, IVLen: 4, ExplicitNonceLen: 8, NewAEAD: newGCM}
	}
	for _, id := range gcm256 {
		aeadSuites12[id] = &Suite{ID: id, Hash: crypto.SHA384, KeyLen: 32, IVLen: 4, ExplicitNonceLen: 8, NewAEAD: newGCM}
	}
	for _, id := range chacha {
		aeadSuites12[id] = &Suite{ID: id, Hash: crypto.SHA256, KeyLen: 32, IVLen: 12, NewAEAD: chacha20poly1305.New}
	}
}

// Suite13 returns the TLS 1.3 suite id, or nil if gotls does not know it.
// The result is shared and must not be modified.
func Suite13(id wire.CipherSuite) *Suite {
	switch id {
	case wire.TLS_AES_128_GCM_SHA256:
		return &suiteAES128GCM13
	case wire.TLS_AES_256_GCM_SHA384:
		return &suiteAES256GCM13
	case wire.TLS_CHACHA20_POLY1305_SHA256:
		return &suiteChaCha13
	}
	return nil
}

// Suite12 returns the record protection of the TLS 1.2 AEAD suite id, or
// nil if id is not an AEAD suite gotls knows. The result is shared and must
// not be modified.
func Suite12(id wire.CipherSuite) *Suite {
	return aeadSuites12[id]
}

// isGCM reports whether the suite uses AES-GCM, whose confidentiality limit
// is tight enough to require rekeying (RFC 8446, Section 5.5).
func (s *Suite) isGCM() bool {
	switch s.ID {
	case wire.TLS_CHACHA20_POLY1305_SHA256, wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		wire.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256:
		return false
	}
	return true
}

// rekeyAt returns the sequence number from which NeedsRekey is true.
func (s *Suite) rekeyAt() uint64 {
	if s.isGCM() {
		return gcmRecordLimit
	}
	return lastSeq + 1 - seqMargin
}
