package msg

import (
	"bytes"
	"errors"

	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// ClientHello extension bodies (RFC 8446, Section 4.2, RFC 6066, RFC 7301,
// RFC 7627, RFC 5077, RFC 5746, RFC 6962, RFC 8422).

func parseCHServerName(m *ClientHello, s *cryptobyte.String) error {
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) || list.Empty() {
		return errMalformed
	}
	for !list.Empty() {
		var nameType uint8
		var name cryptobyte.String
		if !list.ReadUint8(&nameType) || !list.ReadUint16LengthPrefixed(&name) {
			return errMalformed
		}
		if nameType != 0 { // Only host_name(0) is defined; others are skipped.
			continue
		}
		if m.ServerName != "" { // RFC 6066, Section 3: one name per name_type.
			return wire.Fatalf(wire.AlertDecodeError, "more than one host_name in server_name")
		}
		if len(name) == 0 || bytes.IndexByte(name, 0) >= 0 {
			return wire.Fatalf(wire.AlertDecodeError, "invalid host_name in server_name")
		}
		m.ServerName = string(name)
	}
	return nil
}

func writeCHServerName(m *ClientHello) cryptobyte.BuilderContinuation {
	if m.ServerName == "" {
		return nil
	}
	return func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint8(0) // host_name
			addUint16Bytes(b, []byte(m.ServerName))
		})
	}
}

// statusTypeOCSP is CertificateStatusType ocsp (RFC 6066, Section 8).
const statusTypeOCSP = 1

func parseCHStatusRequest(m *ClientHello, s *cryptobyte.String) error {
	var statusType uint8
	if !s.ReadUint8(&statusType) {
		return errMalformed
	}
	if statusType != statusTypeOCSP {
		*s = nil // Other status types are not interpreted.
		return nil
	}
	var responderIDs, requestExts cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&responderIDs) || !s.ReadUint16LengthPrefixed(&requestExts) {
		return errMalformed
	}
	m.OCSPStapling = true
	return nil
}

func writeCHStatusRequest(m *ClientHello) cryptobyte.BuilderContinuation {
	if !m.OCSPStapling {
		return nil
	}
	return func(b *cryptobyte.Builder) {
		b.AddUint8(statusTypeOCSP)
		b.AddUint16(0) // responder_id_list
		b.AddUint16(0) // request_extensions
	}
}

func parseCHSupportedGroups(m *ClientHello, s *cryptobyte.String) error {
	var ok bool
	if m.SupportedGroups, ok = readUint16List[wire.Group](s); !ok {
		return errMalformed
	}
	return nil
}

func writeCHSupportedGroups(m *ClientHello) cryptobyte.BuilderContinuation {
	if len(m.SupportedGroups) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addUint16List(b, m.SupportedGroups) }
}

func parseCHPointFormats(m *ClientHello, s *cryptobyte.String) error {
	if !readUint8Bytes(s, &m.ECPointFormats, 1) {
		return errMalformed
	}
	return nil
}

func writeCHPointFormats(m *ClientHello) cryptobyte.BuilderContinuation {
	if len(m.ECPointFormats) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addUint8Bytes(b, m.ECPointFormats) }
}

func parseCHSignatureAlgorithms(m *ClientHello, s *cryptobyte.String) error {
	var ok bool
	if m.SignatureAlgorithms, ok = readUint16List[wire.SignatureScheme](s); !ok {
		return errMalformed
	}
	return nil
}

func writeCHSignatureAlgorithms(m *ClientHello) cryptobyte.BuilderContinuation {
	if len(m.SignatureAlgorithms) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addUint16List(b, m.SignatureAlgorithms) }
}

func parseCHSignatureAlgorithmsCert(m *ClientHello, s *cryptobyte.String) error {
	var ok bool
	if m.SignatureAlgorithmsCert, ok = readUint16List[wire.SignatureScheme](s); !ok {
		return errMalformed
	}
	return nil
}

func writeCHSignatureAlgorithmsCert(m *ClientHello) cryptobyte.BuilderContinuation {
	if len(m.SignatureAlgorithmsCert) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addUint16List(b, m.SignatureAlgorithmsCert) }
}

