package record

import "gotls/internal/wire"

// plaintext is the null protection used before keys are set.
type plaintext struct {
	version wire.Version
}

// Plaintext returns the null protector used before keys are set (records carry version in
// header). Its records are TLSPlaintext (RFC 8446, Section 5.1).
func Plaintext(version wire.Version) Protector { return plaintext{version} }

// Seal appends a TLSPlaintext record carrying payload; padding is ignored.
func (p plaintext) Seal(dst []byte, typ wire.ContentType, payload []byte, padding int) []byte {
	checkPayload(payload)
	dst = appendHeader(dst, typ, p.version, len(payload))
	return append(dst, payload...)
}

// Open returns the type and fragment of a TLSPlaintext record.
func (p plaintext) Open(rec []byte) (wire.ContentType, []byte, error) {
	if err := checkFraming(rec); err != nil {
		return 0, nil, err
	}
	typ, _, n := ParseHeader(rec)
	if n > MaxPlaintext {
		return 0, nil, wire.Fatalf(wire.AlertRecordOverflow, "plaintext record of %d bytes", n) // RFC 8446, Section 5.1
	}
	return typ, rec[HeaderLen:], nil
}

// Overhead is the record header.
func (p plaintext) Overhead() int { return HeaderLen }

// NeedsRekey is always false: there are no keys.
func (p plaintext) NeedsRekey() bool { return false }

// Encrypted is false.
func (p plaintext) Encrypted() bool { return false }
