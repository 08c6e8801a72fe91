package kex

import (
	"crypto/ecdh"
	"io"

	"gotls/internal/wire"
)

// maxScalarTries bounds rejection sampling of NIST scalars. A uniformly
// random candidate is rejected with probability below 2^-32, so reaching
// the bound means the reader is broken (for example, it returns zeros).
const maxScalarTries = 16

// curveFor returns the crypto/ecdh curve of an ECDHE group, or nil.
func curveFor(g wire.Group) ecdh.Curve {
	switch g {
	case wire.GroupX25519:
		return ecdh.X25519()
	case wire.GroupSecp256r1:
		return ecdh.P256()
	case wire.GroupSecp384r1:
		return ecdh.P384()
	case wire.GroupSecp521r1:
		return ecdh.P521()
	}
	return nil
}

// scalarSize returns the length of a private scalar for an ECDHE group.
func scalarSize(g wire.Group) int {
	switch g {
	case wire.GroupSecp384r1:
		return 48
	case wire.GroupSecp521r1:
		return 66
	}
	return 32
}

// publicSize returns the length of a key_share entry for an ECDHE group:
// the 32-byte u-coordinate for X25519 (RFC 8446, Section 4.2.8.2), and the
// uncompressed point 0x04 || X || Y for the NIST curves.
func publicSize(g wire.Group) int {
	switch g {
	case wire.GroupX25519:
		return 32
	case wire.GroupSecp256r1:
		return 65
	case wire.GroupSecp384r1:
		return 97
	case wire.GroupSecp521r1:
		return 133
	}
	return 0
}

// newPrivateKey derives a private key for group g from bytes read from rand.
func newPrivateKey(g wire.Group, rand io.Reader) (*ecdh.PrivateKey, error) {
	curve := curveFor(g)
	buf := make([]byte, scalarSize(g))
	for range maxScalarTries {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, wire.Fatal(wire.AlertInternalError, "reading randomness for a key share", err)
		}
		if g == wire.GroupSecp521r1 {
			buf[0] &= 0x01 // The order of P-521 is a 521-bit number.
		}
		if k, err := curve.NewPrivateKey(buf); err == nil {
			return k, nil
		}
	}
	return nil, wire.Fatalf(wire.AlertInternalError, "random source gave no valid %v scalar", g)
}

// parsePeer validates the peer's key_share data for group g.
func parsePeer(g wire.Group, peer []byte) (*ecdh.PublicKey, error) {
	if len(peer) != publicSize(g) {
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "%v key share has length %d, want %d", g, len(peer), publicSize(g))
	}
	// RFC 8446, Section 4.2.8.2: peers MUST validate each other's public
	// key; NewPublicKey rejects points off the curve, the point at infinity
	// and compressed encodings.
	pub, err := curveFor(g).NewPublicKey(peer)
	if err != nil {
		return nil, wire.Fatal(wire.AlertIllegalParameter, "invalid "+g.String()+" key share", err)
	}
	return pub, nil
}

// agree computes the ECDH shared secret between priv and the peer's data.
func agree(g wire.Group, priv *ecdh.PrivateKey, peer []byte) ([]byte, error) {
	pub, err := parsePeer(g, peer)
	if err != nil {
		return nil, err
	}
	return agreeWith(g, priv, pub)
}

// agreeWith computes the ECDH shared secret between priv and a validated
// peer key.
func agreeWith(g wire.Group, priv *ecdh.PrivateKey, pub *ecdh.PublicKey) ([]byte, error) {
	// RFC 8446, Section 7.4.2: an all-zero X25519 result MUST abort the
	// handshake; crypto/ecdh reports it (and any other failure) as an error.
	secret, err := priv.ECDH(pub)
	if err != nil {
		return nil, wire.Fatal(wire.AlertIllegalParameter, "invalid "+g.String()+" key share", err)
	}
	return secret, nil
}

// ecdheShare is a client key share for an ECDHE group.
type ecdheShare struct {
	group wire.Group
	priv  *ecdh.PrivateKey
}

// generateECDHE creates a client key share for an ECDHE group.
func generateECDHE(g wire.Group, rand io.Reader) (*ecdheShare, error) {
	priv, err := newPrivateKey(g, rand)
	if err != nil {
		return nil, err
	}
	return &ecdheShare{group: g, priv: priv}, nil
}

// Group returns the share's named group.
func (s *ecdheShare) Group() wire.Group { return s.group }

// Public returns the share's public key in its key_share encoding.
func (s *ecdheShare) Public() []byte { return s.priv.PublicKey().Bytes() }

// Complete computes the shared secret from the server's key_share data.
func (s *ecdheShare) Complete(peer []byte) ([]byte, error) {
	return agree(s.group, s.priv, peer)
}

// respondECDHE is Respond for an ECDHE group.
func respondECDHE(g wire.Group, rand io.Reader, clientShare []byte) (serverShare, secret []byte, err error) {
	// Validate the client's share before spending randomness on our own.
	pub, err := parsePeer(g, clientShare)
	if err != nil {
		return nil, nil, err
	}
	priv, err := newPrivateKey(g, rand)
	if err != nil {
		return nil, nil, err
	}
	secret, err = agreeWith(g, priv, pub)
	if err != nil {
		return nil, nil, err
	}
	return priv.PublicKey().Bytes(), secret, nil
}
