// Package record frames and protects TLS records.
//
// A Deframer collects incoming bytes into whole records, one at a time, in
// a fixed buffer. A Protector protects one direction of a connection: the
// Plaintext protector before keys are set, NewAEAD13 for TLS 1.3
// (RFC 8446, Section 5), NewAEAD12 for the AEAD suites of TLS 1.2
// (RFC 5246, Section 6.2.3.3; RFC 5288; RFC 7905) and NewCBC12 for its
// AES-CBC-SHA suites (RFC 5246, Section 6.2.3.2), whose padding and MAC
// are checked in constant time against Lucky Thirteen. Protectors keep the
// sequence number of their direction, enforce the record size limits, and
// seal into and open within caller buffers without allocating.
//
// The package knows nothing of the handshake: which content types are
// acceptable at a given moment is for the engine to decide.
package record
