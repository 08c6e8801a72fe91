// Package keysched derives the keys of a TLS connection.
//
// For TLS 1.3 it implements the key schedule of RFC 8446, Section 7, with
// each secret a distinct type: an EarlySecret yields a HandshakeSecret, which
// yields a MasterSecret, and only the matching traffic secret types come out
// of each, so a handshake traffic secret cannot be used where an application
// traffic secret is expected. It also keeps the transcript hash (RFC 8446,
// Section 4.4.1), computes Finished values and PSK binders, derives resumption
// PSKs and exported keying material, and formats key log lines.
//
// For TLS 1.2 it implements the PRF of RFC 5246, Section 5, the master
// secret and the extended master secret of RFC 7627, the key block, the
// Finished verify_data and the exporter of RFC 5705.
//
// The package performs no I/O and keeps no state beyond the values it returns.
package keysched
