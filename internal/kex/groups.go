package kex

import (
	"crypto/rand"
	"io"

	"gotls/internal/wire"
)

// KeyShare is a client's (initiator's) private key share for one group.
type KeyShare interface {
	// Group returns the named group of the share.
	Group() wire.Group
	// Public returns the key_share data to send to the peer.
	Public() []byte
	// Complete computes the shared secret from the server's key_share data.
	// A malformed or invalid server share yields an illegal_parameter error.
	Complete(peer []byte) ([]byte, error)
}

// Supported reports whether gotls implements group g.
func Supported(g wire.Group) bool {
	switch g {
	case wire.GroupX25519MLKEM768, wire.GroupX25519,
		wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1:
		return true
	}
	return false
}

// DefaultGroups returns the client's default group preference, most
// preferred first: X25519MLKEM768, X25519, P-256, P-384, P-521. The caller
// owns the returned slice. X25519MLKEM768 exists only in TLS 1.3; TLS 1.2
// ECDHE must skip it.
func DefaultGroups() []wire.Group {
	return []wire.Group{
		wire.GroupX25519MLKEM768,
		wire.GroupX25519,
		wire.GroupSecp256r1,
		wire.GroupSecp384r1,
		wire.GroupSecp521r1,
	}
}

// Generate creates a client key share for group g, drawing its private key
// from rand (nil means crypto/rand.Reader).
func Generate(g wire.Group, rand io.Reader) (KeyShare, error) {
	rand = orDefault(rand)
	if g == wire.GroupX25519MLKEM768 {
		return generateHybrid(rand)
	}
	if curveFor(g) == nil {
		return nil, wire.Fatalf(wire.AlertInternalError, "cannot generate a key share for unsupported group %v", g)
	}
	return generateECDHE(g, rand)
}

// Respond is the server (responder) side of the key exchange: given the
// client's key_share data for group g, it returns the server's key_share
// data and the shared secret. For KEM groups it encapsulates to the client's
// key. A malformed or invalid client share yields an illegal_parameter error.
func Respond(g wire.Group, rand io.Reader, clientShare []byte) (serverShare, secret []byte, err error) {
	rand = orDefault(rand)
	if g == wire.GroupX25519MLKEM768 {
		return respondHybrid(rand, clientShare)
	}
	if curveFor(g) == nil {
		return nil, nil, wire.Fatalf(wire.AlertInternalError, "cannot respond for unsupported group %v", g)
	}
	return respondECDHE(g, rand, clientShare)
}

// orDefault returns r, or crypto/rand.Reader when r is nil.
func orDefault(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}
