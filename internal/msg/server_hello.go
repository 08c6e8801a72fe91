package msg

import (
	"bytes"
	"errors"

	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// ServerHello is the server's answer to a ClientHello, or a
// HelloRetryRequest when Random is wire.HelloRetryRequestRandom
// (RFC 8446, Section 4.1.3 and 4.1.4; RFC 5246, Section 7.4.1.3).
type ServerHello struct {
	// Raw is the complete message as received or last marshaled.
	Raw []byte
	// Version is legacy_version.
	Version wire.Version
	// Random is the 32-byte server random.
	Random []byte
	// SessionID is legacy_session_id_echo, at most 32 bytes.
	SessionID []byte
	// CipherSuite is the selected cipher suite.
	CipherSuite wire.CipherSuite
	// CompressionMethod is legacy_compression_method.
	CompressionMethod uint8
	// SupportedVersion is the selected version from supported_versions,
	// or 0 when the extension is absent. Zero-valued fields cannot tell
	// "absent" from "received as 0"; Extensions can.
	SupportedVersion wire.Version
	// ServerShare is the server's KeyShareEntry; Group is 0 and Data nil
	// when absent.
	ServerShare KeyShare
	// SelectedGroup is the group a HelloRetryRequest asks for, or 0.
	SelectedGroup wire.Group
	// Cookie is the cookie a HelloRetryRequest carries.
	Cookie []byte
	// SelectedIdentityPresent reports the pre_shared_key extension.
	SelectedIdentityPresent bool
	// SelectedIdentity is the index of the PSK identity the server chose.
	SelectedIdentity uint16
	// ALPNProtocol is the protocol a TLS 1.2 server selected, or "".
	ALPNProtocol string
	// ServerNameAck reports an empty server_name extension (TLS 1.2).
	ServerNameAck bool
	// OCSPStapling reports an empty status_request extension (TLS 1.2).
	OCSPStapling bool
	// TicketSupported reports an empty session_ticket extension (TLS 1.2).
	TicketSupported bool
	// ExtendedMasterSecret reports the extended_master_secret extension.
	ExtendedMasterSecret bool
	// SecureRenegotiationSupported reports the renegotiation_info extension.
	SecureRenegotiationSupported bool
	// SecureRenegotiation is the renegotiated_connection field of
	// renegotiation_info.
	SecureRenegotiation []byte
	// SCTs lists the signed certificate timestamps a TLS 1.2 server sent.
	SCTs [][]byte
	// ECPointFormats is the ec_point_formats list (TLS 1.2).
	ECPointFormats []uint8
	// Extensions lists every extension type in received order, known or not.
	Extensions []wire.ExtensionType
}

// Type returns wire.HandshakeServerHello.
func (m *ServerHello) Type() wire.HandshakeType { return wire.HandshakeServerHello }

// IsHelloRetryRequest reports whether Random is the special value that
// marks a HelloRetryRequest (RFC 8446, Section 4.1.3).
func (m *ServerHello) IsHelloRetryRequest() bool {
	return bytes.Equal(m.Random, wire.HelloRetryRequestRandom[:])
}

// place returns the extension block kind of m.
func (m *ServerHello) place() place {
	if m.IsHelloRetryRequest() {
		return inHRR
	}
	return inSH
}

func (m *ServerHello) unmarshal(raw []byte) error {
	*m = ServerHello{Raw: raw}
	s := bodyOf(raw)
	var version, suite uint16
	if !s.ReadUint16(&version) || !s.ReadBytes(&m.Random, randomLen) ||
		!readUint8Bytes(&s, &m.SessionID, 0) || !s.ReadUint16(&suite) ||
		!s.ReadUint8(&m.CompressionMethod) {
		return decodeError("server_hello")
	}
	m.Version, m.CipherSuite = wire.Version(version), wire.CipherSuite(suite)
	m.Random = own(m.Random)
	if len(m.SessionID) > maxSessionIDLen { // RFC 8446, Section 4.1.3: legacy_session_id_echo<0..32>.
		return decodeError("server_hello legacy_session_id_echo")
	}
	if s.Empty() { // RFC 5246, Section 7.4.1.3: the extension block may be absent.
		return nil
	}
	var block cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&block) || !s.Empty() {
		return decodeError("server_hello extensions")
	}
	exts, err := readExtensions(block, m.place(), m, shParser)
	m.Extensions = exts
	return err
}

// Marshal returns the complete ServerHello or HelloRetryRequest. The
// extension block is omitted when no extension is set; Raw and
// Extensions are set to what was written.
func (m *ServerHello) Marshal() ([]byte, error) {
	exts := collectExtensions(m.place(), m, shWriter)
	out, err := marshalMessage(wire.HandshakeServerHello, func(b *cryptobyte.Builder) {
		if len(m.Random) != randomLen || len(m.SessionID) > maxSessionIDLen {
			b.SetError(errors.New("missing random or oversized session id"))
			return
		}
		b.AddUint16(uint16(m.Version))
		b.AddBytes(m.Random)
		addUint8Bytes(b, m.SessionID)
		b.AddUint16(uint16(m.CipherSuite))
		b.AddUint8(m.CompressionMethod)
		if len(exts) > 0 {
			addExtensions(b, exts)
		}
	})
	if err != nil {
		return nil, err
	}
	m.Raw, m.Extensions = out, typesOf(exts)
	return out, nil
}
