package msg

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// Finished carries the verify_data that authenticates the handshake
// (RFC 8446, Section 4.4.4; RFC 5246, Section 7.4.9). Its expected length
// depends on the cipher suite, which the handshake checks.
type Finished struct {
	// Raw is the complete message as received or last marshaled.
	Raw []byte
	// VerifyData is the whole body, at least one byte.
	VerifyData []byte
}

// Type returns wire.HandshakeFinished.
func (m *Finished) Type() wire.HandshakeType { return wire.HandshakeFinished }

func (m *Finished) unmarshal(raw []byte) error {
	*m = Finished{Raw: raw, VerifyData: own(raw[HeaderLen:])}
	if len(m.VerifyData) == 0 {
		return decodeError("finished")
	}
	return nil
}

// Marshal returns the complete Finished and sets Raw.
func (m *Finished) Marshal() ([]byte, error) {
	out, err := marshalMessage(wire.HandshakeFinished, func(b *cryptobyte.Builder) {
		if len(m.VerifyData) == 0 {
			b.SetError(errors.New("empty verify_data"))
			return
		}
		b.AddBytes(m.VerifyData)
	})
	if err != nil {
		return nil, err
	}
	m.Raw = out
	return out, nil
}

// KeyUpdate tells the peer that the sender is updating its traffic keys
// (RFC 8446, Section 4.6.3).
type KeyUpdate struct {
	// Raw is the complete message as received or last marshaled.
	Raw []byte
	// Request says whether the peer must update its own keys in turn.
	Request wire.KeyUpdateRequest
}

// Type returns wire.HandshakeKeyUpdate.
func (m *KeyUpdate) Type() wire.HandshakeType { return wire.HandshakeKeyUpdate }

func (m *KeyUpdate) unmarshal(raw []byte) error {
	*m = KeyUpdate{Raw: raw}
	s := bodyOf(raw)
	var v uint8
	if !s.ReadUint8(&v) || !s.Empty() {
		return decodeError("key_update")
	}
	m.Request = wire.KeyUpdateRequest(v)
	if m.Request != wire.KeyUpdateNotRequested && m.Request != wire.KeyUpdateRequested { // RFC 8446, Section 4.6.3
		return wire.Fatalf(wire.AlertIllegalParameter, "key_update request_update value %d", v)
	}
	return nil
}

// Marshal returns the complete KeyUpdate and sets Raw.
func (m *KeyUpdate) Marshal() ([]byte, error) {
	out, err := marshalMessage(wire.HandshakeKeyUpdate, func(b *cryptobyte.Builder) {
		if m.Request > wire.KeyUpdateRequested {
			b.SetError(fmt.Errorf("invalid request_update value %d", m.Request))
			return
		}
		b.AddUint8(uint8(m.Request))
	})
	if err != nil {
		return nil, err
	}
	m.Raw = out
	return out, nil
}

// EndOfEarlyData marks the end of the client's 0-RTT data (RFC 8446,
// Section 4.5). Its body is empty.
type EndOfEarlyData struct {
	// Raw is the complete message as received or last marshaled.
	Raw []byte
}

// Type returns wire.HandshakeEndOfEarlyData.
func (m *EndOfEarlyData) Type() wire.HandshakeType { return wire.HandshakeEndOfEarlyData }

func (m *EndOfEarlyData) unmarshal(raw []byte) error {
	m.Raw = raw
	return checkEmpty(raw)
}

// Marshal returns the complete EndOfEarlyData and sets Raw.
func (m *EndOfEarlyData) Marshal() ([]byte, error) {
	m.Raw = emptyMessage(m.Type())
	return m.Raw, nil
}

// ServerHelloDone ends the server's first TLS 1.2 flight (RFC 5246,
// Section 7.4.5). Its body is empty.
type ServerHelloDone struct {
	// Raw is the complete message as received or last marshaled.
	Raw []byte
}

// Type returns wire.HandshakeServerHelloDone.
func (m *ServerHelloDone) Type() wire.HandshakeType { return wire.HandshakeServerHelloDone }

func (m *ServerHelloDone) unmarshal(raw []byte) error {
	m.Raw = raw
	return checkEmpty(raw)
}

// Marshal returns the complete ServerHelloDone and sets Raw.
func (m *ServerHelloDone) Marshal() ([]byte, error) {
	m.Raw = emptyMessage(m.Type())
	return m.Raw, nil
}

// HelloRequest is a TLS 1.2 server's request to renegotiate (RFC 5246,
// Section 7.4.1.1). Its body is empty.
type HelloRequest struct {
	// Raw is the complete message as received or last marshaled.
	Raw []byte
}

// Type returns wire.HandshakeHelloRequest.
func (m *HelloRequest) Type() wire.HandshakeType { return wire.HandshakeHelloRequest }

func (m *HelloRequest) unmarshal(raw []byte) error {
	m.Raw = raw
	return checkEmpty(raw)
}

// Marshal returns the complete HelloRequest and sets Raw.
func (m *HelloRequest) Marshal() ([]byte, error) {
	m.Raw = emptyMessage(m.Type())
	return m.Raw, nil
}

// checkEmpty reports a decode_error when the message has a body.
func checkEmpty(raw []byte) error {
	if len(raw) != HeaderLen {
		return decodeError(wire.HandshakeType(raw[0]).String() + ": body must be empty")
	}
	return nil
}

// emptyMessage returns a message of type t with an empty body.
func emptyMessage(t wire.HandshakeType) []byte {
	return []byte{uint8(t), 0, 0, 0}
}
