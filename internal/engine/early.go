package engine

import (
	"gotls/internal/record"
	"gotls/internal/wire"
)

// This file is the engine's part of TLS 1.3 0-RTT data (RFC 8446, Section
// 4.2.10). A client seals its early data right after the ClientHello,
// under the early traffic keys the handshake installed; a server that
// accepted early data hands its records to the handshake, which keeps
// them apart from the application data that Read returns.

// sendEarlyData seals the 0-RTT data the handshake released after the
// ClientHello under the current write protection, the client early
// traffic keys.
func (e *Engine) sendEarlyData() {
	data := e.hs.TakeEarlyData()
	if len(data) == 0 || !e.wr.Encrypted() {
		return
	}
	for len(data) > 0 {
		chunk := data[:min(len(data), record.MaxPlaintext)]
		e.seal(wire.ContentApplicationData, chunk)
		data = data[len(chunk):]
	}
}

// earlyAppData passes the body of a 0-RTT application data record to the
// handshake and releases the record.
func (e *Engine) earlyAppData(data []byte) error {
	defer e.in.Release()
	return e.hs.ReceiveEarlyData(data)
}

// EarlyData returns the 0-RTT data a server accepted. It is complete once
// the handshake is, and never part of what Read returns.
func (e *Engine) EarlyData() []byte { return e.hs.EarlyData() }

// EarlyDataAccepted reports whether the server accepted the client's
// 0-RTT data; it is final once the handshake completes.
func (e *Engine) EarlyDataAccepted() bool { return e.hs.Result().EarlyData }
