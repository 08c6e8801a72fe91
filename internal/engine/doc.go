// Package engine is gotls's sans-IO connection: ciphertext goes in,
// records to send come out, plaintext and events come up. It never blocks,
// reads a clock, or starts a goroutine; the net.Conn adapter in the root
// package drives it.
package engine
