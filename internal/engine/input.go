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

// handleRecord opens one record and routes its content.
func (e *Engine) handleRecord(rec []byte) error {
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
	e.warnings = 0
	if len(data) == 0 {
		e.in.Release()
		return e.idle("empty records")
	}
	e.idleRecords = 0
	e.app = data
	return nil
}

// handleAlert processes one alert record.
func (e *Engine) handleAlert(data []byte) error {
	if len(data) != 2 {
		return wire.Fatalf(wire.AlertDecodeError, "alert record of %d bytes", len(data))
	}
	level, desc := wire.AlertLevel(data[0]), wire.Alert(data[1])
	if desc == wire.AlertCloseNotify {
		e.peerClosed = true
		return nil
	}
	if desc == wire.AlertUserCanceled || (level == wire.AlertLevelWarning && !e.tls13()) {
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
	for {
		typ, bodyLen, ok, err := msg.ParseHeader(e.hsIn)
		if err != nil {
			return err
		}
		if !ok || len(e.hsIn) < msg.HeaderLen+bodyLen {
			return nil
		}
		if typ == wire.HandshakeKeyUpdate {
			if err := e.idle("key updates"); err != nil {
				return err
			}
		} else {
			e.idleRecords = 0
		}
		n := msg.HeaderLen + bodyLen
		e.readKeyChanged = false
		if err := e.hs.Handle(e.hsIn[:n]); err != nil {
			return err
		}
		e.hsIn = e.hsIn[:copy(e.hsIn, e.hsIn[n:])]
		if e.readKeyChanged && len(e.hsIn) > 0 {
			// RFC 8446, Section 5.1: handshake messages MUST NOT span key changes.
			return wire.Fatalf(wire.AlertUnexpectedMessage, "handshake data left over across a key change")
		}
	}
}
