package engine

import (
	"errors"
	"io"

	"gotls/internal/handshake"
	"gotls/internal/record"
	"gotls/internal/wire"
)

// ErrWriteClosed is returned by Write after CloseWrite.
var ErrWriteClosed = errors.New("tls: write after close_notify was sent")

// ErrHandshakeIncomplete is returned by Write before the handshake is done.
var ErrHandshakeIncomplete = errors.New("tls: handshake has not completed")

// RemoteAlertError reports a fatal alert received from the peer.
type RemoteAlertError struct {
	// Alert is the alert the peer sent.
	Alert wire.Alert
}

// Error names the alert the peer sent.
func (e *RemoteAlertError) Error() string {
	return "tls: peer sent alert " + e.Alert.String()
}

// Engine is one TLS connection without I/O.
type Engine struct {
	hs     *handshake.Conn
	client bool

	in     input
	rd, wr record.Protector

	// hsIn reassembles handshake messages that span records.
	hsIn []byte
	// hsOut holds handshake messages not yet framed into records.
	hsOut []byte
	// out holds finished records waiting to be sent. It is borrowed from
	// a pool (outBuf) while not empty; see buffers.go.
	out    []byte
	outBuf *[]byte
	// app is decrypted application data not yet read; it points into the
	// deframer's buffer, which stays held until app is drained.
	app []byte
	// readKeyChanged is set when the handshake installs new read keys
	// while processing a message.
	readKeyChanged bool

	err        error
	peerClosed bool
	sentClose  bool
	warnings   int
	// idleRecords counts consecutive records that carried nothing for
	// the application: empty records, compatibility CCS, KeyUpdates.
	idleRecords int
}

// New returns an engine for one role. Start must be called next.
func New(cfg *handshake.Config, client bool) *Engine {
	e := &Engine{client: client}
	e.rd = record.Plaintext(wire.VersionTLS12)
	// A client's first flight carries record version 0x0301 for the
	// benefit of old middleboxes (RFC 8446, Section 5.1); later records 0x0303.
	e.wr = record.Plaintext(wire.VersionTLS12)
	if client {
		e.wr = record.Plaintext(wire.VersionTLS10)
	}
	e.in.SetMaxCiphertext(record.MaxCiphertext12)
	e.hs = handshake.NewConn(cfg, (*link)(e), client)
	return e
}

// Start begins the handshake. A client queues its ClientHello.
func (e *Engine) Start() error {
	if err := e.hs.Start(); err != nil {
		return e.fail(err)
	}
	e.flushHandshake()
	e.sendEarlyData()
	if !e.wr.Encrypted() {
		e.wr = record.Plaintext(wire.VersionTLS12)
	}
	return nil
}

// Handshake exposes the handshake for connection state and exporters.
func (e *Engine) Handshake() *handshake.Conn { return e.hs }

// HandshakeComplete reports whether the handshake has completed.
func (e *Engine) HandshakeComplete() bool { return e.hs.Done() }

// Err returns the sticky error, if any.
func (e *Engine) Err() error { return e.err }

// PeerClosed reports whether the peer has sent close_notify.
func (e *Engine) PeerClosed() bool { return e.peerClosed }

// Feed gives the engine ciphertext. It returns how many bytes it took; the
// caller keeps the rest and feeds it again once the engine has room (after
// Read drains application data).
func (e *Engine) Feed(b []byte) (int, error) { return e.feed(b, false) }

// feed is Feed, or FeedInPlace when inPlace is set.
func (e *Engine) feed(b []byte, inPlace bool) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	total := 0
	for {
		if err := e.process(); err != nil {
			return total, err
		}
		if len(e.app) > 0 || e.peerClosed || len(b) == 0 {
			return total, nil
		}
		n, err := e.take(b, inPlace)
		if err != nil {
			return total + n, err
		}
		if n == 0 {
			return total, nil
		}
		total += n
		b = b[n:]
	}
}

// answerKeyUpdate sends the KeyUpdate the peer asked for, once for all the
// requests received since we last sent anything: it runs just before our
// next record (RFC 8446, Section 4.6.3: one answer while silent).
func (e *Engine) answerKeyUpdate() error {
	if e.sentClose {
		return nil
	}
	if err := e.hs.FlushKeyUpdate(); err != nil {
		return e.fail(err)
	}
	e.flushHandshake()
	return nil
}

