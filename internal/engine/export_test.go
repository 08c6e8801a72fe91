package engine

import "gotls/internal/wire"

// SealRecord queues one record of type typ under the current write
// protection, so that tests can send what the engine never sends itself
// (empty records, warning alerts).
func (e *Engine) SealRecord(typ wire.ContentType, payload []byte) { e.seal(typ, payload) }
