package keysched

import "crypto"

// ExporterMasterSecret is exporter_master_secret or
// early_exporter_master_secret, the root of exported keying material
// (RFC 8446, Section 7.5).
type ExporterMasterSecret struct{ s secret }

// ResumptionMasterSecret is resumption_master_secret, from which the PSK of
// each NewSessionTicket is derived (RFC 8446, Section 4.6.1).
type ResumptionMasterSecret struct{ s secret }

// Bytes returns a copy of the secret, for key logging only.
func (s ExporterMasterSecret) Bytes() []byte { return s.s.bytes() }

// Hash returns the hash function of the key schedule.
func (s ExporterMasterSecret) Hash() crypto.Hash { return s.s.h }

// Export returns length bytes of keying material for label and context:
// HKDF-Expand-Label(Derive-Secret(secret, label, ""), "exporter",
// Hash(context), length) (RFC 8446, Section 7.5). A nil and an empty context
// give the same result. Export panics on arguments ValidateExport rejects
// for their size.
func (s ExporterMasterSecret) Export(label string, context []byte, length int) []byte {
	h := s.s.h
	derived := deriveSecret(h, s.s.b, label, emptyHash(h))
	ch := h.New()
	ch.Write(context)
	return ExpandLabel(h, derived, "exporter", ch.Sum(nil), length)
}

// Hash returns the hash function of the key schedule.
func (s ResumptionMasterSecret) Hash() crypto.Hash { return s.s.h }

// PSK returns the pre-shared key for the ticket with the given ticket_nonce:
// HKDF-Expand-Label(resumption_master_secret, "resumption", nonce,
// Hash.length) (RFC 8446, Section 4.6.1). The nonce is at most 255 bytes, as
// its wire encoding guarantees.
func (s ResumptionMasterSecret) PSK(nonce []byte) []byte {
	return ExpandLabel(s.s.h, s.s.b, "resumption", nonce, s.s.h.Size())
}