// WantsInput reports whether the engine can take more ciphertext now.
func (e *Engine) WantsInput() bool {
	return e.err == nil && len(e.app) == 0 && !e.peerClosed
}

// Output returns the records waiting to be sent; call Sent after writing
// them. Its bytes stay unchanged until the next Sent: other calls may
// queue more records, but only after them, so the caller may write the
// slice without holding up the engine.
func (e *Engine) Output() []byte { return e.out }

// Sent drops the first n bytes of Output. Once everything is sent, the
// output buffer goes back to a pool, so an idle engine holds none.
func (e *Engine) Sent(n int) {
	e.out = e.out[:copy(e.out, e.out[n:])]
	e.releaseOutput()
}

// HasOutput reports whether records are waiting to be sent.
func (e *Engine) HasOutput() bool { return len(e.out) > 0 }

// Read copies decrypted application data into p. It returns 0, nil when
// more input is needed, and io.EOF after the peer's close_notify.
func (e *Engine) Read(p []byte) (int, error) {
	if len(e.app) > 0 {
		n := copy(p, e.app)
		e.app = e.app[n:]
		if len(e.app) == 0 {
			e.in.Release()
		}
		return n, nil
	}
	if e.err != nil {
		return 0, e.err
	}
	if e.peerClosed {
		return 0, io.EOF
	}
	return 0, nil
}

// Buffered returns how many bytes of application data Read can return
// without more input.
func (e *Engine) Buffered() int { return len(e.app) }

// Write protects p as application data records and queues them.
func (e *Engine) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.sentClose {
		return 0, ErrWriteClosed
	}
	if !e.hs.Done() {
		return 0, ErrHandshakeIncomplete
	}
	if err := e.answerKeyUpdate(); err != nil {
		return 0, err
	}
	n := 0
	for len(p) > 0 {
		if err := e.rekeyIfNeeded(); err != nil {
			return n, e.fail(err)
		}
		chunk := p
		if len(chunk) > record.MaxPlaintext {
			chunk = chunk[:record.MaxPlaintext]
		}
		e.seal(wire.ContentApplicationData, chunk)
		n += len(chunk)
		p = p[len(chunk):]
	}
	return n, nil
}

// rekeyIfNeeded sends a KeyUpdate before the AEAD confidentiality limit
// is reached (RFC 8446, Section 5.5).
func (e *Engine) rekeyIfNeeded() error {
	if !e.wr.NeedsRekey() || e.hs.Version() != wire.VersionTLS13 {
		return nil
	}
	if err := e.hs.KeyUpdate(false); err != nil {
		return err
	}
	e.flushHandshake()
	return nil
}

// KeyUpdate sends a KeyUpdate message, asking the peer to update too
// when requestPeer is set.
func (e *Engine) KeyUpdate(requestPeer bool) error {
	if e.err != nil {
		return e.err
	}
	if e.sentClose {
		return ErrWriteClosed
	}
	if err := e.hs.KeyUpdate(requestPeer); err != nil {
		return err
	}
	e.flushHandshake()
	return nil
}

// CloseWrite queues a close_notify alert. Later writes fail.
func (e *Engine) CloseWrite() {
	if e.sentClose || e.err != nil {
		return
	}
	e.sentClose = true
	e.seal(wire.ContentAlert, []byte{byte(wire.AlertLevelWarning), byte(wire.AlertCloseNotify)})
}

// Abort fails the connection with err, sending alert a unless the
// connection has already failed.
func (e *Engine) Abort(a wire.Alert, reason string) error {
	return e.fail(wire.Fatal(a, reason, nil))
}

// fail records err as the sticky error and queues the alert it carries:
// the alert of a *wire.Error, nothing for an alert the peer sent, and
// internal_error for anything else.
func (e *Engine) fail(err error) error {
	if e.err != nil {
		return e.err
	}
	e.err = err
	var remote *RemoteAlertError
	if errors.As(err, &remote) || e.sentClose {
		return err
	}
	a := wire.AlertInternalError
	var we *wire.Error
	if errors.As(err, &we) {
		a = we.Alert
	}
	e.hsOut = e.hsOut[:0]
	e.seal(wire.ContentAlert, []byte{byte(wire.AlertLevelFatal), byte(a)})
	e.sentClose = true
	return err
}
