package record

import (
	"crypto/cipher"
	"slices"

	"gotls/internal/wire"
)

// aead13 protects one direction with a TLS 1.3 AEAD (RFC 8446, Section 5.2).
type aead13 struct {
	aead  cipher.AEAD
	iv    [12]byte
	nonce [12]byte
	seq   sequence
}

// NewAEAD13 returns a TLS 1.3 protector (RFC 8446, Section 5.2-5.3): nonce = iv XOR seq, AAD = header,
// outer type application_data, legacy version 0x0303, inner type + zero padding. key and iv are the
// write key and IV of the direction's traffic secret (RFC 8446, Section 7.3).
func NewAEAD13(s *Suite, key, iv []byte) (Protector, error) {
	if len(key) != s.KeyLen || len(iv) != 12 {
		return nil, wire.Fatalf(wire.AlertInternalError, "wrong key or iv length for %v", s.ID)
	}
	a, err := s.NewAEAD(key)
	if err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "cannot create aead", err)
	}
	if a.NonceSize() != 12 || a.Overhead() > 255 {
		return nil, wire.Fatalf(wire.AlertInternalError, "aead unfit for tls 1.3") // RFC 8446, Section 5.2
	}
	p := &aead13{aead: a, seq: sequence{rekeyAt: s.rekeyAt()}}
	copy(p.iv[:], iv)
	return p, nil
}

// Seal appends a TLSCiphertext record whose encrypted TLSInnerPlaintext
// carries payload, its real type and padding zero bytes (RFC 8446, Section 5.2).
func (p *aead13) Seal(dst []byte, typ wire.ContentType, payload []byte, padding int) []byte {
	checkPayload(payload)
	if p.seq.exhausted() {
		panic("record: sequence number exhausted; the engine must rekey first") // RFC 8446, Section 5.3
	}
	padding = max(0, min(padding, MaxPlaintext-len(payload)))
	inner := len(payload) + 1 + padding
	n := inner + p.aead.Overhead()
	dst = slices.Grow(dst, HeaderLen+n)
	start := len(dst)
	// The outer type is always application_data and the legacy version
	// 0x0303 (RFC 8446, Section 5.2).
	dst = appendHeader(dst, wire.ContentApplicationData, wire.VersionTLS12, n)
	dst = append(dst, payload...)
	dst = append(dst, byte(typ))
	dst = append(dst, make([]byte, padding)...)
	xorNonce(p.nonce[:], p.iv[:], p.seq.n)
	p.seq.n++
	body := start + HeaderLen
	return p.aead.Seal(dst[:body], p.nonce[:], dst[body:], dst[start:body])
}

// Open decrypts a TLSCiphertext record in place and removes the padding of
// its TLSInnerPlaintext (RFC 8446, Sections 5.2 and 5.4).
func (p *aead13) Open(rec []byte) (wire.ContentType, []byte, error) {
	if err := checkFraming(rec); err != nil {
		return 0, nil, err
	}
	typ, _, n := ParseHeader(rec)
	if typ != wire.ContentApplicationData {
		return 0, nil, wire.Fatalf(wire.AlertUnexpectedMessage, "unprotected %v record after keys were set", typ)
	}
	if n > MaxCiphertext13 {
		return 0, nil, wire.Fatalf(wire.AlertRecordOverflow, "protected record of %d bytes", n) // RFC 8446, Section 5.2
	}
	if p.seq.exhausted() {
		return 0, nil, errSeqExhausted() // RFC 8446, Section 5.3
	}
	xorNonce(p.nonce[:], p.iv[:], p.seq.n)
	plain, err := p.aead.Open(rec[HeaderLen:HeaderLen], p.nonce[:], rec[HeaderLen:], rec[:HeaderLen])
	if err != nil {
		return 0, nil, wire.Fatalf(wire.AlertBadRecordMAC, "record authentication failed") // RFC 8446, Section 5.2
	}
	p.seq.n++
	if len(plain) > MaxPlaintext+1 {
		return 0, nil, wire.Fatalf(wire.AlertRecordOverflow, "inner plaintext of %d bytes", len(plain)) // RFC 8446, Section 5.4
	}
	return unpad(plain)
}

// unpad strips the zero padding of a TLSInnerPlaintext and returns its
// content type and content (RFC 8446, Section 5.4).
func unpad(plain []byte) (wire.ContentType, []byte, error) {
	i := len(plain) - 1
	for i >= 0 && plain[i] == 0 {
		i--
	}
	if i < 0 {
		return 0, nil, wire.Fatalf(wire.AlertUnexpectedMessage, "record has no content type") // RFC 8446, Section 5.4
	}
	typ := wire.ContentType(plain[i])
	switch typ {
	case wire.ContentAlert, wire.ContentHandshake, wire.ContentApplicationData:
		return typ, plain[:i], nil
	case wire.ContentChangeCipherSpec:
		// A protected change_cipher_spec record aborts the handshake
		// (RFC 8446, Section 5).
		return 0, nil, wire.Fatalf(wire.AlertUnexpectedMessage, "protected change_cipher_spec record")
	}
	return 0, nil, wire.Fatalf(wire.AlertUnexpectedMessage, "unknown record type %d", uint8(typ)) // RFC 8446, Section 5
}

// Overhead is the header, the inner content type and the AEAD tag.
func (p *aead13) Overhead() int { return HeaderLen + 1 + p.aead.Overhead() }

// NeedsRekey reports whether the AEAD limit is near.
func (p *aead13) NeedsRekey() bool { return p.seq.needsRekey() }

// Encrypted is true.
func (p *aead13) Encrypted() bool { return true }
