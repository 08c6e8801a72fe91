package msg

import (
	"errors"

	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// Extension bodies of ServerHello, HelloRetryRequest, EncryptedExtensions,
// CertificateEntry, CertificateRequest and NewSessionTicket.

// readOneALPN decodes a ProtocolNameList that names exactly one protocol,
// as a server sends it (RFC 7301, Section 3.1).
func readOneALPN(s *cryptobyte.String) (string, error) {
	names, err := readALPN(s)
	if err != nil {
		return "", err
	}
	if len(names) != 1 {
		return "", errMalformed
	}
	return names[0], nil
}

func parseSHServerNameAck(m *ServerHello, _ *cryptobyte.String) error {
	m.ServerNameAck = true
	return nil
}

func writeSHServerNameAck(m *ServerHello) cryptobyte.BuilderContinuation {
	return flag(m.ServerNameAck)
}

func parseSHStatusRequest(m *ServerHello, _ *cryptobyte.String) error {
	m.OCSPStapling = true
	return nil
}

func writeSHStatusRequest(m *ServerHello) cryptobyte.BuilderContinuation {
	return flag(m.OCSPStapling)
}

func parseSHPointFormats(m *ServerHello, s *cryptobyte.String) error {
	if !readUint8Bytes(s, &m.ECPointFormats, 1) {
		return errMalformed
	}
	return nil
}

func writeSHPointFormats(m *ServerHello) cryptobyte.BuilderContinuation {
	if len(m.ECPointFormats) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addUint8Bytes(b, m.ECPointFormats) }
}

func parseSHALPN(m *ServerHello, s *cryptobyte.String) (err error) {
	m.ALPNProtocol, err = readOneALPN(s)
	return err
}

func writeSHALPN(m *ServerHello) cryptobyte.BuilderContinuation {
	if m.ALPNProtocol == "" {
		return nil
	}
	return func(b *cryptobyte.Builder) { addALPN(b, []string{m.ALPNProtocol}) }
}

func parseSHSCTs(m *ServerHello, s *cryptobyte.String) error {
	var ok bool
	if m.SCTs, ok = readSCTList(s); !ok {
		return errMalformed
	}
	return nil
}

func writeSHSCTs(m *ServerHello) cryptobyte.BuilderContinuation {
	if len(m.SCTs) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addSCTList(b, m.SCTs) }
}

func parseSHExtendedMasterSecret(m *ServerHello, _ *cryptobyte.String) error {
	m.ExtendedMasterSecret = true
	return nil
}

func writeSHExtendedMasterSecret(m *ServerHello) cryptobyte.BuilderContinuation {
	return flag(m.ExtendedMasterSecret)
}

func parseSHSessionTicket(m *ServerHello, _ *cryptobyte.String) error {
	m.TicketSupported = true
	return nil
}

func writeSHSessionTicket(m *ServerHello) cryptobyte.BuilderContinuation {
	return flag(m.TicketSupported)
}

func parseSHSupportedVersion(m *ServerHello, s *cryptobyte.String) error {
	var v uint16
	if !s.ReadUint16(&v) {
		return errMalformed
	}
	m.SupportedVersion = wire.Version(v)
	return nil
}

func writeSHSupportedVersion(m *ServerHello) cryptobyte.BuilderContinuation {
	if m.SupportedVersion == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { b.AddUint16(uint16(m.SupportedVersion)) }
}

func parseSHCookie(m *ServerHello, s *cryptobyte.String) error {
	if !readUint16Bytes(s, &m.Cookie, 1) {
		return errMalformed
	}
	return nil
}

func writeSHCookie(m *ServerHello) cryptobyte.BuilderContinuation {
	if len(m.Cookie) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addUint16Bytes(b, m.Cookie) }
}

// parseSHKeyShare reads a KeyShareHelloRetryRequest (a bare group) in a
// HelloRetryRequest and a KeyShareServerHello (one entry) otherwise
// (RFC 8446, Section 4.2.8).
func parseSHKeyShare(m *ServerHello, s *cryptobyte.String) error {
	if m.IsHelloRetryRequest() {
		var group uint16
		if !s.ReadUint16(&group) {
			return errMalformed
		}
		m.SelectedGroup = wire.Group(group)
		return nil
	}
	if !readKeyShare(s, &m.ServerShare) {
		return errMalformed
	}
	return nil
}

func writeSHKeyShare(m *ServerHello) cryptobyte.BuilderContinuation {
	if m.IsHelloRetryRequest() {
		if m.SelectedGroup == 0 {
			return nil
		}
		return func(b *cryptobyte.Builder) { b.AddUint16(uint16(m.SelectedGroup)) }
	}
	if m.ServerShare.Group == 0 && len(m.ServerShare.Data) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addKeyShare(b, m.ServerShare) }
}

func parseSHRenegotiationInfo(m *ServerHello, s *cryptobyte.String) error {
	if !readUint8Bytes(s, &m.SecureRenegotiation, 0) {
		return errMalformed
	}
	m.SecureRenegotiationSupported = true
	return nil
}

func writeSHRenegotiationInfo(m *ServerHello) cryptobyte.BuilderContinuation {
	if !m.SecureRenegotiationSupported && len(m.SecureRenegotiation) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addUint8Bytes(b, m.SecureRenegotiation) }
}