// readALPN decodes a ProtocolNameList (RFC 7301, Section 3.1): a
// non-empty list of non-empty names that fills s.
func readALPN(s *cryptobyte.String) ([]string, error) {
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) || list.Empty() {
		return nil, errMalformed
	}
	var names []string
	for !list.Empty() {
		var name cryptobyte.String
		if !list.ReadUint8LengthPrefixed(&name) || name.Empty() {
			return nil, errMalformed
		}
		names = append(names, string(name))
	}
	return names, nil
}

// addALPN writes a ProtocolNameList.
func addALPN(b *cryptobyte.Builder, names []string) {
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, n := range names {
			if n == "" {
				b.SetError(errors.New("empty application protocol name"))
				return
			}
			addUint8Bytes(b, []byte(n))
		}
	})
}

func parseCHALPN(m *ClientHello, s *cryptobyte.String) (err error) {
	m.ALPNProtocols, err = readALPN(s)
	return err
}

func writeCHALPN(m *ClientHello) cryptobyte.BuilderContinuation {
	if len(m.ALPNProtocols) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addALPN(b, m.ALPNProtocols) }
}

func parseCHSCTs(m *ClientHello, _ *cryptobyte.String) error {
	m.SCTs = true
	return nil
}

func writeCHSCTs(m *ClientHello) cryptobyte.BuilderContinuation { return flag(m.SCTs) }

func parseCHExtendedMasterSecret(m *ClientHello, _ *cryptobyte.String) error {
	m.ExtendedMasterSecret = true
	return nil
}

func writeCHExtendedMasterSecret(m *ClientHello) cryptobyte.BuilderContinuation {
	return flag(m.ExtendedMasterSecret)
}

func parseCHSessionTicket(m *ClientHello, s *cryptobyte.String) error {
	m.TicketSupported = true
	m.SessionTicket = own(*s)
	*s = nil
	return nil
}

func writeCHSessionTicket(m *ClientHello) cryptobyte.BuilderContinuation {
	if !m.TicketSupported && len(m.SessionTicket) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { b.AddBytes(m.SessionTicket) }
}

func parseCHSupportedVersions(m *ClientHello, s *cryptobyte.String) error {
	var list cryptobyte.String
	var ok bool
	if !s.ReadUint8LengthPrefixed(&list) {
		return errMalformed
	}
	if m.SupportedVersions, ok = readUint16s[wire.Version](list); !ok {
		return errMalformed
	}
	return nil
}

func writeCHSupportedVersions(m *ClientHello) cryptobyte.BuilderContinuation {
	if len(m.SupportedVersions) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) {
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, v := range m.SupportedVersions {
				b.AddUint16(uint16(v))
			}
		})
	}
}

func parseCHCookie(m *ClientHello, s *cryptobyte.String) error {
	if !readUint16Bytes(s, &m.Cookie, 1) {
		return errMalformed
	}
	return nil
}

func writeCHCookie(m *ClientHello) cryptobyte.BuilderContinuation {
	if len(m.Cookie) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addUint16Bytes(b, m.Cookie) }
}

func parseCHPSKModes(m *ClientHello, s *cryptobyte.String) error {
	var modes []byte
	if !readUint8Bytes(s, &modes, 1) {
		return errMalformed
	}
	m.PSKModes = make([]wire.PSKKeyExchangeMode, len(modes))
	for i, v := range modes {
		m.PSKModes[i] = wire.PSKKeyExchangeMode(v)
	}
	return nil
}

func writeCHPSKModes(m *ClientHello) cryptobyte.BuilderContinuation {
	if len(m.PSKModes) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) {
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, v := range m.PSKModes {
				b.AddUint8(uint8(v))
			}
		})
	}
}

func parseCHEarlyData(m *ClientHello, _ *cryptobyte.String) error {
	m.EarlyData = true
	return nil
}

func writeCHEarlyData(m *ClientHello) cryptobyte.BuilderContinuation { return flag(m.EarlyData) }

func parseCHCertificateAuthorities(m *ClientHello, s *cryptobyte.String) error {
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

func writeCHCertificateAuthorities(m *ClientHello) cryptobyte.BuilderContinuation {
	if len(m.CertificateAuthorities) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addDistinguishedNames(b, m.CertificateAuthorities) }
}

func parseCHPostHandshakeAuth(m *ClientHello, _ *cryptobyte.String) error {
	m.PostHandshakeAuth = true
	return nil
}

