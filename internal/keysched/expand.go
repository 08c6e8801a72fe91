package keysched

import (
	"crypto"
	"crypto/hkdf"
	"crypto/sha256" // also registers SHA-256 for crypto.Hash.New
	"crypto/sha512" // also registers SHA-384 for crypto.Hash.New
	"errors"
	"fmt"
	"hash"
)

// labelPrefix starts every HkdfLabel.label (RFC 8446, Section 7.1).
const labelPrefix = "tls13 "

// MaxLabelLen is the longest label ExpandLabel accepts: HkdfLabel.label is
// at most 255 bytes including the "tls13 " prefix (RFC 8446, Section 7.1).
const MaxLabelLen = 255 - len(labelPrefix)

// ExpandLabel is HKDF-Expand-Label of RFC 8446, Section 7.1: it expands
// secret to length bytes using the HkdfLabel made of length, "tls13 "+label
// and context.
//
// The arguments are chosen by gotls, never by a peer: ExpandLabel panics if
// label is longer than MaxLabelLen, context longer than 255 bytes, or length
// outside 0..min(65535, 255*h.Size()).
func ExpandLabel(h crypto.Hash, secret []byte, label string, context []byte, length int) []byte {
	if len(label) > MaxLabelLen || len(context) > 255 || length < 0 || length > 0xffff {
		panic(fmt.Sprintf("keysched: invalid HKDF-Expand-Label arguments (label %d, context %d, length %d bytes)",
			len(label), len(context), length))
	}
	// HkdfLabel is at most 2 + 1 + 255 + 1 + 255 bytes; build it on the
	// stack rather than with a cryptobyte.Builder, whose length-prefixed
	// children allocate.
	var buf [2 + 1 + 255 + 1 + 255]byte
	info := append(buf[:0], byte(length>>8), byte(length), byte(len(labelPrefix)+len(label)))
	info = append(info, labelPrefix...)
	info = append(info, label...)
	info = append(info, byte(len(context)))
	info = append(info, context...)
	out, err := hkdf.Expand(hashFunc(h), secret, string(info), length)
	if err != nil {
		panic("keysched: " + err.Error())
	}
	return out
}

// hashFunc returns the constructor of h. For the hashes of TLS it is a
// package-level function rather than the method value h.New, which
// allocates a closure on every use.
func hashFunc(h crypto.Hash) func() hash.Hash {
	switch h {
	case crypto.SHA256:
		return sha256.New
	case crypto.SHA384:
		return sha512.New384
	case crypto.SHA512:
		return sha512.New
	}
	return h.New
}

// extract is HKDF-Extract(salt, ikm) with the hash h (RFC 5869, Section 2.2).
func extract(h crypto.Hash, ikm, salt []byte) []byte {
	out, err := hkdf.Extract(hashFunc(h), ikm, salt)
	if err != nil {
		panic("keysched: " + err.Error())
	}
	return out
}

// Hash("") of the hashes of the TLS 1.3 suites, computed once.
var (
	emptySHA256 = sha256.Sum256(nil)
	emptySHA384 = sha512.Sum384(nil)
)

// emptyHash returns Hash(""), the context Derive-Secret uses for an empty
// message list. The result may be shared and must not be modified.
func emptyHash(h crypto.Hash) []byte {
	switch h {
	case crypto.SHA256:
		return emptySHA256[:len(emptySHA256):len(emptySHA256)]
	case crypto.SHA384:
		return emptySHA384[:len(emptySHA384):len(emptySHA384)]
	}
	return h.New().Sum(nil)
}

// deriveSecret is Derive-Secret(secret, label, messages) of RFC 8446,
// Section 7.1, taking the transcript hash of the messages rather than the
// messages themselves.
func deriveSecret(h crypto.Hash, secret []byte, label string, transcriptHash []byte) []byte {
	return ExpandLabel(h, secret, label, transcriptHash, h.Size())
}

// reservedExportLabels are the PRF labels TLS itself uses; an exporter must
// not use them (RFC 5705, Section 4).
var reservedExportLabels = []string{
	"client finished", "server finished", "master secret",
	"key expansion", "extended master secret",
}

// ValidateExport reports whether an exporter request can be served with the
// hash h: the label must not be one TLS reserves (RFC 5705, Section 4), must
// fit an HkdfLabel (RFC 8446, Section 7.1), the context must fit a 16-bit
// length and length must be within what HKDF-Expand-Label can produce. The
// public API calls it before ExporterMasterSecret.Export or Export12, which
// panic on such arguments.
func ValidateExport(h crypto.Hash, label string, context []byte, length int) error {
	for _, r := range reservedExportLabels {
		if label == r {
			return errors.New("keysched: exporter label " + label + " is reserved")
		}
	}
	switch {
	case len(label) > MaxLabelLen:
		return errors.New("keysched: exporter label too long")
	case len(context) > 0xffff:
		return errors.New("keysched: exporter context too long")
	case length < 0 || length > 0xffff || length > 255*h.Size():
		return errors.New("keysched: exporter length out of range")
	}
	return nil
}
