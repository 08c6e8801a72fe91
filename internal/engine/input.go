package engine

import (
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/wire"
)

// maxWarningAlerts bounds how many warning alerts in a row a peer may send
// before we give up, so a stream of them cannot keep us busy forever.
const maxWarningAlerts = 4

// maxIdleRecords bounds how many records in a row may carry nothing for the
// application (empty records, change_cipher_spec, KeyUpdate), as BoringSSL
// and rustls do, so that such a stream cannot keep a reader busy forever.
const maxIdleRecords = 32

// idle counts one record that carried nothing and fails past the bound.
func (e *Engine) idle(what string) error {
	e.idleRecords++
	if e.idleRecords > maxIdleRecords {
		return wire.Fatalf(wire.AlertUnexpectedMessage, "too many %s in a row", what)
	}
	return nil
}

// process handles complete records until one yields application data,
// input runs out, or the connection fails.
func (e *Engine) process() error {
	for len(e.app) == 0 && !e.peerClosed {
		rec, err := e.in.Next()
		if err != nil {
			return e.fail(err)
		}
		if rec == nil {
			return nil
		}
		if err := e.handleRecord(rec); err != nil {
			return e.fail(err)
		}
		e.flushHandshake()
	}
	return nil
}

// recordVersionError checks the version field of a record read while the
// protocol version was before and that leaves it at after. TLS 1.3 ignores
// the field (RFC 8446, Section 5.1); TLS 1.2 defines it as the version in
// use (RFC 5246, Section 6.2.1), and the record that settles TLS 1.2 must
// at least have major version 3 (RFC 5246, Appendix E.1).
func recordVersionError(vers, before, after wire.Version) error {
	switch {
	case before == wire.VersionTLS12 && vers != wire.VersionTLS12:
		return wire.Fatalf(wire.AlertProtocolVersion, "record version %#04x in a TLS 1.2 connection", uint16(vers))
	case before == 0 && after == wire.VersionTLS12 && vers>>8 != 3:
		return wire.Fatalf(wire.AlertProtocolVersion, "record version %#04x is not a TLS version", uint16(vers))
	}
	return nil
}

// handleRecord checks the version of one record, then opens it and
// routes its content.
func (e *Engine) handleRecord(rec []byte) error {
	vers, before := wire.Version(rec[1])<<8|wire.Version(rec[2]), e.hs.Version()
	if err := recordVersionError(vers, before, before); err != nil {
		e.in.Release()
		return err
	}
	if err := e.routeRecord(rec); err != nil {
		return err
	}
	return recordVersionError(vers, before, e.hs.Version())
}

// routeRecord opens one record and routes its content.
func (e *Engine) routeRecord(rec []byte) error {
	outer := wire.ContentType(rec[0])
	if outer == wire.ContentChangeCipherSpec && e.tls13() {
		defer e.in.Release()
		return e.handleCCS13(rec[record.HeaderLen:])
	}
	if e.rd.Encrypted() && e.tls13() && outer != wire.ContentApplicationData {
		e.in.Release()
		// RFC 8446, Section 5.2: protected records carry the outer type application_data.
		return wire.Fatalf(wire.AlertUnexpectedMessage, "unprotected %s record after keys were set", outer)
	}
	typ, data, err := e.rd.Open(rec)
	if err != nil {
		e.in.Release()
		if skip, serr := e.skipEarlyData(len(rec)); skip || serr != nil {
			return serr
		}
		return err
	}
	if e.rd.Encrypted() && !e.client && !e.hs.Done() {
		// RFC 8446, Section 4.2.10: the first record that decrypts starts
		// the client's second flight; nothing more is skipped.
		e.hs.StopSkippingEarlyData()
	}
	if typ == wire.ContentApplicationData && !e.rd.Encrypted() {
		if skip, serr := e.skipEarlyData(len(rec)); skip || serr != nil {
			e.in.Release()
			return serr
		}
	}
	if typ == wire.ContentApplicationData {
		return e.handleAppData(data)
	}
	defer e.in.Release()
	if typ != wire.ContentAlert {
		e.warnings = 0
	}
	switch typ {
	case wire.ContentHandshake:
		return e.handleHandshakeData(data)
	case wire.ContentAlert:
		return e.handleAlert(data)
	case wire.ContentChangeCipherSpec:
		return e.handleCCS12(data)
	}
	// RFC 8446, Section 5: an unknown content type gets unexpected_message.
	return wire.Fatalf(wire.AlertUnexpectedMessage, "unknown record content type %d", uint8(typ))
}

// skipEarlyData reports whether a record of n bytes that cannot be read
// is 0-RTT data the server declined, which RFC 8446, Section 4.2.10 says
// to skip.
func (e *Engine) skipEarlyData(n int) (bool, error) {
	if e.client || e.hs.Done() {
		return false, nil
	}
	return e.hs.SkipRejectedEarlyData(n)
}

// tls13 reports whether TLS 1.3 is (or, before ServerHello, may be) in use.
func (e *Engine) tls13() bool {
	v := e.hs.Version()
	return v == 0 || v == wire.VersionTLS13
}

