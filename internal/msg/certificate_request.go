package msg

import (
	"errors"
	"slices"

	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// CertificateRequest asks the peer for a certificate (RFC 8446,
// Section 4.3.2; RFC 5246, Section 7.4.4). TLS13 selects the form.
type CertificateRequest struct {
	// Raw is the complete message as received or last marshaled.
	Raw []byte
	// TLS13 selects the TLS 1.3 form; Parse sets it from its version.
	TLS13 bool
	// Context is certificate_request_context (TLS 1.3 only).
	Context []byte
	// SignatureAlgorithms is the accepted signature scheme list; required.
	SignatureAlgorithms []wire.SignatureScheme
	// SignatureAlgorithmsCert is signature_algorithms_cert (TLS 1.3 only).
	SignatureAlgorithmsCert []wire.SignatureScheme
	// CertificateAuthorities lists acceptable CA distinguished names (DER).
	CertificateAuthorities [][]byte
	// CertificateTypes is certificate_types (TLS 1.2 only, at least one).
	CertificateTypes []uint8
	// Extensions lists every extension type in received order, known or
	// not (TLS 1.3 only).
	Extensions []wire.ExtensionType
}

// Type returns wire.HandshakeCertificateRequest.
func (m *CertificateRequest) Type() wire.HandshakeType { return wire.HandshakeCertificateRequest }

func (m *CertificateRequest) unmarshal(raw []byte) error {
	*m = CertificateRequest{Raw: raw, TLS13: m.TLS13}
	if m.TLS13 {
		return m.unmarshal13(bodyOf(raw))
	}
	return m.unmarshal12(bodyOf(raw))
}

func (m *CertificateRequest) unmarshal13(s cryptobyte.String) error {
	var block cryptobyte.String
	if !readUint8Bytes(&s, &m.Context, 0) || !s.ReadUint16LengthPrefixed(&block) || !s.Empty() {
		return decodeError("certificate_request")
	}
	exts, err := readExtensions(block, inCR, m, crParser)
	if err != nil {
		return err
	}
	m.Extensions = exts
	if !slices.Contains(exts, wire.ExtSignatureAlgorithms) { // RFC 8446, Section 4.3.2
		return wire.Fatalf(wire.AlertMissingExtension, "certificate_request without signature_algorithms")
	}
	return nil
}

func (m *CertificateRequest) unmarshal12(s cryptobyte.String) error {
	var schemes, cas cryptobyte.String
	if !readUint8Bytes(&s, &m.CertificateTypes, 1) ||
		!s.ReadUint16LengthPrefixed(&schemes) ||
		!s.ReadUint16LengthPrefixed(&cas) || !s.Empty() {
		return decodeError("certificate_request")
	}
	var ok bool
	if m.SignatureAlgorithms, ok = readUint16s[wire.SignatureScheme](schemes); !ok { // RFC 5246, Section 7.4.4: <2..2^16-2>.
		return decodeError("certificate_request supported_signature_algorithms")
	}
	if m.CertificateAuthorities, ok = readDistinguishedNames(cas); !ok {
		return decodeError("certificate_request certificate_authorities")
	}
	return nil
}

// Marshal returns the complete CertificateRequest in the form TLS13
// selects and sets Raw (and Extensions, in TLS 1.3) to what was written.
func (m *CertificateRequest) Marshal() ([]byte, error) {
	var exts []pendingExt
	if m.TLS13 {
		exts = collectExtensions(inCR, m, crWriter)
	}
	out, err := marshalMessage(wire.HandshakeCertificateRequest, func(b *cryptobyte.Builder) {
		if m.TLS13 {
			addUint8Bytes(b, m.Context)
			addExtensions(b, exts)
			return
		}
		if len(m.CertificateTypes) == 0 || len(m.SignatureAlgorithms) == 0 {
			b.SetError(errors.New("missing certificate types or signature algorithms"))
			return
		}
		addUint8Bytes(b, m.CertificateTypes)
		addUint16List(b, m.SignatureAlgorithms)
		addDistinguishedNames(b, m.CertificateAuthorities)
	})
	if err != nil {
		return nil, err
	}
	m.Raw, m.Extensions = out, typesOf(exts)
	return out, nil
}

// CertificateVerify proves possession of the certificate's private key
// (RFC 8446, Section 4.4.3; RFC 5246, Section 7.4.8).
type CertificateVerify struct {
	// Raw is the complete message as received or last marshaled.
	Raw []byte
	// Scheme is the signature algorithm used.
	Scheme wire.SignatureScheme
	// Signature is the signature, at least one byte.
	Signature []byte
}

// Type returns wire.HandshakeCertificateVerify.
func (m *CertificateVerify) Type() wire.HandshakeType { return wire.HandshakeCertificateVerify }

func (m *CertificateVerify) unmarshal(raw []byte) error {
	*m = CertificateVerify{Raw: raw}
	s := bodyOf(raw)
	var scheme uint16
	if !s.ReadUint16(&scheme) || !readUint16Bytes(&s, &m.Signature, 1) || !s.Empty() {
		return decodeError("certificate_verify")
	}
	m.Scheme = wire.SignatureScheme(scheme)
	return nil
}

// Marshal returns the complete CertificateVerify and sets Raw.
func (m *CertificateVerify) Marshal() ([]byte, error) {
	out, err := marshalMessage(wire.HandshakeCertificateVerify, func(b *cryptobyte.Builder) {
		if len(m.Signature) == 0 {
			b.SetError(errors.New("empty signature"))
			return
		}
		b.AddUint16(uint16(m.Scheme))
		addUint16Bytes(b, m.Signature)
	})
	if err != nil {
		return nil, err
	}
	m.Raw = out
	return out, nil
}
