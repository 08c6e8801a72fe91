package record

import "gotls/internal/wire"

// Deframer collects bytes into whole records, holding at most one record.
// Its buffer is fixed, HeaderLen+MaxCiphertext12 bytes, so a Deframer is
// used through a pointer and never copied. The zero value is ready to use
// and accepts records up to MaxCiphertext12.
type Deframer struct {
	buf [HeaderLen + MaxCiphertext12]byte
	// n is how many bytes of the current record are buffered.
	n int
	// max is the largest record body accepted; 0 means MaxCiphertext12.
	max int
	// err is the sticky framing error.
	err error
}

// limit returns the largest record body accepted.
func (d *Deframer) limit() int {
	if d.max == 0 {
		return MaxCiphertext12
	}
	return d.max
}

// SetMaxCiphertext sets the largest record body the Deframer accepts
// from the next record header on: MaxCiphertext13 once TLS 1.3 is
// negotiated, less under a record_size_limit (RFC 8449). Values outside
// 1..MaxCiphertext12 restore MaxCiphertext12.
func (d *Deframer) SetMaxCiphertext(n int) {
	if n < 1 || n > MaxCiphertext12 {
		n = 0
	}
	d.max = n
}

// end returns how many bytes the current record has once complete, or
// HeaderLen while its header is incomplete.
func (d *Deframer) end() int {
	if d.n < HeaderLen {
		return HeaderLen
	}
	_, _, n := ParseHeader(d.buf[:HeaderLen])
	return HeaderLen + n
}

// complete reports whether a whole record is buffered.
func (d *Deframer) complete() bool { return d.n >= HeaderLen && d.n == d.end() }

// Feed copies as many bytes of b as fit into the current record and returns how many it took.
// It takes nothing while a complete record is held or after a framing error.
func (d *Deframer) Feed(b []byte) int {
	taken := 0
	for d.err == nil && len(b) > 0 && !d.complete() {
		k := copy(d.buf[d.n:d.end()], b)
		d.n += k
		taken += k
		b = b[k:]
		if d.n == HeaderLen {
			d.err = d.checkHeader()
		}
	}
	return taken
}

// checkHeader validates a just completed record header before its body
// is buffered.
func (d *Deframer) checkHeader() error {
	typ, _, n := ParseHeader(d.buf[:HeaderLen])
	if !knownContentType(typ) {
		return wire.Fatalf(wire.AlertUnexpectedMessage, "unknown record type %d", uint8(typ)) // RFC 8446, Section 5
	}
	if n > d.limit() {
		return wire.Fatalf(wire.AlertRecordOverflow, "record of %d bytes exceeds %d", n, d.limit()) // RFC 8446, Section 5.2
	}
	return nil
}

// Next returns the complete buffered record (header included), or nil if not complete yet.
// The record is valid, and may be opened in place, until the next call of Release. Errors
// are sticky *wire.Error values: unexpected_message for an unknown content type
// (RFC 8446, Section 5) and record_overflow for a length over the limit set by
// SetMaxCiphertext.
func (d *Deframer) Next() ([]byte, error) {
	if d.err != nil {
		return nil, d.err
	}
	if !d.complete() {
		return nil, nil
	}
	return d.buf[:d.n], nil
}

// Release drops the complete record returned by Next, making room for the
// next one. It does nothing while the record is incomplete.
func (d *Deframer) Release() {
	if d.err == nil && d.complete() {
		d.n = 0
	}
}

// Buffered returns how many bytes of the current record are held.
func (d *Deframer) Buffered() int { return d.n }
