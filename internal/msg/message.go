package msg

import (
	"bytes"
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// HeaderLen is the length of a handshake message header: a 1-byte type
// and a 3-byte body length (RFC 8446, Section 4).
const HeaderLen = 4

// Message is implemented by every handshake message type.
type Message interface {
	// Type returns the handshake message type.
	Type() wire.HandshakeType
	// Marshal returns the complete message, header included. It sets Raw
	// (and Extensions, for messages that carry them) to what it wrote.
	Marshal() ([]byte, error)
}

// parser is implemented by every message type: unmarshal parses raw, a
// complete message whose header has been checked, and keeps raw as Raw.
type parser interface {
	Message
	unmarshal(raw []byte) error
}

// MaxBodyLen returns the largest body, in bytes, that gotls accepts for a
// handshake message of type t, or -1 when gotls does not parse messages of
// that type. The caps follow from the vector bounds of each message,
// rounded to sane limits, so that a peer cannot make us buffer without
// bound.
func MaxBodyLen(t wire.HandshakeType) int {
	switch t {
	case wire.HandshakeHelloRequest, wire.HandshakeEndOfEarlyData, wire.HandshakeServerHelloDone:
		return 0
	case wire.HandshakeKeyUpdate:
		return 1
	case wire.HandshakeFinished:
		return 64
	case wire.HandshakeClientHello, wire.HandshakeServerHello:
		return 1<<16 - 1
	case wire.HandshakeEncryptedExtensions, wire.HandshakeClientKeyExchange:
		return 2 + 1<<16 - 1
	case wire.HandshakeCertificateVerify:
		return 4 + 1<<16 - 1
	case wire.HandshakeNewSessionTicket, wire.HandshakeCertificateRequest,
		wire.HandshakeServerKeyExchange, wire.HandshakeCertificateStatus:
		return 1 << 17
	case wire.HandshakeCertificate:
		return 1 << 18
	}
	return -1
}

// ParseHeader reads the 4-byte handshake header at the start of b and
// returns the message type and body length. When b holds fewer than
// HeaderLen bytes it returns ok == false and no error: more input is
// needed. A type gotls does not parse is an unexpected_message error, and
// a body longer than MaxBodyLen(t) is a decode_error, both reported before
// the body is buffered.
func ParseHeader(b []byte) (t wire.HandshakeType, bodyLen int, ok bool, err error) {
	if len(b) < HeaderLen {
		return 0, 0, false, nil
	}
	t = wire.HandshakeType(b[0])
	bodyLen = int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	limit := MaxBodyLen(t)
	if limit < 0 {
		return t, bodyLen, true, wire.Fatalf(wire.AlertUnexpectedMessage, "unexpected handshake message type %d", b[0])
	}
	if bodyLen > limit {
		return t, bodyLen, true, wire.Fatalf(wire.AlertDecodeError,
			"%s body of %d bytes exceeds the limit of %d", t, bodyLen, limit)
	}
	return t, bodyLen, true, nil
}

// Parse parses one complete handshake message, header included. version
// selects the TLS 1.3 form (wire.VersionTLS13) or the TLS 1.2 form (any
// other value) of Certificate, CertificateRequest and NewSessionTicket;
// pass 0 before a version is negotiated. Unknown message types get
// unexpected_message. The returned message's Raw is a copy of b.
func Parse(b []byte, version wire.Version) (Message, error) {
	t, n, ok, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	if !ok || len(b) != HeaderLen+n {
		return nil, wire.Fatalf(wire.AlertDecodeError, "handshake message length does not match its header")
	}
	m := newMessage(t, version == wire.VersionTLS13)
	if m == nil {
		return nil, wire.Fatalf(wire.AlertUnexpectedMessage, "unexpected handshake message type %d", uint8(t))
	}
	if err := m.unmarshal(bytes.Clone(b)); err != nil {
		return nil, err
	}
	return m, nil
}

// newMessage returns an empty message of type t, or nil for a type gotls
// does not parse.
func newMessage(t wire.HandshakeType, tls13 bool) parser {
	switch t {
	case wire.HandshakeHelloRequest:
		return new(HelloRequest)
	case wire.HandshakeClientHello:
		return new(ClientHello)
	case wire.HandshakeServerHello:
		return new(ServerHello)
	case wire.HandshakeNewSessionTicket:
		return &NewSessionTicket{TLS13: tls13}
	case wire.HandshakeEndOfEarlyData:
		return new(EndOfEarlyData)
	case wire.HandshakeEncryptedExtensions:
		return new(EncryptedExtensions)
	case wire.HandshakeCertificate:
		return &Certificate{TLS13: tls13}
	case wire.HandshakeServerKeyExchange:
		return new(ServerKeyExchange)
	case wire.HandshakeCertificateRequest:
		return &CertificateRequest{TLS13: tls13}
	case wire.HandshakeServerHelloDone:
		return new(ServerHelloDone)
	case wire.HandshakeCertificateVerify:
		return new(CertificateVerify)
	case wire.HandshakeClientKeyExchange:
		return new(ClientKeyExchange)
	case wire.HandshakeFinished:
		return new(Finished)
	case wire.HandshakeCertificateStatus:
		return new(CertificateStatus)
	case wire.HandshakeKeyUpdate:
		return new(KeyUpdate)
	}
	return nil
}

// bodyOf returns the body of a complete message whose header Parse has
// already checked.
func bodyOf(raw []byte) cryptobyte.String {
	return cryptobyte.String(raw[HeaderLen:])
}

// marshalMessage builds a complete message of type t whose body is written
// by body, and checks the result against MaxBodyLen so that everything
// Marshal produces can be parsed again.
func marshalMessage(t wire.HandshakeType, body cryptobyte.BuilderContinuation) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddUint8(uint8(t))
	b.AddUint24LengthPrefixed(body)
	out, err := b.Bytes()
	if err != nil {
		return nil, marshalError(t, err)
	}
	if n := len(out) - HeaderLen; n > MaxBodyLen(t) {
		return nil, marshalError(t, fmt.Errorf("body of %d bytes exceeds the limit of %d", n, MaxBodyLen(t)))
	}
	return out, nil
}