func parseSHPreSharedKey(m *ServerHello, s *cryptobyte.String) error {
	if !s.ReadUint16(&m.SelectedIdentity) {
		return errMalformed
	}
	m.SelectedIdentityPresent = true
	return nil
}

func writeSHPreSharedKey(m *ServerHello) cryptobyte.BuilderContinuation {
	if !m.SelectedIdentityPresent {
		return nil
	}
	return func(b *cryptobyte.Builder) { b.AddUint16(m.SelectedIdentity) }
}

func parseEEServerNameAck(m *EncryptedExtensions, _ *cryptobyte.String) error {
	m.ServerNameAck = true
	return nil
}

func writeEEServerNameAck(m *EncryptedExtensions) cryptobyte.BuilderContinuation {
	return flag(m.ServerNameAck)
}

func parseEESupportedGroups(m *EncryptedExtensions, s *cryptobyte.String) error {
	var ok bool
	if m.SupportedGroups, ok = readUint16List[wire.Group](s); !ok {
		return errMalformed
	}
	return nil
}

func writeEESupportedGroups(m *EncryptedExtensions) cryptobyte.BuilderContinuation {
	if len(m.SupportedGroups) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addUint16List(b, m.SupportedGroups) }
}

func parseEEALPN(m *EncryptedExtensions, s *cryptobyte.String) (err error) {
	m.ALPNProtocol, err = readOneALPN(s)
	return err
}

func writeEEALPN(m *EncryptedExtensions) cryptobyte.BuilderContinuation {
	if m.ALPNProtocol == "" {
		return nil
	}
	return func(b *cryptobyte.Builder) { addALPN(b, []string{m.ALPNProtocol}) }
}

func parseEEEarlyData(m *EncryptedExtensions, _ *cryptobyte.String) error {
	m.EarlyData = true
	return nil
}

func writeEEEarlyData(m *EncryptedExtensions) cryptobyte.BuilderContinuation {
	return flag(m.EarlyData)
}

// parseCTStatusRequest reads the CertificateStatus carried in a TLS 1.3
// CertificateEntry (RFC 8446, Section 4.4.2.1; RFC 6066, Section 8).
func parseCTStatusRequest(e *CertificateEntry, s *cryptobyte.String) error {
	var statusType uint8
	if !s.ReadUint8(&statusType) || statusType != statusTypeOCSP ||
		!readUint24Bytes(s, &e.OCSPStaple, 1) {
		return errMalformed
	}
	return nil
}

func writeCTStatusRequest(e *CertificateEntry) cryptobyte.BuilderContinuation {
	if len(e.OCSPStaple) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) {
		b.AddUint8(statusTypeOCSP)
		addUint24Bytes(b, e.OCSPStaple)
	}
}

func parseCTSCTs(e *CertificateEntry, s *cryptobyte.String) error {
	var ok bool
	if e.SCTs, ok = readSCTList(s); !ok {
		return errMalformed
	}
	return nil
}

func writeCTSCTs(e *CertificateEntry) cryptobyte.BuilderContinuation {
	if len(e.SCTs) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addSCTList(b, e.SCTs) }
}

func parseCRSignatureAlgorithms(m *CertificateRequest, s *cryptobyte.String) error {
	var ok bool
	if m.SignatureAlgorithms, ok = readUint16List[wire.SignatureScheme](s); !ok {
		return errMalformed
	}
	return nil
}

func writeCRSignatureAlgorithms(m *CertificateRequest) cryptobyte.BuilderContinuation {
	return func(b *cryptobyte.Builder) {
		if len(m.SignatureAlgorithms) == 0 { // RFC 8446, Section 4.3.2: always sent.
			b.SetError(errors.New("certificate_request without signature_algorithms"))
			return
		}
		addUint16List(b, m.SignatureAlgorithms)
	}
}

func parseCRSignatureAlgorithmsCert(m *CertificateRequest, s *cryptobyte.String) error {
	var ok bool
	if m.SignatureAlgorithmsCert, ok = readUint16List[wire.SignatureScheme](s); !ok {
		return errMalformed
	}
	return nil
}

func writeCRSignatureAlgorithmsCert(m *CertificateRequest) cryptobyte.BuilderContinuation {
	if len(m.SignatureAlgorithmsCert) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addUint16List(b, m.SignatureAlgorithmsCert) }
}

func parseCRCertificateAuthorities(m *CertificateRequest, s *cryptobyte.String) error {
	var list cryptobyte.String
	var ok bool
	if !s.ReadUint16LengthPrefixed(&list) || list.Empty() {
		return errMalformed
	}
	if m.CertificateAuthorities, ok = readDistinguishedNames(list); !ok {
		return errMalformed
	}
	return nil
}

func writeCRCertificateAuthorities(m *CertificateRequest) cryptobyte.BuilderContinuation {
	if len(m.CertificateAuthorities) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addDistinguishedNames(b, m.CertificateAuthorities) }
}

func parseNSTEarlyData(m *NewSessionTicket, s *cryptobyte.String) error {
	if !s.ReadUint32(&m.MaxEarlyData) {
		return errMalformed
	}
	return nil
}

func writeNSTEarlyData(m *NewSessionTicket) cryptobyte.BuilderContinuation {
	if m.MaxEarlyData == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { b.AddUint32(m.MaxEarlyData) }
}
