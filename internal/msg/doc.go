// Package msg parses and marshals TLS 1.3 and TLS 1.2 handshake messages
// and their extensions.
//
// Every encoding goes through golang.org/x/crypto/cryptobyte. Parsed
// messages keep the exact bytes they were parsed from in their Raw field,
// because transcripts hash what was received, never a re-encoding. The
// package decides nothing about negotiation: it checks syntax, vector
// bounds and where each known extension may appear, and reports
// violations as *wire.Error values that carry the alert to send.
//
// Slices in a parsed message (Random, SessionID, certificate bytes, ...)
// point into that message's Raw copy; their capacity is clipped so an
// append never writes into Raw. An empty vector parses as a nil slice,
// except where presence itself is meaningful (an empty key_share list in
// a ClientHello parses as a non-nil empty slice).
//
// Duplicate extensions in one block are reported with decode_error, as
// crypto/tls and BoringSSL do for ClientHello: RFC 8446, Section 4.2 forbids
// them without naming an alert, and a block with two entries of one type
// cannot be decoded into one value.
package msg
