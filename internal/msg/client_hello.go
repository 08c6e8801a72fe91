package msg

import (
	"errors"
	"slices"

	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// randomLen is the length of ClientHello.random and ServerHello.random.
const randomLen = 32

// maxSessionIDLen bounds legacy_session_id (RFC 8446, Section 4.1.2).
const maxSessionIDLen = 32

// KeyShare is a KeyShareEntry: a group and its key exchange value
// (RFC 8446, Section 4.2.8).
type KeyShare struct {
	// Group is the named group of the share.
	Group wire.Group
	// Data is the key_exchange value, at least one byte.
	Data []byte
}

// PSKIdentity is one identity offered in the pre_shared_key extension
// (RFC 8446, Section 4.2.11).
type PSKIdentity struct {
	// Identity is the ticket or external PSK label, at least one byte.
	Identity []byte
	// ObfuscatedTicketAge is the ticket age plus ticket_age_add, mod 2^32.
	ObfuscatedTicketAge uint32
}

// ClientHello is the first message of a handshake (RFC 8446, Section 4.1.2;
// RFC 5246, Section 7.4.1.2). Extension fields are set when the extension
// was received, and Marshal writes an extension only when its field is set.
type ClientHello struct {
	// Raw is the complete message as received or last marshaled.
	Raw []byte
	// Version is legacy_version.
	Version wire.Version
	// Random is the 32-byte client random.
	Random []byte
	// SessionID is legacy_session_id, at most 32 bytes.
	SessionID []byte
	// CipherSuites is the offered cipher suite list, in client order.
	CipherSuites []wire.CipherSuite
	// CompressionMethods is legacy_compression_methods.
	CompressionMethods []uint8
	// ServerName is the host_name from server_name, or "".
	ServerName string
	// SupportedGroups is the supported_groups list.
	SupportedGroups []wire.Group
	// ECPointFormats is the ec_point_formats list.
	ECPointFormats []uint8
	// SignatureAlgorithms is the signature_algorithms list.
	SignatureAlgorithms []wire.SignatureScheme
	// SignatureAlgorithmsCert is the signature_algorithms_cert list.
	SignatureAlgorithmsCert []wire.SignatureScheme
	// SupportedVersions is the supported_versions list.
	SupportedVersions []wire.Version
	// KeyShares is client_shares; nil when key_share is absent and
	// non-nil (possibly empty) when it is present.
	KeyShares []KeyShare
	// Cookie is the cookie extension, echoed from a HelloRetryRequest.
	Cookie []byte
	// ALPNProtocols is the application_layer_protocol_negotiation list.
	ALPNProtocols []string
	// PSKModes is the psk_key_exchange_modes list.
	PSKModes []wire.PSKKeyExchangeMode
	// EarlyData reports the early_data extension.
	EarlyData bool
	// PSKIdentities lists the identities of pre_shared_key.
	PSKIdentities []PSKIdentity
	// PSKBinders lists the binders of pre_shared_key, one per identity.
	PSKBinders [][]byte
	// OCSPStapling reports a status_request extension of type ocsp.
	OCSPStapling bool
	// SCTs reports the signed_certificate_timestamp extension.
	SCTs bool
	// ExtendedMasterSecret reports the extended_master_secret extension.
	ExtendedMasterSecret bool
	// SecureRenegotiationSupported reports the renegotiation_info extension.
	SecureRenegotiationSupported bool
	// SecureRenegotiation is the renegotiated_connection field of
	// renegotiation_info.
	SecureRenegotiation []byte
	// TicketSupported reports the session_ticket extension (RFC 5077).
	TicketSupported bool
	// SessionTicket is the ticket carried in session_ticket, if any.
	SessionTicket []byte
	// PostHandshakeAuth reports the post_handshake_auth extension.
	PostHandshakeAuth bool
	// CertificateAuthorities lists the DER distinguished names of
	// certificate_authorities.
	CertificateAuthorities [][]byte
	// Extensions lists every extension type in received order, known or not.
	Extensions []wire.ExtensionType

	// tls13Err is the first error in an extension that only TLS 1.3 uses;
	// see TLS13ExtensionsError.
	tls13Err error
}

// TLS13ExtensionsError returns the first error found in the extensions of
// a received ClientHello that only TLS 1.3 uses (key_share,
// pre_shared_key, psk_key_exchange_modes, early_data, cookie,
// post_handshake_auth, certificate_authorities), such as a malformed body
// or a pre_shared_key that is not the last extension. Parse does not fail
// on them: a server that negotiates TLS 1.2 ignores those extensions
// (RFC 8446, Section 4.2), and the fields of one that failed are left
// empty. A server that negotiates TLS 1.3 must fail with this error.
func (m *ClientHello) TLS13ExtensionsError() error { return m.tls13Err }

// tls13Only wraps the parser of a ClientHello extension that only TLS 1.3
// uses: a failure, including bytes left in the body, is recorded for
// TLS13ExtensionsError, the fields it touched are restored and the body
// is skipped, so that the ClientHello still parses.
func tls13Only(typ wire.ExtensionType, parse extParser[*ClientHello]) extParser[*ClientHello] {
	return func(m *ClientHello, body *cryptobyte.String) error {
		saved := *m
		err := parse(m, body)
		switch {
		case err == errMalformed:
			err = wire.Fatalf(wire.AlertDecodeError, "malformed %s extension in client_hello", typ)
		case err == nil && !body.Empty():
			err = wire.Fatalf(wire.AlertDecodeError, "trailing bytes in %s extension in client_hello", typ)
		}
		if err != nil {
			*m = saved
			m.noteTLS13Error(err)
			body.Skip(len(*body))
		}
		return nil
	}
}

// noteTLS13Error keeps err when it is the first TLS 1.3 extension error.
func (m *ClientHello) noteTLS13Error(err error) {
	if m.tls13Err == nil {
		m.tls13Err = err
	}
}

// Type returns wire.HandshakeClientHello.
func (m *ClientHello) Type() wire.HandshakeType { return wire.HandshakeClientHello }

func (m *ClientHello) unmarshal(raw []byte) error {
	*m = ClientHello{Raw: raw}
	s := bodyOf(raw)
	var version uint16
	var suites cryptobyte.String
	if !s.ReadUint16(&version) || !s.ReadBytes(&m.Random, randomLen) ||
		!readUint8Bytes(&s, &m.SessionID, 0) ||
		!s.ReadUint16LengthPrefixed(&suites) || !readUint8Bytes(&s, &m.CompressionMethods, 1) {
		return decodeError("client_hello")
	}
	m.Version = wire.Version(version)
	m.Random = own(m.Random)
	if len(m.SessionID) > maxSessionIDLen { // RFC 8446, Section 4.1.2: legacy_session_id<0..32>.
		return decodeError("client_hello legacy_session_id")
	}
	var ok bool
	if m.CipherSuites, ok = readUint16s[wire.CipherSuite](suites); !ok { // RFC 8446, Section 4.1.2: cipher_suites<2..2^16-2>.
		return decodeError("client_hello cipher_suites")
	}
	if s.Empty() { // RFC 5246, Section 7.4.1.2: the extension block may be absent.
		return nil
	}
	var block cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&block) || !s.Empty() {
		return decodeError("client_hello extensions")
	}
	exts, err := readExtensions(block, inCH, m, chParser)
	m.Extensions = exts
	if i := slices.Index(exts, wire.ExtPreSharedKey); err == nil && i >= 0 && i != len(exts)-1 {
		// RFC 8446, Section 4.2.11: pre_shared_key MUST be the last extension; a TLS 1.3 server fails with illegal_parameter.
		m.PSKIdentities, m.PSKBinders = nil, nil
		m.noteTLS13Error(wire.Fatalf(wire.AlertIllegalParameter, "pre_shared_key is not the last extension in client_hello"))
	}
	return err
}

