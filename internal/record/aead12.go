package record

import (
	"crypto/cipher"
	"encoding/binary"
	"slices"

	"gotls/internal/wire"
)

// aead12 protects one direction with a TLS 1.2 AEAD: AES-GCM with an
// explicit nonce (RFC 5288, Section 3) or ChaCha20-Poly1305 with an
// implicit one (RFC 7905, Section 2).
type aead12 struct {
	aead cipher.AEAD
	// fixed is the write IV: the 4-byte salt for GCM, 12 bytes for ChaCha20.
	fixed    [12]byte
	fixedLen int
	explicit int
	nonce    [12]byte
	// ad is the additional data: seq_num, type, version, length
	// (RFC 5246, Section 6.2.3.3).
	ad  [13]byte
	seq sequence
}

// NewAEAD12 returns a TLS 1.2 AEAD protector for a suite from Suite12. key
// and fixedIV are the write key and write IV of the direction from the key
// block (RFC 5246, Section 6.3).
func NewAEAD12(s *Suite, key, fixedIV []byte) (Protector, error) {
	if len(key) != s.KeyLen || len(fixedIV) != s.IVLen || s.IVLen+s.ExplicitNonceLen != 12 {
		return nil, wire.Fatalf(wire.AlertInternalError, "wrong key or iv length for %v", s.ID)
	}
	a, err := s.NewAEAD(key)
	if err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "cannot create aead", err)
	}
	if a.NonceSize() != 12 {
		return nil, wire.Fatalf(wire.AlertInternalError, "aead unfit for tls 1.2")
	}
	p := &aead12{aead: a, fixedLen: s.IVLen, explicit: s.ExplicitNonceLen, seq: sequence{rekeyAt: s.rekeyAt()}}
	copy(p.fixed[:], fixedIV)
	return p, nil
}

// setNonce builds the nonce of the current record: salt || seq_num for
// GCM, IV XOR seq_num for ChaCha20-Poly1305.
func (p *aead12) setNonce() {
	if p.explicit > 0 {
		copy(p.nonce[:], p.fixed[:p.fixedLen])
		binary.BigEndian.PutUint64(p.nonce[p.fixedLen:], p.seq.n)
		return
	}
	xorNonce(p.nonce[:], p.fixed[:12], p.seq.n)
}

// setAD builds the additional data of the current record.
func (p *aead12) setAD(typ wire.ContentType, vers wire.Version, length int) {
	binary.BigEndian.PutUint64(p.ad[:8], p.seq.n)
	p.ad[8] = byte(typ)
	binary.BigEndian.PutUint16(p.ad[9:], uint16(vers))
	binary.BigEndian.PutUint16(p.ad[11:], uint16(length))
}

// Seal appends a GenericAEADCipher record; padding is ignored.
func (p *aead12) Seal(dst []byte, typ wire.ContentType, payload []byte, padding int) []byte {
	checkPayload(payload)
	if p.seq.exhausted() {
		panic("record: sequence number exhausted") // RFC 5246, Section 6.1
	}
	n := p.explicit + len(payload) + p.aead.Overhead()
	dst = slices.Grow(dst, HeaderLen+n)
	dst = appendHeader(dst, typ, wire.VersionTLS12, n)
	p.setNonce()
	p.setAD(typ, wire.VersionTLS12, len(payload))
	// The explicit nonce is the sequence number, the last 8 bytes of the nonce.
	dst = append(dst, p.nonce[12-p.explicit:]...)
	body := len(dst)
	dst = append(dst, payload...)
	p.seq.n++
	return p.aead.Seal(dst[:body], p.nonce[:], dst[body:], p.ad[:])
}

// Open authenticates and decrypts a GenericAEADCipher record in place.
func (p *aead12) Open(rec []byte) (wire.ContentType, []byte, error) {
	if err := checkFraming(rec); err != nil {
		return 0, nil, err
	}
	typ, vers, n := ParseHeader(rec)
	if n > MaxCiphertext12 {
		return 0, nil, wire.Fatalf(wire.AlertRecordOverflow, "protected record of %d bytes", n) // RFC 5246, Section 6.2.3
	}
	if n < p.explicit+p.aead.Overhead() {
		return 0, nil, wire.Fatalf(wire.AlertBadRecordMAC, "protected record too short")
	}
	if p.seq.exhausted() {
		return 0, nil, errSeqExhausted() // RFC 5246, Section 6.1
	}
	p.setNonce()
	if p.explicit > 0 {
		copy(p.nonce[p.fixedLen:], rec[HeaderLen:HeaderLen+p.explicit])
	}
	body := rec[HeaderLen+p.explicit:]
	p.setAD(typ, vers, len(body)-p.aead.Overhead())
	plain, err := p.aead.Open(body[:0], p.nonce[:], body, p.ad[:])
	if err != nil {
		return 0, nil, wire.Fatalf(wire.AlertBadRecordMAC, "record authentication failed") // RFC 5246, Section 7.2.2
	}
	p.seq.n++
	if len(plain) > MaxPlaintext {
		return 0, nil, wire.Fatalf(wire.AlertRecordOverflow, "plaintext of %d bytes", len(plain)) // RFC 5246, Section 6.2.1
	}
	return typ, plain, nil
}

// Overhead is the header, the explicit nonce and the AEAD tag.
func (p *aead12) Overhead() int { return HeaderLen + p.explicit + p.aead.Overhead() }

// NeedsRekey reports whether the AEAD limit is near; TLS 1.2 cannot rekey
// without renegotiation, so the engine closes the connection instead.
func (p *aead12) NeedsRekey() bool { return p.seq.needsRekey() }

// Encrypted is true.
func (p *aead12) Encrypted() bool { return true }
