package kex

import (
	"crypto/ecdh"
	"crypto/mlkem"
	"io"

	"gotls/internal/wire"
)

// Sizes of the X25519MLKEM768 key_share data and shared secret, as defined
// by draft-ietf-tls-ecdhe-mlkem. Unlike the other hybrids, the ML-KEM part
// comes first in every field of this group.
const (
	x25519Size       = 32
	hybridClientSize = mlkem.EncapsulationKeySize768 + x25519Size // 1216
	hybridServerSize = mlkem.CiphertextSize768 + x25519Size       // 1120
	hybridSecretSize = mlkem.SharedKeySize + x25519Size           // 64
)

// hybridShare is a client key share for X25519MLKEM768.
type hybridShare struct {
	dk *mlkem.DecapsulationKey768
	x  *ecdh.PrivateKey
}

// generateHybrid creates an X25519MLKEM768 client share: an ML-KEM-768
// decapsulation key from a 64-byte seed and an X25519 key, both from rand.
func generateHybrid(rand io.Reader) (*hybridShare, error) {
	seed := make([]byte, mlkem.SeedSize)
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "reading randomness for a key share", err)
	}
	dk, err := mlkem.NewDecapsulationKey768(seed)
	if err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "creating an ml-kem-768 key", err)
	}
	x, err := newPrivateKey(wire.GroupX25519, rand)
	if err != nil {
		return nil, err
	}
	return &hybridShare{dk: dk, x: x}, nil
}

// Group returns GroupX25519MLKEM768.
func (s *hybridShare) Group() wire.Group { return wire.GroupX25519MLKEM768 }

// Public returns the ML-KEM-768 encapsulation key followed by the X25519
// public key.
func (s *hybridShare) Public() []byte {
	out := make([]byte, 0, hybridClientSize)
	out = append(out, s.dk.EncapsulationKey().Bytes()...)
	return append(out, s.x.PublicKey().Bytes()...)
}

// Complete decapsulates the server's ML-KEM ciphertext, runs X25519 with the
// server's public key, and returns the ML-KEM secret followed by the X25519
// secret.
func (s *hybridShare) Complete(peer []byte) ([]byte, error) {
	if len(peer) != hybridServerSize {
		return nil, wire.Fatalf(wire.AlertIllegalParameter, "X25519MLKEM768 server share has length %d, want %d", len(peer), hybridServerSize)
	}
	ct, xPeer := peer[:mlkem.CiphertextSize768], peer[mlkem.CiphertextSize768:]
	kemSecret, err := s.dk.Decapsulate(ct)
	if err != nil {
		return nil, wire.Fatal(wire.AlertIllegalParameter, "invalid ml-kem-768 ciphertext", err)
	}
	xSecret, err := agree(wire.GroupX25519, s.x, xPeer)
	if err != nil {
		return nil, err
	}
	return append(kemSecret, xSecret...), nil
}

// respondHybrid encapsulates to the client's ML-KEM-768 key and runs X25519
// with a fresh key drawn from rand. The encapsulation randomness comes from
// the system source: crypto/mlkem takes no reader.
func respondHybrid(rand io.Reader, clientShare []byte) (serverShare, secret []byte, err error) {
	if len(clientShare) != hybridClientSize {
		return nil, nil, wire.Fatalf(wire.AlertIllegalParameter, "X25519MLKEM768 client share has length %d, want %d", len(clientShare), hybridClientSize)
	}
	ekBytes, xPeer := clientShare[:mlkem.EncapsulationKeySize768], clientShare[mlkem.EncapsulationKeySize768:]
	// FIPS 203, Section 7.2: the encapsulation key must pass the modulus
	// check; NewEncapsulationKey768 performs it.
	ek, err := mlkem.NewEncapsulationKey768(ekBytes)
	if err != nil {
		return nil, nil, wire.Fatal(wire.AlertIllegalParameter, "invalid ml-kem-768 encapsulation key", err)
	}
	xPub, err := parsePeer(wire.GroupX25519, xPeer)
	if err != nil {
		return nil, nil, err
	}
	x, err := newPrivateKey(wire.GroupX25519, rand)
	if err != nil {
		return nil, nil, err
	}
	xSecret, err := agreeWith(wire.GroupX25519, x, xPub)
	if err != nil {
		return nil, nil, err
	}
	kemSecret, ct := ek.Encapsulate()
	serverShare = make([]byte, 0, hybridServerSize)
	serverShare = append(append(serverShare, ct...), x.PublicKey().Bytes()...)
	secret = make([]byte, 0, hybridSecretSize)
	secret = append(append(secret, kemSecret...), xSecret...)
	return serverShare, secret, nil
}