// handleCCS13 drops a middlebox-compatibility change_cipher_spec record,
// which RFC 8446, Section 5 allows only as the single byte 1 during the
// handshake.
func (e *Engine) handleCCS13(body []byte) error {
	if !e.hs.InEarlyHandshake() {
		return wire.Fatalf(wire.AlertUnexpectedMessage, "change_cipher_spec outside the handshake")
	}
	if len(body) != 1 || body[0] != 1 {
		return wire.Fatalf(wire.AlertUnexpectedMessage, "malformed change_cipher_spec record")
	}
	return e.idle("change_cipher_spec records")
}

// handleCCS12 passes a TLS 1.2 change_cipher_spec message to the
// handshake. It must be the single byte 1 and may not interrupt a
// handshake message (RFC 5246, Section 7.1).
func (e *Engine) handleCCS12(body []byte) error {
	if len(body) != 1 || body[0] != 1 {
		return wire.Fatalf(wire.AlertDecodeError, "malformed change_cipher_spec message")
	}
	if len(e.hsIn) > 0 {
		return wire.Fatalf(wire.AlertUnexpectedMessage, "change_cipher_spec inside a handshake message")
	}
	return e.hs.ChangeCipherSpec()
}

// handleAppData keeps decrypted application data for Read.
func (e *Engine) handleAppData(data []byte) error {
	if !e.hs.Done() {
		if e.hs.AcceptingEarlyData() {
			return e.earlyAppData(data)
		}
		e.in.Release()
		return wire.Fatalf(wire.AlertUnexpectedMessage, "application data before the handshake completed")
	}
	if len(data) == 0 {
		// An empty record resets neither count: a peer alternating
		// empty records and warning alerts trips one of the bounds.
		e.in.Release()
		return e.idle("empty records")
	}
	e.warnings = 0
	e.idleRecords = 0
	e.app = data
	return nil
}

// handleAlert processes one alert record. Warning alerts are counted and
// ignored in TLS 1.2, and before the version is known while TLS 1.2 may
// still be negotiated (a TLS 1.2 server may send a warning before its
// ServerHello, RFC 6066, Section 3).
func (e *Engine) handleAlert(data []byte) error {
	if len(data) != 2 {
		return wire.Fatalf(wire.AlertDecodeError, "alert record of %d bytes", len(data))
	}
	level, desc := wire.AlertLevel(data[0]), wire.Alert(data[1])
	if desc == wire.AlertCloseNotify {
		if !e.hs.Done() {
			// The handshake can no longer complete; without this error a
			// caller waiting for it would find the engine wanting neither
			// input nor output, and spin.
			return &RemoteAlertError{Alert: desc}
		}
		e.peerClosed = true
		return nil
	}
	if desc == wire.AlertUserCanceled || (level == wire.AlertLevelWarning && e.hs.MayBeTLS12()) {
		// RFC 8446, Section 6.1: user_canceled is followed by close_notify.
		e.warnings++
		if e.warnings > maxWarningAlerts {
			return wire.Fatalf(wire.AlertUnexpectedMessage, "too many warning alerts")
		}
		return nil
	}
	return &RemoteAlertError{Alert: desc}
}

// handleHandshakeData reassembles handshake messages and runs each
// complete one through the handshake.
func (e *Engine) handleHandshakeData(data []byte) error {
	if len(data) == 0 {
		// RFC 8446, Section 5.1: zero-length handshake fragments MUST NOT be sent.
		return wire.Fatalf(wire.AlertUnexpectedMessage, "empty handshake record")
	}
	e.hsIn = append(borrowHandshakeBuffer(e.hsIn), data...)
	n, err := e.handleMessages(e.hsIn)
	// One move of the leftover per record: moving it after each message
	// would cost a record full of tiny messages quadratic time.
	e.hsIn = e.hsIn[:copy(e.hsIn, e.hsIn[n:])]
	return err
}

// handleMessages runs each complete handshake message at the front of b
// through the handshake and returns how many bytes they took.
func (e *Engine) handleMessages(b []byte) (int, error) {
	off := 0
	for {
		typ, bodyLen, ok, err := msg.ParseHeader(b[off:])
		if err != nil {
			return off, err
		}
		if !ok || len(b)-off < msg.HeaderLen+bodyLen {
			return off, nil
		}
		if typ == wire.HandshakeKeyUpdate {
			if err := e.idle("key updates"); err != nil {
				return off, err
			}
		} else {
			e.idleRecords = 0
		}
		n := msg.HeaderLen + bodyLen
		e.readKeyChanged = false
		wasDone, queued := e.hs.Done(), len(e.hsOut)+len(e.out)
		if err := e.hs.Handle(b[off : off+n]); err != nil {
			return off, err
		}
		off += n
		left := len(b) - off
		if e.readKeyChanged && left > 0 {
			// RFC 8446, Section 5.1: handshake messages MUST NOT span key changes.
			return off, wire.Fatalf(wire.AlertUnexpectedMessage, "handshake data left over across a key change")
		}
		if left > 0 && (len(e.hsOut)+len(e.out) > queued || !wasDone && e.hs.Done()) {
			// A message we answer, or that completes the handshake, ends the
			// peer's flight: data after it is an error (hardening, as
			// BoringSSL does; RFC 5246 has no such rule).
			return off, wire.Fatalf(wire.AlertUnexpectedMessage, "excess handshake data left over after the end of the peer's flight")
		}
	}
}
