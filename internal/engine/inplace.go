package engine

import (
	"gotls/internal/record"
	"gotls/internal/wire"
)

// FeedInPlace is Feed for a caller that keeps ciphertext in a buffer of
// its own: each whole record at the front of b is opened where it lies,
// without being copied into the engine, and application data is left
// there for Read. The caller must leave the bytes FeedInPlace took
// untouched until Buffered returns 0. A partial record is copied in as by
// Feed.
func (e *Engine) FeedInPlace(b []byte) (int, error) { return e.feed(b, true) }

// RecordLen returns the length (header included) of the record that
// starts b: 0 while b is shorter than a record header, and -1 when the
// header is one the engine will refuse (Feed then reports why). A caller
// of FeedInPlace uses it to gather whole records before feeding them.
func (e *Engine) RecordLen(b []byte) int {
	if len(b) < record.HeaderLen {
		return 0
	}
	typ, _, n := record.ParseHeader(b)
	switch typ {
	case wire.ContentChangeCipherSpec, wire.ContentAlert, wire.ContentHandshake, wire.ContentApplicationData:
	default:
		return -1
	}
	if n > e.in.limit() {
		return -1
	}
	return record.HeaderLen + n
}

// take consumes the front of b: one whole record, handled in place, when
// inPlace is set and no partial record is buffered; otherwise what the
// deframer takes.
func (e *Engine) take(b []byte, inPlace bool) (int, error) {
	if inPlace && e.in.Buffered() == 0 {
		if n := e.RecordLen(b); n > 0 && n <= len(b) {
			if err := e.handleRecord(b[:n]); err != nil {
				return n, e.fail(err)
			}
			e.flushHandshake()
			return n, nil
		}
	}
	return e.in.Feed(b), nil
}
