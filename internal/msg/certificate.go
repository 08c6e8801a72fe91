package msg

import (
	"errors"

	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// CertificateEntry is one certificate of a Certificate message with, in
// TLS 1.3, its extensions (RFC 8446, Section 4.4.2).
type CertificateEntry struct {
	// Data is the DER certificate, at least one byte.
	Data []byte
	// OCSPStaple is the OCSP response from a status_request extension
	// (TLS 1.3 only).
	OCSPStaple []byte
	// SCTs lists the signed certificate timestamps from a
	// signed_certificate_timestamp extension (TLS 1.3 only).
	SCTs [][]byte
	// Extensions lists every extension type in received order, known or not.
	Extensions []wire.ExtensionType
}

// Certificate carries a certificate chain, leaf first (RFC 8446,
// Section 4.4.2; RFC 5246, Section 7.4.2). TLS13 selects the form: the
// TLS 1.2 form has no request context and no per-entry extensions.
// An empty list is valid syntax.
type Certificate struct {
	// Raw is the complete message as received or last marshaled.
	Raw []byte
	// TLS13 selects the TLS 1.3 form; Parse sets it from its version.
	TLS13 bool
	// Context is certificate_request_context (TLS 1.3 only).
	Context []byte
	// Entries is the certificate list.
	Entries []CertificateEntry
}

// Type returns wire.HandshakeCertificate.
func (m *Certificate) Type() wire.HandshakeType { return wire.HandshakeCertificate }

func (m *Certificate) unmarshal(raw []byte) error {
	*m = Certificate{Raw: raw, TLS13: m.TLS13}
	s := bodyOf(raw)
	if m.TLS13 && !readUint8Bytes(&s, &m.Context, 0) {
		return decodeError("certificate request context")
	}
	var list cryptobyte.String
	if !s.ReadUint24LengthPrefixed(&list) || !s.Empty() {
		return decodeError("certificate")
	}
	if n := countEntries(list, m.TLS13); n > 0 {
		m.Entries = make([]CertificateEntry, 0, n)
	}
	for !list.Empty() {
		var data []byte
		if !readUint24Bytes(&list, &data, 1) { // ASN.1Cert / cert_data<1..2^24-1>
			return decodeError("certificate entry")
		}
		m.Entries = append(m.Entries, CertificateEntry{Data: data})
		if m.TLS13 {
			if err := m.Entries[len(m.Entries)-1].readExtensions(&list); err != nil {
				return err
			}
		}
	}
	return nil
}

// countEntries returns how many well-formed entries lead list, so that the
// entry slice is allocated once.
func countEntries(list cryptobyte.String, tls13 bool) int {
	n := 0
	for !list.Empty() {
		var v cryptobyte.String
		if !list.ReadUint24LengthPrefixed(&v) || tls13 && !list.ReadUint16LengthPrefixed(&v) {
			break
		}
		n++
	}
	return n
}

// readExtensions reads the extension block of a TLS 1.3 entry.
func (e *CertificateEntry) readExtensions(s *cryptobyte.String) error {
	var block cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&block) {
		return decodeError("certificate entry extensions")
	}
	if block.Empty() {
		return nil
	}
	exts, err := readExtensions(block, inCT, e, ctParser)
	e.Extensions = exts
	return err
}

// Marshal returns the complete Certificate in the form TLS13 selects. In
// the TLS 1.2 form Context and the entries' OCSPStaple and SCTs are not
// written. Raw and each entry's Extensions are set to what was written.
func (m *Certificate) Marshal() ([]byte, error) {
	exts := make([][]pendingExt, len(m.Entries))
	if m.TLS13 {
		for i := range m.Entries {
			exts[i] = collectExtensions(inCT, &m.Entries[i], ctWriter)
		}
	}
	out, err := marshalMessage(wire.HandshakeCertificate, func(b *cryptobyte.Builder) {
		if m.TLS13 {
			addUint8Bytes(b, m.Context)
		}
		b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
			for i, e := range m.Entries {
				if len(e.Data) == 0 {
					b.SetError(errors.New("empty certificate"))
					return
				}
				addUint24Bytes(b, e.Data)
				if m.TLS13 {
					addExtensions(b, exts[i])
				}
			}
		})
	})
	if err != nil {
		return nil, err
	}
	m.Raw = out
	for i := range m.Entries {
		m.Entries[i].Extensions = typesOf(exts[i])
	}
	return out, nil
}

// CertificateStatus is the TLS 1.2 message that staples an OCSP response
// (RFC 6066, Section 8). Only status_type ocsp is accepted.
type CertificateStatus struct {
	// Raw is the complete message as received or last marshaled.
	Raw []byte
	// Response is the DER OCSPResponse, at least one byte.
	Response []byte
}

// Type returns wire.HandshakeCertificateStatus.
func (m *CertificateStatus) Type() wire.HandshakeType { return wire.HandshakeCertificateStatus }

func (m *CertificateStatus) unmarshal(raw []byte) error {
	*m = CertificateStatus{Raw: raw}
	s := bodyOf(raw)
	var statusType uint8
	if !s.ReadUint8(&statusType) || statusType != statusTypeOCSP ||
		!readUint24Bytes(&s, &m.Response, 1) || !s.Empty() {
		return decodeError("certificate_status")
	}
	return nil
}

// Marshal returns the complete CertificateStatus and sets Raw.
func (m *CertificateStatus) Marshal() ([]byte, error) {
	out, err := marshalMessage(wire.HandshakeCertificateStatus, func(b *cryptobyte.Builder) {
		if len(m.Response) == 0 {
			b.SetError(errors.New("empty ocsp response"))
			return
		}
		b.AddUint8(statusTypeOCSP)
		addUint24Bytes(b, m.Response)
	})
	if err != nil {
		return nil, err
	}
	m.Raw = out
	return out, nil
}
