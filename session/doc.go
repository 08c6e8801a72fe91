// Package session holds the state that TLS resumption keeps between
// connections: a Store interface for shared key-value state with expiry,
// an in-memory store for one machine, a Redis store for a fleet, rotating
// ticket keys that seal and open session tickets, and a client-side LRU
// cache of sessions.
//
// The handshake treats everything here as opaque bytes: it serializes a
// session, seals it with TicketKeys or puts it in a Store, and later opens
// or takes it back. The root package adapts these types to the handshake
// and bounds every store call with a short timeout, so a slow or absent
// store turns a resumption into a full handshake instead of a hang.
//
// Single-use records (0-RTT anti-replay, RFC 8446, Section 8.1) rely on
// Store.Take being an atomic get-and-delete: of two servers that race to
// take the same key, exactly one gets the value.
package session
