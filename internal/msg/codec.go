package msg

import (
	"errors"

	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// errMalformed is returned by extension body parsers for any syntax error;
// readExtensions turns it into a decode_error that names the extension.
var errMalformed = errors.New("malformed extension body")

// decodeError returns the decode_error for a message or field that could
// not be decoded (RFC 8446, Section 6.2).
func decodeError(what string) error {
	return wire.Fatalf(wire.AlertDecodeError, "malformed %s", what)
}

// marshalError returns the internal_error reported when a message built
// locally cannot be encoded.
func marshalError(t wire.HandshakeType, cause error) error {
	return wire.Fatal(wire.AlertInternalError, "cannot marshal "+t.String(), cause)
}

// own returns b with its capacity clipped to its length, or nil when b is
// empty, so that slices into Raw can be handed out safely.
func own(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b[:len(b):len(b)]
}

// readUint16s decodes a non-empty list of 16-bit values that fills list.
func readUint16s[T ~uint16](list cryptobyte.String) ([]T, bool) {
	if len(list) == 0 || len(list)%2 != 0 {
		return nil, false
	}
	out := make([]T, 0, len(list)/2)
	for !list.Empty() {
		var v uint16
		list.ReadUint16(&v)
		out = append(out, T(v))
	}
	return out, true
}

// readUint16List reads a 2-byte length-prefixed, non-empty list of 16-bit
// values that must fill s entirely.
func readUint16List[T ~uint16](s *cryptobyte.String) ([]T, bool) {
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) || !s.Empty() {
		return nil, false
	}
	return readUint16s[T](list)
}

// addUint16List writes a 2-byte length-prefixed list of 16-bit values.
func addUint16List[T ~uint16](b *cryptobyte.Builder, vals []T) {
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, v := range vals {
			b.AddUint16(uint16(v))
		}
	})
}

// readUint8Bytes reads a 1-byte length-prefixed opaque vector that must
// hold at least min bytes.
func readUint8Bytes(s *cryptobyte.String, out *[]byte, min int) bool {
	var v cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&v) || len(v) < min {
		return false
	}
	*out = own(v)
	return true
}

// readUint16Bytes reads a 2-byte length-prefixed opaque vector that must
// hold at least min bytes.
func readUint16Bytes(s *cryptobyte.String, out *[]byte, min int) bool {
	var v cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&v) || len(v) < min {
		return false
	}
	*out = own(v)
	return true
}

// readUint24Bytes reads a 3-byte length-prefixed opaque vector that must
// hold at least min bytes.
func readUint24Bytes(s *cryptobyte.String, out *[]byte, min int) bool {
	var v cryptobyte.String
	if !s.ReadUint24LengthPrefixed(&v) || len(v) < min {
		return false
	}
	*out = own(v)
	return true
}

// addUint8Bytes writes a 1-byte length-prefixed opaque vector.
func addUint8Bytes(b *cryptobyte.Builder, v []byte) {
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(v) })
}

// addUint16Bytes writes a 2-byte length-prefixed opaque vector.
func addUint16Bytes(b *cryptobyte.Builder, v []byte) {
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(v) })
}

// addUint24Bytes writes a 3-byte length-prefixed opaque vector.
func addUint24Bytes(b *cryptobyte.Builder, v []byte) {
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(v) })
}

// readDistinguishedNames decodes a list of DistinguishedName values, each
// opaque<1..2^16-1>, that fills list.
func readDistinguishedNames(list cryptobyte.String) ([][]byte, bool) {
	var out [][]byte
	for !list.Empty() {
		var dn []byte
		if !readUint16Bytes(&list, &dn, 1) {
			return nil, false
		}
		out = append(out, dn)
	}
	return out, true
}

// addDistinguishedNames writes a 2-byte length-prefixed list of
// DistinguishedName values.
func addDistinguishedNames(b *cryptobyte.Builder, names [][]byte) {
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, dn := range names {
			if len(dn) == 0 {
				b.SetError(errors.New("empty distinguished name"))
				return
			}
			addUint16Bytes(b, dn)
		}
	})
}

// readSCTList decodes a SignedCertificateTimestampList (RFC 6962,
// Section 3.3): a non-empty list of non-empty SerializedSCT values that
// fills s.
func readSCTList(s *cryptobyte.String) ([][]byte, bool) {
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) || list.Empty() || !s.Empty() {
		return nil, false
	}
	var out [][]byte
	for !list.Empty() {
		var sct []byte
		if !readUint16Bytes(&list, &sct, 1) {
			return nil, false
		}
		out = append(out, sct)
	}
	return out, true
}

// addSCTList writes a SignedCertificateTimestampList.
func addSCTList(b *cryptobyte.Builder, scts [][]byte) {
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, sct := range scts {
			if len(sct) == 0 {
				b.SetError(errors.New("empty signed certificate timestamp"))
				return
			}
			addUint16Bytes(b, sct)
		}
	})
}
