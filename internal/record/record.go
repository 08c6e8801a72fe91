package record

import (
	"math"

	"gotls/internal/wire"
)

// Record size limits.
const (
	// HeaderLen is the length of a record header: type, version, length.
	HeaderLen = 5
	// MaxPlaintext is the largest plaintext fragment (RFC 8446, Section 5.1).
	MaxPlaintext = 1 << 14
	// MaxCiphertext13 is the largest TLS 1.3 protected record body
	// (RFC 8446, Section 5.2).
	MaxCiphertext13 = MaxPlaintext + 256
	// MaxCiphertext12 is the largest TLS 1.2 protected record body
	// (RFC 5246, Section 6.2.3).
	MaxCiphertext12 = MaxPlaintext + 2048
)

// Protector protects one direction of a connection.
type Protector interface {
	// Seal appends one complete record (header + protected payload) carrying typ/payload to dst.
	// len(payload) <= MaxPlaintext, or Seal panics. padding: extra zero bytes in TLS 1.3 inner
	// plaintext (0 = none), reduced so that payload and padding fit MaxPlaintext; other
	// protectors ignore it. payload must not overlap the free capacity of dst. Seal does
	// not allocate when dst has room for the record.
	Seal(dst []byte, typ wire.ContentType, payload []byte, padding int) []byte
	// Open authenticates and decrypts one complete record (header included) IN PLACE and returns
	// the real content type and the plaintext (a sub-slice of rec). Errors are *wire.Error.
	Open(rec []byte) (wire.ContentType, []byte, error)
	// Overhead is the largest expansion of a record beyond the payload (header included),
	// not counting TLS 1.3 padding.
	Overhead() int
	// NeedsRekey reports that the AEAD confidentiality limit is near (RFC 8446, Section 5.5),
	// or that the sequence number is close to wrapping; the engine then sends a KeyUpdate.
	NeedsRekey() bool
	// Encrypted reports whether records are protected, that is whether this is not the
	// Plaintext protector.
	Encrypted() bool
}

// ParseHeader splits a record header. It reads the first HeaderLen bytes
// of b, which must be at least that long.
func ParseHeader(b []byte) (typ wire.ContentType, vers wire.Version, length int) {
	return wire.ContentType(b[0]), wire.Version(b[1])<<8 | wire.Version(b[2]), int(b[3])<<8 | int(b[4])
}

// knownContentType reports whether t is a record type gotls accepts at all.
func knownContentType(t wire.ContentType) bool {
	switch t {
	case wire.ContentChangeCipherSpec, wire.ContentAlert, wire.ContentHandshake, wire.ContentApplicationData:
		return true
	}
	return false
}

// checkFraming verifies that rec is a whole record whose header length
// matches its size; the Deframer guarantees this, so a mismatch is a bug.
func checkFraming(rec []byte) error {
	if len(rec) < HeaderLen {
		return wire.Fatalf(wire.AlertInternalError, "record shorter than its header")
	}
	if _, _, n := ParseHeader(rec); n != len(rec)-HeaderLen {
		return wire.Fatalf(wire.AlertInternalError, "record length does not match its header")
	}
	return nil
}

// appendHeader appends a record header.
func appendHeader(dst []byte, typ wire.ContentType, vers wire.Version, length int) []byte {
	return append(dst, byte(typ), byte(vers>>8), byte(vers), byte(length>>8), byte(length))
}

// checkPayload panics on a payload larger than a record can carry: the
// engine fragments, so this is a bug in the caller.
func checkPayload(payload []byte) {
	if len(payload) > MaxPlaintext {
		panic("record: payload exceeds MaxPlaintext")
	}
}

// Sequence number limits. A sequence number must never wrap (RFC 8446,
// Section 5.3): the last one usable is lastSeq, after which the direction is
// exhausted.
const (
	lastSeq = math.MaxUint64 - 1
	// seqMargin is how many records before exhaustion NeedsRekey turns true
	// for AEADs without a tighter limit.
	seqMargin = 1 << 32
	// gcmRecordLimit is when NeedsRekey turns true for AES-GCM: below the
	// 2^24.5 full-size records RFC 8446, Section 5.5 allows.
	gcmRecordLimit = 1 << 24
)

// sequence is the record sequence number of one direction.
type sequence struct {
	n uint64
	// rekeyAt is the value of n from which NeedsRekey is true.
	rekeyAt uint64
}

// exhausted reports whether no sequence number is left.
func (s *sequence) exhausted() bool { return s.n > lastSeq }

// needsRekey reports whether the direction should be rekeyed.
func (s *sequence) needsRekey() bool { return s.n >= s.rekeyAt }

// errSeqExhausted is returned when a direction has used every sequence number.
func errSeqExhausted() error {
	return wire.Fatalf(wire.AlertInternalError, "record sequence number exhausted")
}

// xorNonce writes iv XOR the big-endian, left-padded sequence number into
// nonce, which has the length of iv (RFC 8446, Section 5.3; RFC 7905, Section 2).
func xorNonce(nonce, iv []byte, seq uint64) {
	copy(nonce, iv)
	for i := 0; i < 8; i++ {
		nonce[len(nonce)-1-i] ^= byte(seq >> (8 * i))
	}
}
