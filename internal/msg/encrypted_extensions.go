package msg

import (
	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// EncryptedExtensions carries the server's TLS 1.3 extensions that are not
// needed to establish keys (RFC 8446, Section 4.3.1).
type EncryptedExtensions struct {
	// Raw is the complete message as received or last marshaled.
	Raw []byte
	// ALPNProtocol is the selected application protocol, or "".
	ALPNProtocol string
	// ServerNameAck reports an empty server_name extension.
	ServerNameAck bool
	// EarlyData reports that the server accepted early data.
	EarlyData bool
	// SupportedGroups is the server's supported_groups list.
	SupportedGroups []wire.Group
	// Extensions lists every extension type in received order, known or not.
	Extensions []wire.ExtensionType
}

// Type returns wire.HandshakeEncryptedExtensions.
func (m *EncryptedExtensions) Type() wire.HandshakeType {
	return wire.HandshakeEncryptedExtensions
}

func (m *EncryptedExtensions) unmarshal(raw []byte) error {
	*m = EncryptedExtensions{Raw: raw}
	s := bodyOf(raw)
	var block cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&block) || !s.Empty() {
		return decodeError("encrypted_extensions")
	}
	exts, err := readExtensions(block, inEE, m, eeParser)
	m.Extensions = exts
	return err
}

// Marshal returns the complete EncryptedExtensions and sets Raw and
// Extensions to what was written.
func (m *EncryptedExtensions) Marshal() ([]byte, error) {
	exts := collectExtensions(inEE, m, eeWriter)
	out, err := marshalMessage(wire.HandshakeEncryptedExtensions, func(b *cryptobyte.Builder) {
		addExtensions(b, exts)
	})
	if err != nil {
		return nil, err
	}
	m.Raw, m.Extensions = out, typesOf(exts)
	return out, nil
}
