package engine

import (
	"gotls/internal/record"
	"gotls/internal/wire"
)

// link is the engine seen from the handshake (handshake.Link).
type link Engine

// WriteHandshake queues a handshake message.
func (l *link) WriteHandshake(m []byte) {
	l.hsOut = append(borrowHandshakeBuffer(l.hsOut), m...)
}

// WriteChangeCipherSpec queues a change_cipher_spec record after what is
// already queued.
func (l *link) WriteChangeCipherSpec() {
	e := (*Engine)(l)
	e.flushHandshake()
	e.sealWith(record.Plaintext(wire.VersionTLS12), wire.ContentChangeCipherSpec, []byte{1})
}

// SetReadProtector installs new read protection.
func (l *link) SetReadProtector(p record.Protector) {
	e := (*Engine)(l)
	e.rd = p
	e.readKeyChanged = true
	if e.hs.Version() == wire.VersionTLS13 {
		e.in.SetMaxCiphertext(record.MaxCiphertext13)
	}
}

// SetWriteProtector frames queued handshake messages under the old
// protection, then switches.
func (l *link) SetWriteProtector(p record.Protector) {
	e := (*Engine)(l)
	e.flushHandshake()
	e.wr = p
}

// flushHandshake frames queued handshake messages into records.
func (e *Engine) flushHandshake() {
	b := e.hsOut
	for len(b) > 0 {
		chunk := b
		if len(chunk) > record.MaxPlaintext {
			chunk = chunk[:record.MaxPlaintext]
		}
		e.seal(wire.ContentHandshake, chunk)
		b = b[len(chunk):]
	}
	e.hsOut = e.hsOut[:0]
	e.dropHandshakeBuffers()
}
