package msg

import (
	"errors"

	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// CurveTypeNamedCurve is ECCurveType named_curve, the only curve type
// gotls accepts in ServerECDHParams (RFC 8422, Section 5.4).
const CurveTypeNamedCurve = 3

// ServerKeyExchange carries the server's TLS 1.2 key exchange parameters
// (RFC 5246, Section 7.4.3). Its body depends on the key exchange; for
// ECDHE use ParseECDHEParams and MarshalECDHEParams.
type ServerKeyExchange struct {
	// Raw is the complete message as received or last marshaled.
	Raw []byte
	// Body is the whole message body, at least one byte.
	Body []byte
}

// Type returns wire.HandshakeServerKeyExchange.
func (m *ServerKeyExchange) Type() wire.HandshakeType { return wire.HandshakeServerKeyExchange }

func (m *ServerKeyExchange) unmarshal(raw []byte) error {
	*m = ServerKeyExchange{Raw: raw, Body: own(raw[HeaderLen:])}
	if len(m.Body) == 0 {
		return decodeError("server_key_exchange")
	}
	return nil
}

// Marshal returns the complete ServerKeyExchange and sets Raw.
func (m *ServerKeyExchange) Marshal() ([]byte, error) {
	out, err := marshalOpaque(wire.HandshakeServerKeyExchange, m.Body)
	if err != nil {
		return nil, err
	}
	m.Raw = out
	return out, nil
}

// ECDHEParams is the body of an ECDHE ServerKeyExchange: ServerECDHParams
// followed by the signature over the randoms and the params (RFC 8422,
// Section 5.4; RFC 5246, Section 7.4.3).
type ECDHEParams struct {
	// CurveType must be CurveTypeNamedCurve.
	CurveType uint8
	// Group is the named curve.
	Group wire.Group
	// Public is the server's ephemeral public key, 1 to 255 bytes.
	Public []byte
	// Scheme is the signature algorithm; present only in TLS 1.2.
	Scheme wire.SignatureScheme
	// Signature is the signature, at least one byte.
	Signature []byte
}

// ParseECDHEParams decodes an ECDHE ServerKeyExchange body. hasScheme
// says whether a SignatureAndHashAlgorithm precedes the signature, as it
// does in TLS 1.2. The returned slices alias body.
func ParseECDHEParams(body []byte, hasScheme bool) (ECDHEParams, error) {
	var p ECDHEParams
	s := cryptobyte.String(body)
	var group, scheme uint16
	if !s.ReadUint8(&p.CurveType) {
		return ECDHEParams{}, decodeError("server_key_exchange")
	}
	if p.CurveType != CurveTypeNamedCurve { // RFC 8422, Section 5.4: only named_curve remains.
		return ECDHEParams{}, wire.Fatalf(wire.AlertIllegalParameter, "server_key_exchange curve type %d", p.CurveType)
	}
	if !s.ReadUint16(&group) || !readUint8Bytes(&s, &p.Public, 1) ||
		(hasScheme && !s.ReadUint16(&scheme)) ||
		!readUint16Bytes(&s, &p.Signature, 1) || !s.Empty() {
		return ECDHEParams{}, decodeError("server_key_exchange")
	}
	p.Group, p.Scheme = wire.Group(group), wire.SignatureScheme(scheme)
	return p, nil
}

// SignedParams returns the encoded ServerECDHParams (curve type, group and
// public key): what is signed after the client and server randoms. It
// returns nil when Public is empty or longer than 255 bytes.
func (p ECDHEParams) SignedParams() []byte {
	var b cryptobyte.Builder
	addECDHParams(&b, p)
	out, err := b.Bytes()
	if err != nil {
		return nil
	}
	return out
}

// addECDHParams writes ServerECDHParams.
func addECDHParams(b *cryptobyte.Builder, p ECDHEParams) {
	if len(p.Public) == 0 {
		b.SetError(errors.New("empty ecdh public key"))
		return
	}
	b.AddUint8(p.CurveType)
	b.AddUint16(uint16(p.Group))
	addUint8Bytes(b, p.Public)
}

// MarshalECDHEParams encodes an ECDHE ServerKeyExchange body, with the
// signature algorithm when hasScheme is set.
func MarshalECDHEParams(p ECDHEParams, hasScheme bool) ([]byte, error) {
	var b cryptobyte.Builder
	if p.CurveType != CurveTypeNamedCurve || len(p.Signature) == 0 {
		b.SetError(errors.New("curve type must be named_curve and the signature non-empty"))
	}
	addECDHParams(&b, p)
	if hasScheme {
		b.AddUint16(uint16(p.Scheme))
	}
	addUint16Bytes(&b, p.Signature)
	out, err := b.Bytes()
	if err != nil {
		return nil, marshalError(wire.HandshakeServerKeyExchange, err)
	}
	return out, nil
}

// ClientKeyExchange carries the client's TLS 1.2 key exchange value
// (RFC 5246, Section 7.4.7). Its body depends on the key exchange: use
// ECDHEPublic or RSAEncryptedPreMasterSecret to decode it and
// NewECDHEClientKeyExchange or NewRSAClientKeyExchange to build it.
type ClientKeyExchange struct {
	// Raw is the complete message as received or last marshaled.
	Raw []byte
	// Body is the whole message body, at least one byte.
	Body []byte
}

// Type returns wire.HandshakeClientKeyExchange.
func (m *ClientKeyExchange) Type() wire.HandshakeType { return wire.HandshakeClientKeyExchange }

func (m *ClientKeyExchange) unmarshal(raw []byte) error {
	*m = ClientKeyExchange{Raw: raw, Body: own(raw[HeaderLen:])}
	if len(m.Body) == 0 {
		return decodeError("client_key_exchange")
	}
	return nil
}

// Marshal returns the complete ClientKeyExchange and sets Raw.
func (m *ClientKeyExchange) Marshal() ([]byte, error) {
	out, err := marshalOpaque(wire.HandshakeClientKeyExchange, m.Body)
	if err != nil {
		return nil, err
	}
	m.Raw = out
	return out, nil
}

// ECDHEPublic decodes Body as ClientECDiffieHellmanPublic, an
// opaque<1..2^8-1> point (RFC 8422, Section 5.7).
func (m *ClientKeyExchange) ECDHEPublic() ([]byte, error) {
	s := cryptobyte.String(m.Body)
	var pub []byte
	if !readUint8Bytes(&s, &pub, 1) || !s.Empty() {
		return nil, decodeError("ecdhe client_key_exchange")
	}
	return pub, nil
}

// RSAEncryptedPreMasterSecret decodes Body as EncryptedPreMasterSecret, an
// opaque<1..2^16-1> ciphertext (RFC 5246, Section 7.4.7.1).
func (m *ClientKeyExchange) RSAEncryptedPreMasterSecret() ([]byte, error) {
	s := cryptobyte.String(m.Body)
	var ct []byte
	if !readUint16Bytes(&s, &ct, 1) || !s.Empty() {
		return nil, decodeError("rsa client_key_exchange")
	}
	return ct, nil
}

// NewECDHEClientKeyExchange returns a ClientKeyExchange whose body carries
// the client's ephemeral public key.
func NewECDHEClientKeyExchange(public []byte) (*ClientKeyExchange, error) {
	return newClientKeyExchange(public, 1<<8-1, addUint8Bytes)
}

// NewRSAClientKeyExchange returns a ClientKeyExchange whose body carries
// the RSA-encrypted premaster secret.
func NewRSAClientKeyExchange(ciphertext []byte) (*ClientKeyExchange, error) {
	return newClientKeyExchange(ciphertext, 1<<16-1, addUint16Bytes)
}

// newClientKeyExchange encodes v, 1 to max bytes, with add.
func newClientKeyExchange(v []byte, max int, add func(*cryptobyte.Builder, []byte)) (*ClientKeyExchange, error) {
	if len(v) == 0 || len(v) > max {
		return nil, marshalError(wire.HandshakeClientKeyExchange, errors.New("key exchange value of invalid length"))
	}
	var b cryptobyte.Builder
	add(&b, v)
	body, err := b.Bytes()
	if err != nil {
		return nil, marshalError(wire.HandshakeClientKeyExchange, err)
	}
	return &ClientKeyExchange{Body: body}, nil
}

// marshalOpaque builds a message of type t whose body is the non-empty body.
func marshalOpaque(t wire.HandshakeType, body []byte) ([]byte, error) {
	return marshalMessage(t, func(b *cryptobyte.Builder) {
		if len(body) == 0 {
			b.SetError(errors.New("empty body"))
			return
		}
		b.AddBytes(body)
	})
}
