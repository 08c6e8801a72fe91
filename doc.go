// Package gotls is a TLS 1.3 implementation whose public API is shaped like
// crypto/tls, so that a Go program can switch by changing its import.
//
// The protocol runs in a sans-IO engine (internal/engine); Conn is the thin
// net.Conn adapter around it: it owns the socket, the locks and the
// deadlines, and nothing else.
//
// Certificates, connection states and a few constants are crypto/tls's own
// plain data types (tls.Certificate, tls.ConnectionState, tls.CurveID,
// tls.ClientAuthType), so existing code and net/http keep working.
package gotls
