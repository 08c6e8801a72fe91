package main

import (
	"fmt"
	"net"
	"strings"
	"sync"
)

// recordHeaderLen is the size of a TLS record header: type, version,
// length.
const recordHeaderLen = 5

// record describes one TLS record seen on the wire: its outer content
// type and the length of its body.
type record struct {
	contentType byte
	length      int
}

// recordTap is a net.Conn that reports the TLS records written through
// it, so the demo can show what actually goes on the wire. It only reads
// the 5-byte record headers; it never looks inside.
type recordTap struct {
	net.Conn
	// onWrite is called with the records completed by each Write, before
	// the bytes go to the socket, so that the report precedes anything
	// the peer does with them.
	onWrite func([]record)

	mu   sync.Mutex
	hdr  [recordHeaderLen]byte
	nhdr int
	left int
}

// Write reports the records in b, then writes b.
func (t *recordTap) Write(b []byte) (int, error) {
	if recs := t.observe(b); len(recs) > 0 && t.onWrite != nil {
		t.onWrite(recs)
	}
	return t.Conn.Write(b)
}

// CloseWrite shuts down the writing side when the inner connection can,
// so that Conn.CloseWrite works through the tap.
func (t *recordTap) CloseWrite() error {
	if cw, ok := t.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// observe walks b, which continues the byte stream of earlier writes, and
// returns the records whose headers it completes.
func (t *recordTap) observe(b []byte) []record {
	t.mu.Lock()
	defer t.mu.Unlock()
	var recs []record
	for len(b) > 0 {
		if t.left > 0 {
			n := min(t.left, len(b))
			t.left -= n
			b = b[n:]
			continue
		}
		n := copy(t.hdr[t.nhdr:], b)
		t.nhdr += n
		b = b[n:]
		if t.nhdr < recordHeaderLen {
			break
		}
		r := record{contentType: t.hdr[0], length: int(t.hdr[3])<<8 | int(t.hdr[4])}
		recs = append(recs, r)
		t.nhdr, t.left = 0, r.length
	}
	return recs
}

// contentTypeName names an outer record content type.
func contentTypeName(t byte) string {
	switch t {
	case 20:
		return "change_cipher_spec"
	case 21:
		return "alert"
	case 22:
		return "handshake"
	case 23:
		return "application_data"
	}
	return fmt.Sprintf("content_type(%d)", t)
}

// describeRecords says in one line which records were sent: each
// record's outer type and body length, then the total with headers.
func describeRecords(recs []record) string {
	parts := make([]string, len(recs))
	total := 0
	for i, r := range recs {
		parts[i] = fmt.Sprintf("%s (%d B)", contentTypeName(r.contentType), r.length)
		total += recordHeaderLen + r.length
	}
	return fmt.Sprintf("⇢ wire: %s = %d bytes with %d-byte headers",
		strings.Join(parts, " + "), total, recordHeaderLen)
}
