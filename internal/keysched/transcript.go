package keysched

import (
	"crypto"
	"hash"

	"gotls/internal/wire"
)

// Transcript is the running transcript hash of a handshake
// (RFC 8446, Section 4.4.1). Until the cipher suite, and so the hash, is
// known it keeps the messages written to it; SetHash then hashes them. Only
// the first flight (one ClientHello, or a ClientHello and a HelloRetryRequest)
// is ever buffered, and the message layer bounds the size of each message.
type Transcript struct {
	h     crypto.Hash
	state hash.Hash
	buf   []byte
}

// NewTranscript returns an empty transcript whose hash is not yet known.
func NewTranscript() *Transcript { return &Transcript{} }

// Write adds one whole handshake message, its 4-byte header included, exactly
// as it was sent or received.
func (t *Transcript) Write(msg []byte) {
	if t.state == nil {
		t.buf = append(t.buf, msg...)
		return
	}
	t.state.Write(msg)
}

// SetHash fixes the hash function, once the cipher suite is known, and
// hashes the messages written so far. It panics if called twice with
// different hashes.
func (t *Transcript) SetHash(h crypto.Hash) {
	if t.state != nil {
		if h != t.h {
			panic("keysched: transcript hash changed")
		}
		return
	}
	t.h = h
	t.state = h.New()
	t.state.Write(t.buf)
	t.buf = nil
}

// Hash returns the hash function, or zero before SetHash.
func (t *Transcript) Hash() crypto.Hash { return t.h }

// Sum returns the hash of the messages written so far without finishing
// the transcript. It panics before SetHash.
func (t *Transcript) Sum() []byte {
	t.mustHaveHash()
	return t.state.Sum(nil)
}

// SumWith returns the hash of the messages written so far followed by
// extra, without adding extra to the transcript: the hash a PSK binder
// covers, whose last part is a truncated ClientHello (RFC 8446,
// Section 4.2.11.2). It panics before SetHash.
func (t *Transcript) SumWith(extra []byte) []byte {
	t.mustHaveHash()
	var c hash.Hash
	if cl, ok := t.state.(hash.Cloner); ok {
		if cc, err := cl.Clone(); err == nil {
			c, _ = cc.(hash.Hash)
		}
	}
	if c == nil {
		panic("keysched: transcript hash cannot be cloned")
	}
	c.Write(extra)
	return c.Sum(nil)
}

// ReplaceWithMessageHash replaces the messages written so far, which must be
// exactly ClientHello1, by the synthetic message_hash handshake message that
// carries their hash, as a HelloRetryRequest requires (RFC 8446,
// Section 4.4.1). It panics before SetHash.
func (t *Transcript) ReplaceWithMessageHash() {
	sum := t.Sum()
	t.state.Reset()
	t.state.Write([]byte{byte(wire.HandshakeMessageHash), 0, 0, byte(len(sum))})
	t.state.Write(sum)
}

// mustHaveHash panics if SetHash has not been called: hashing before the
// suite is known is a bug in the caller, not something a peer can cause.
func (t *Transcript) mustHaveHash() {
	if t.state == nil {
		panic("keysched: transcript used before its hash is known")
	}
}
