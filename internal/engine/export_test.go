package engine

import (
	"gotls/internal/record"
	"gotls/internal/wire"
)

// SealRecord queues one record of type typ under the current write
// protection, so that tests can send what the engine never sends itself
// (empty records, warning alerts).
func (e *Engine) SealRecord(typ wire.ContentType, payload []byte) { e.seal(typ, payload) }

// wornProtector reports that its AEAD is worn out, as after 2^24 records.
type wornProtector struct{ record.Protector }

func (wornProtector) NeedsRekey() bool { return true }

// WearOutWriteKeys makes the current write protection report that it needs
// a KeyUpdate, so tests can see the automatic one without sealing 2^24 records.
func (e *Engine) WearOutWriteKeys() { e.wr = wornProtector{e.wr} }
