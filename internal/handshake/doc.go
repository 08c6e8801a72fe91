// Package handshake holds gotls's handshake state machines: one small
// type per expected next message, for each role and version, plus
// negotiation and certificate verification policy.
//
// The package does no I/O. The engine hands it whole handshake messages
// and it answers through the Link the engine provides: messages to send and
// record protection to install.
package handshake
