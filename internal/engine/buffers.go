package engine

import (
	"sync"

	"gotls/internal/record"
	"gotls/internal/wire"
)

// An idle connection should cost little memory, so the engine's two big
// buffers, the deframer (one whole record) and the output (records not yet
// sent), are borrowed from pools while in use and returned as soon as they
// are empty. The pools are caches shared by all connections; the garbage
// collector empties them.

// deframers holds *record.Deframer values with no record buffered.
var deframers = sync.Pool{New: func() any { return new(record.Deframer) }}

// outBufferSize is the capacity of a pooled output buffer: enough for four
// full TLS 1.3 records, the most one adapter Write batch seals at once.
const outBufferSize = 4 * (record.MaxPlaintext + 256 + record.HeaderLen)

// maxPooledOutput is the largest output buffer returned to the pool;
// bigger ones (a large handshake flight) are left to the collector.
const maxPooledOutput = 2 * outBufferSize

// outBuffers holds *[]byte values of capacity outBufferSize or more.
var outBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, outBufferSize)
	return &b
}}

// input is the engine's deframer, held only while it buffers part or all
// of a record. Its methods are those of record.Deframer.
type input struct {
	d *record.Deframer
	// max is the record size limit set by SetMaxCiphertext.
	max int
	// err is the deframer's sticky error, kept after the deframer goes.
	err error
}

// Feed buffers bytes of b, borrowing a deframer if none is held.
func (in *input) Feed(b []byte) int {
	if in.err != nil || len(b) == 0 {
		return 0
	}
	if in.d == nil {
		in.d = deframers.Get().(*record.Deframer)
		in.d.SetMaxCiphertext(in.max)
	}
	return in.d.Feed(b)
}

// Next returns the complete buffered record, if any; see
// record.Deframer.Next.
func (in *input) Next() ([]byte, error) {
	if in.err != nil {
		return nil, in.err
	}
	if in.d == nil {
		return nil, nil
	}
	rec, err := in.d.Next()
	in.err = err
	return rec, err
}

// Release drops the record returned by Next and gives the deframer back
// once it holds nothing.
func (in *input) Release() {
	if in.d == nil || in.err != nil {
		return
	}
	in.d.Release()
	if in.d.Buffered() == 0 {
		deframers.Put(in.d)
		in.d = nil
	}
}

// limit returns the largest record body accepted, as the deframer
// computes it from the value given to SetMaxCiphertext.
func (in *input) limit() int {
	if in.max < 1 || in.max > record.MaxCiphertext12 {
		return record.MaxCiphertext12
	}
	return in.max
}

// SetMaxCiphertext sets the record size limit; see
// record.Deframer.SetMaxCiphertext.
func (in *input) SetMaxCiphertext(n int) {
	in.max = n
	if in.d != nil {
		in.d.SetMaxCiphertext(n)
	}
}

// Buffered returns how many bytes of the current record are held.
func (in *input) Buffered() int {
	if in.d == nil {
		return 0
	}
	return in.d.Buffered()
}

// seal protects payload as one record of type typ under the current write
// protection and queues it, borrowing an output buffer if none is held.
func (e *Engine) seal(typ wire.ContentType, payload []byte) {
	e.sealWith(e.wr, typ, payload)
}

// sealWith is seal with protection p.
func (e *Engine) sealWith(p record.Protector, typ wire.ContentType, payload []byte) {
	if e.out == nil {
		e.outBuf = outBuffers.Get().(*[]byte)
		e.out = (*e.outBuf)[:0]
	}
	e.out = p.Seal(e.out, typ, payload, 0)
}

// releaseOutput gives the output buffer back once everything is sent.
func (e *Engine) releaseOutput() {
	if len(e.out) > 0 || e.out == nil {
		return
	}
	if e.outBuf != nil && cap(e.out) <= maxPooledOutput {
		*e.outBuf = e.out[:0]
		outBuffers.Put(e.outBuf)
	}
	e.out, e.outBuf = nil, nil
}

// handshakeBufferSize is the capacity of a pooled handshake message
// buffer: room for a typical flight, certificates included.
const handshakeBufferSize = 8 << 10

// handshakeBuffers holds *[]byte values for hsIn and hsOut. The handshake
// copies what it keeps of a message, so the buffers can be reused.
var handshakeBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, handshakeBufferSize)
	return &b
}}

// borrowHandshakeBuffer returns b, or an empty pooled buffer if b is nil.
func borrowHandshakeBuffer(b []byte) []byte {
	if b != nil {
		return b
	}
	return (*handshakeBuffers.Get().(*[]byte))[:0]
}

// returnHandshakeBuffer gives an emptied handshake buffer back to the pool
// unless it grew past twice the usual size. The holder is allocated here,
// once per handshake, so that b itself does not escape on every call.
func returnHandshakeBuffer(b []byte) {
	if b != nil && cap(b) <= 2*handshakeBufferSize {
		h := new([]byte)
		*h = b[:0]
		handshakeBuffers.Put(h)
	}
}

// dropHandshakeBuffers gives back the handshake message buffers when the
// handshake is over and they are empty; a post-handshake message borrows
// one again for as long as it takes to handle or send it.
func (e *Engine) dropHandshakeBuffers() {
	if !e.hs.Done() {
		return
	}
	if len(e.hsIn) == 0 {
		returnHandshakeBuffer(e.hsIn)
		e.hsIn = nil
	}
	returnHandshakeBuffer(e.hsOut)
	e.hsOut = nil
}