func writeCHPostHandshakeAuth(m *ClientHello) cryptobyte.BuilderContinuation {
	return flag(m.PostHandshakeAuth)
}

// readKeyShare decodes one KeyShareEntry (RFC 8446, Section 4.2.8).
func readKeyShare(s *cryptobyte.String, ks *KeyShare) bool {
	var group uint16
	if !s.ReadUint16(&group) || !readUint16Bytes(s, &ks.Data, 1) {
		return false
	}
	ks.Group = wire.Group(group)
	return true
}

// addKeyShare writes one KeyShareEntry.
func addKeyShare(b *cryptobyte.Builder, ks KeyShare) {
	if len(ks.Data) == 0 {
		b.SetError(errors.New("empty key_exchange in key share"))
		return
	}
	b.AddUint16(uint16(ks.Group))
	addUint16Bytes(b, ks.Data)
}

func parseCHKeyShares(m *ClientHello, s *cryptobyte.String) error {
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) {
		return errMalformed
	}
	m.KeyShares = []KeyShare{} // An empty client_shares is legal and meaningful.
	for !list.Empty() {
		var ks KeyShare
		if !readKeyShare(&list, &ks) {
			return errMalformed
		}
		m.KeyShares = append(m.KeyShares, ks)
	}
	return nil
}

func writeCHKeyShares(m *ClientHello) cryptobyte.BuilderContinuation {
	if m.KeyShares == nil {
		return nil
	}
	return func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, ks := range m.KeyShares {
				addKeyShare(b, ks)
			}
		})
	}
}

func parseCHRenegotiationInfo(m *ClientHello, s *cryptobyte.String) error {
	if !readUint8Bytes(s, &m.SecureRenegotiation, 0) {
		return errMalformed
	}
	m.SecureRenegotiationSupported = true
	return nil
}

func writeCHRenegotiationInfo(m *ClientHello) cryptobyte.BuilderContinuation {
	if !m.SecureRenegotiationSupported && len(m.SecureRenegotiation) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) { addUint8Bytes(b, m.SecureRenegotiation) }
}

// minBinderLen is the smallest PskBinderEntry (RFC 8446, Section 4.2.11).
const minBinderLen = 32

func parseCHPreSharedKey(m *ClientHello, s *cryptobyte.String) error {
	var ids, binders cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&ids) || ids.Empty() ||
		!s.ReadUint16LengthPrefixed(&binders) || binders.Empty() {
		return errMalformed
	}
	for !ids.Empty() {
		var id PSKIdentity
		if !readUint16Bytes(&ids, &id.Identity, 1) || !ids.ReadUint32(&id.ObfuscatedTicketAge) {
			return errMalformed
		}
		m.PSKIdentities = append(m.PSKIdentities, id)
	}
	for !binders.Empty() {
		var binder []byte
		if !readUint8Bytes(&binders, &binder, minBinderLen) {
			return errMalformed
		}
		m.PSKBinders = append(m.PSKBinders, binder)
	}
	if len(m.PSKIdentities) != len(m.PSKBinders) { // RFC 8446, Section 4.2.11: one binder per identity.
		return wire.Fatalf(wire.AlertIllegalParameter, "pre_shared_key has %d identities but %d binders",
			len(m.PSKIdentities), len(m.PSKBinders))
	}
	return nil
}

func writeCHPreSharedKey(m *ClientHello) cryptobyte.BuilderContinuation {
	if len(m.PSKIdentities) == 0 {
		return nil
	}
	return func(b *cryptobyte.Builder) {
		if len(m.PSKBinders) != len(m.PSKIdentities) {
			b.SetError(errors.New("pre_shared_key needs one binder per identity"))
			return
		}
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, id := range m.PSKIdentities {
				if len(id.Identity) == 0 {
					b.SetError(errors.New("empty psk identity"))
					return
				}
				addUint16Bytes(b, id.Identity)
				b.AddUint32(id.ObfuscatedTicketAge)
			}
		})
		addBinders(b, m.PSKBinders)
	}
}

// addBinders writes the PskBinderEntry list.
func addBinders(b *cryptobyte.Builder, binders [][]byte) {
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, binder := range binders {
			if len(binder) < minBinderLen {
				b.SetError(errors.New("psk binder shorter than 32 bytes"))
				return
			}
			addUint8Bytes(b, binder)
		}
	})
}