// Marshal returns the complete ClientHello. Extensions are written in a
// fixed order with pre_shared_key last; Raw and Extensions are set to
// what was written.
func (m *ClientHello) Marshal() ([]byte, error) {
	exts := collectExtensions(inCH, m, chWriter)
	out, err := marshalMessage(wire.HandshakeClientHello, func(b *cryptobyte.Builder) {
		if len(m.Random) != randomLen || len(m.SessionID) > maxSessionIDLen ||
			len(m.CipherSuites) == 0 || len(m.CompressionMethods) == 0 {
			b.SetError(errors.New("missing or oversized random, session id, cipher suites or compression methods"))
			return
		}
		b.AddUint16(uint16(m.Version))
		b.AddBytes(m.Random)
		addUint8Bytes(b, m.SessionID)
		addUint16List(b, m.CipherSuites)
		addUint8Bytes(b, m.CompressionMethods)
		addExtensions(b, exts)
	})
	if err != nil {
		return nil, err
	}
	m.Raw, m.Extensions = out, typesOf(exts)
	return out, nil
}

// BindersLen returns the length of the encoded PskBinderEntry list at the
// end of the message, its 2-byte length included, or 0 when the message
// offers no PSK.
func (m *ClientHello) BindersLen() int {
	if len(m.PSKBinders) == 0 {
		return 0
	}
	n := 2
	for _, b := range m.PSKBinders {
		n += 1 + len(b)
	}
	return n
}

// TruncatedForBinders returns Raw without the binders list: the partial
// ClientHello that PSK binders are computed over (RFC 8446,
// Section 4.2.11.2). The header keeps the full message length.
func (m *ClientHello) TruncatedForBinders() []byte {
	n := m.BindersLen()
	if n > len(m.Raw) {
		return nil
	}
	return m.Raw[:len(m.Raw)-n]
}

// SetBinders replaces the PSK binders, in Raw in place and in PSKBinders.
// The new binders must have the same count and lengths as the old ones,
// so that Raw keeps its length and the truncated hash stays valid.
func (m *ClientHello) SetBinders(binders [][]byte) error {
	if len(binders) != len(m.PSKBinders) {
		return wire.Fatalf(wire.AlertInternalError, "set binders: %d binders for %d identities", len(binders), len(m.PSKBinders))
	}
	for i, b := range binders {
		if len(b) != len(m.PSKBinders[i]) {
			return wire.Fatalf(wire.AlertInternalError, "set binders: binder %d has length %d, want %d", i, len(b), len(m.PSKBinders[i]))
		}
	}
	if !m.rawEndsWithBinders() {
		return wire.Fatalf(wire.AlertInternalError, "set binders: Raw does not end with the binders")
	}
	off := len(m.Raw) - m.BindersLen() + 2
	for i, b := range binders {
		off++ // the binder's 1-byte length is unchanged
		copy(m.Raw[off:], b)
		m.PSKBinders[i] = own(m.Raw[off : off+len(b)])
		off += len(b)
	}
	return nil
}

// rawEndsWithBinders reports whether Raw ends with a binders list whose
// shape matches PSKBinders.
func (m *ClientHello) rawEndsWithBinders() bool {
	n := m.BindersLen()
	if n == 0 || n > len(m.Raw)-HeaderLen {
		return false
	}
	s := cryptobyte.String(m.Raw[len(m.Raw)-n:])
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) || !s.Empty() {
		return false
	}
	for _, b := range m.PSKBinders {
		var got cryptobyte.String
		if !list.ReadUint8LengthPrefixed(&got) || len(got) != len(b) {
			return false
		}
	}
	return list.Empty()
}
