package session

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// A sealed ticket is
//
//	key_name (16 bytes) || nonce (24 bytes) || XChaCha20-Poly1305 ciphertext and tag
//
// with key_name as additional data, after the layout RFC 5077, Section 4
// recommends. key_name is the key's rotation period (8 bytes, big endian)
// followed by an 8-byte fingerprint of the key, so a server can tell which
// period's key a peer used and fetch it. The 24-byte random nonce lets one
// key seal far more tickets than the 2^32 a 12-byte random nonce allows.
const (
	keyNameLen     = 16
	ticketOverhead = keyNameLen + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead
)

// Labels that separate the values derived from one ticket key secret.
const (
	labelTicketAEAD = "gotls ticket aead key"
	labelTicketName = "gotls ticket key name"
)

// ErrInvalidTicket is returned by TicketKeys.Open when no key in the
// window opens the ticket: it was sealed under a key that has rotated out
// or that this server never knew, or it was altered, or it is not a
// ticket. A server ignores such a ticket and does a full handshake.
var ErrInvalidTicket = errors.New("session: ticket does not open under any current key")

// ticketKey is one ticket key: its name and the AEAD derived from its
// secret. It is immutable once built.
type ticketKey struct {
	name   [keyNameLen]byte
	period int64
	aead   cipher.AEAD
}

// newTicketKey derives the AEAD and the name fingerprint of secret, and
// names the key after period.
func newTicketKey(secret []byte, period int64) (*ticketKey, error) {
	if len(secret) != 32 {
		return nil, fmt.Errorf("session: ticket key secret is %d bytes, want 32", len(secret))
	}
	aeadKey, err := hkdf.Expand(sha256.New, secret, labelTicketAEAD, chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	fingerprint, err := hkdf.Expand(sha256.New, secret, labelTicketName, keyNameLen-8)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(aeadKey)
	if err != nil {
		return nil, err
	}
	k := &ticketKey{period: period, aead: aead}
	binary.BigEndian.PutUint64(k.name[:8], uint64(period))
	copy(k.name[8:], fingerprint)
	return k, nil
}

// seal encrypts plaintext under k with a fresh nonce read from rand.
func (k *ticketKey) seal(rand io.Reader, plaintext []byte) ([]byte, error) {
	out := make([]byte, keyNameLen+chacha20poly1305.NonceSizeX, ticketOverhead+len(plaintext))
	copy(out, k.name[:])
	nonce := out[keyNameLen:]
	if _, err := io.ReadFull(rand, nonce); err != nil {
		return nil, fmt.Errorf("session: ticket nonce: %w", err)
	}
	return k.aead.Seal(out, nonce, plaintext, out[:keyNameLen]), nil
}

// open decrypts ticket, whose key_name must be k's.
func (k *ticketKey) open(ticket []byte) ([]byte, error) {
	name := ticket[:keyNameLen]
	nonce := ticket[keyNameLen : keyNameLen+chacha20poly1305.NonceSizeX]
	ciphertext := ticket[keyNameLen+chacha20poly1305.NonceSizeX:]
	plaintext, err := k.aead.Open(nil, nonce, ciphertext, name)
	if err != nil {
		return nil, ErrInvalidTicket
	}
	return plaintext, nil
}

// ticketKeyName returns the key_name of ticket and the period it names,
// or false when ticket is too short to be one.
func ticketKeyName(ticket []byte) ([keyNameLen]byte, int64, bool) {
	var name [keyNameLen]byte
	if len(ticket) < ticketOverhead {
		return name, 0, false
	}
	copy(name[:], ticket)
	return name, int64(binary.BigEndian.Uint64(name[:8])), true
}

// keySet is an immutable set of ticket keys: the first seals, all open.
// TicketKeys swaps whole sets atomically, so Seal and Open read keys
// without a lock.
type keySet struct {
	keys   []*ticketKey
	period int64 // the clock period keys[0] was chosen for
	manual bool  // set by SetKeys: never rotated by the clock
	// fallback is set when the shared store failed and keys[0] is a local
	// key that the rest of the fleet cannot open; the store is tried again
	// from retryAt on.
	fallback bool
	retryAt  int64 // Unix nanoseconds
}

// find returns the key named name, or nil.
func (s *keySet) find(name [keyNameLen]byte) *ticketKey {
	for _, k := range s.keys {
		if k.name == name {
			return k
		}
	}
	return nil
}

// withKey returns the keys of s with k first, without any earlier key of
// the same name, keeping only keys of period minPeriod or later and at
// most maxKeys keys.
func withKey(k *ticketKey, old []*ticketKey, minPeriod int64, maxKeys int) []*ticketKey {
	keys := []*ticketKey{k}
	for _, o := range old {
		if len(keys) >= maxKeys {
			break
		}
		if o.name != k.name && o.period >= minPeriod {
			keys = append(keys, o)
		}
	}
	return keys
}
