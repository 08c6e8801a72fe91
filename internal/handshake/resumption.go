package handshake

import (
	"crypto/x509"
	"encoding/hex"
	"slices"
	"time"

	"gotls/internal/wire"
)

// This file holds what both versions' resumption share: the interfaces
// through which the handshake reaches tickets, stores and caches (the
// root package adapts its session package to them, adding timeouts), the
// configuration, and the checks every resumed session must pass.

// TicketSealer turns an encoded session state into a ticket and back. A
// server uses it for TLS 1.3 tickets and TLS 1.2 session tickets.
type TicketSealer interface {
	// Seal protects an encoded session state and returns the ticket.
	Seal(state []byte) ([]byte, error)
	// Open returns the encoded session state a ticket protects, or an
	// error when the ticket is not one of ours or no longer opens.
	Open(ticket []byte) ([]byte, error)
}

// SessionStore is a key-value store with expiry that a server shares with
// others of its fleet. It keeps TLS 1.2 sessions by session ID and the
// single-use records of 0-RTT anti-replay. Every call must return within
// a short time; an error of any kind counts as a miss.
type SessionStore interface {
	// Put stores value under key for ttl.
	Put(key string, value []byte, ttl time.Duration) error
	// Get returns the value under key.
	Get(key string) ([]byte, error)
	// Take returns the value under key and deletes it, atomically: of
	// two concurrent calls, one at most succeeds.
	Take(key string) ([]byte, error)
}

// ClientSessionCache keeps a client's encoded sessions by key.
type ClientSessionCache interface {
	// Get returns the session stored under key.
	Get(key string) ([]byte, bool)
	// Put stores a session under key; a nil value deletes the entry.
	Put(key string, value []byte)
}

// Resumption is the part of Config about resuming sessions and 0-RTT.
type Resumption struct {
	// TicketSealer seals the tickets a server issues and opens the ones
	// it receives; nil means the server issues and accepts no tickets.
	TicketSealer TicketSealer
	// SessionStore keeps a server's TLS 1.2 sessions by session ID and its
	// 0-RTT anti-replay records; nil means neither is available.
	SessionStore SessionStore
	// ClientSessions is a client's session cache; nil means the client
	// neither stores nor offers sessions.
	ClientSessions ClientSessionCache
	// SessionKey is the key of this connection's sessions in
	// ClientSessions, usually the server name.
	SessionKey string
	// SessionTicketsDisabled turns tickets off: a server issues and
	// accepts none, a client offers none. TLS 1.2 session IDs still work.
	SessionTicketsDisabled bool
	// PSKModes lists the PSK key exchange modes a client offers or a
	// server accepts; nil means psk_dhe_ke only (RFC 8446, Section 4.2.9).
	PSKModes []wire.PSKKeyExchangeMode
	// TicketLifetime is how long a server's tickets and sessions stay
	// valid; zero means defaultTicketLifetime. It is capped at 7 days.
	TicketLifetime time.Duration
	// MaxEarlyData is, on a server, the most 0-RTT data its TLS 1.3
	// tickets allow; zero refuses early data.
	MaxEarlyData uint32
	// EarlyData is, on a client, the data to send as 0-RTT data when the
	// cached session allows it.
	EarlyData []byte
}

// Ticket and session lifetimes.
const (
	// defaultTicketLifetime is the lifetime of tickets when the
	// configuration sets none.
	defaultTicketLifetime = 24 * time.Hour
	// maxTicketLifetime is the longest ticket lifetime RFC 8446, Section
	// 4.6.1 allows; no session is resumed longer after its full handshake.
	maxTicketLifetime = 7 * 24 * time.Hour
)

// ticketLifetime returns the configured lifetime of new tickets, capped
// at seven days.
func (c *Config) ticketLifetime() time.Duration {
	d := c.TicketLifetime
	if d <= 0 {
		d = defaultTicketLifetime
	}
	return min(d, maxTicketLifetime)
}

// pskModes returns the PSK key exchange modes in use.
func (c *Config) pskModes() []wire.PSKKeyExchangeMode {
	if len(c.PSKModes) == 0 {
		return []wire.PSKKeyExchangeMode{wire.PSKModeDHEKE}
	}
	return c.PSKModes
}

// ticketsEnabled reports whether a server issues and accepts tickets.
func (c *Config) ticketsEnabled() bool {
	return c.TicketSealer != nil && !c.SessionTicketsDisabled
}

// sessionFresh reports whether st may still be resumed at now: within its
// lifetime and within seven days of the handshake that authenticated the
// peer.
func sessionFresh(st *SessionState, now time.Time) bool {
	if now.Before(st.AuthenticatedAt) || now.Sub(st.AuthenticatedAt) > maxTicketLifetime {
		return false
	}
	return now.Before(st.expiresAt())
}

// serverAuthAllows reports whether the server's client authentication
// policy accepts resuming a session with the client certificates st
// holds: a required certificate must be there, and one that the policy
// verifies must have been verified.
func serverAuthAllows(cfg *Config, st *SessionState) bool {
	if requiresClientCert(cfg.ClientAuth) && len(st.PeerCertificates) == 0 {
		return false
	}
	if verifiesClientCert(cfg.ClientAuth) && len(st.PeerCertificates) > 0 && len(st.VerifiedChains) == 0 {
		return false
	}
	return true
}

// openServerSession opens a ticket into a server session state of
// version v, or returns nil when the ticket is not usable.
func openServerSession(c *Conn, ticket []byte, v wire.Version) *SessionState {
	plain, err := c.cfg.TicketSealer.Open(ticket)
	if err != nil {
		c.trace("resumption", "ticket of %d bytes does not open: %v", len(ticket), err)
		return nil
	}
	return parseServerSession(c, plain, v)
}

// parseServerSession decodes a server session state of version v, or
// returns nil when it is not one.
func parseServerSession(c *Conn, plain []byte, v wire.Version) *SessionState {
	st, err := ParseSessionState(plain)
	if err != nil || st.Client || st.Version != v {
		c.trace("resumption", "session state is not a %v server session", v)
		return nil
	}
	return st
}

// restorePeer records in c.result what a resumed session keeps of the
// peer's authentication: its certificates, the scheme it signed with, and
// the OCSP response and SCTs a server sent. It fails when the
// certificates no longer parse.
func restorePeer(c *Conn, st *SessionState) bool {
	certs, err := parseDERs(st.PeerCertificates)
	if err != nil {
		return false
	}
	var chains [][]*x509.Certificate
	for _, ders := range st.VerifiedChains {
		chain, err := parseDERs(ders)
		if err != nil {
			return false
		}
		chains = append(chains, chain)
	}
	c.result.PeerCertificates = certs
	c.result.VerifiedChains = chains
	c.result.SignatureScheme = st.PeerSignatureScheme
	c.result.OCSPResponse = st.OCSPResponse
	c.result.SCTs = st.SCTs
	return true
}

// recordPeer keeps in st what c.result says of the peer's authentication
// and the key exchange, for restorePeer to report on resumption. A
// session made by a resumption keeps the time of the full handshake that
// authenticated the peer.
func recordPeer(c *Conn, st *SessionState) {
	if c.resumed != nil {
		st.AuthenticatedAt = c.resumed.AuthenticatedAt
	}
	r := &c.result
	st.PeerCertificates, st.VerifiedChains = peerDERs(r)
	st.Group = r.Group
	st.PeerSignatureScheme = r.SignatureScheme
	st.OCSPResponse = r.OCSPResponse
	st.SCTs = r.SCTs
}

// parseDERs parses DER certificates.
func parseDERs(ders [][]byte) ([]*x509.Certificate, error) {
	if len(ders) == 0 {
		return nil, nil
	}
	out := make([]*x509.Certificate, len(ders))
	for i, der := range ders {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		out[i] = cert
	}
	return out, nil
}

// peerDERs returns the DER forms of the peer's certificates and verified
// chains, to keep in a session state.
func peerDERs(r *Result) ([][]byte, [][][]byte) {
	var certs [][]byte
	for _, cert := range r.PeerCertificates {
		certs = append(certs, cert.Raw)
	}
	var chains [][][]byte
	for _, chain := range r.VerifiedChains {
		var ders [][]byte
		for _, cert := range chain {
			ders = append(ders, cert.Raw)
		}
		chains = append(chains, ders)
	}
	return certs, chains
}

// clientLeafValid reports whether the server certificate of a cached
// client session is still valid at now, so that resuming does not extend
// trust in an expired certificate. Unverified sessions have nothing to
// check.
func clientLeafValid(st *SessionState, now time.Time) bool {
	if len(st.VerifiedChains) == 0 || now.IsZero() {
		return true
	}
	for _, der := range st.VerifiedChains[0] {
		cert, err := x509.ParseCertificate(der)
		if err != nil || now.After(cert.NotAfter) || now.Before(cert.NotBefore) {
			return false
		}
	}
	return true
}

// loadClientSession returns the cached session for this connection when
// it can be offered at now: a client session of a version we offer, for
// the server name we ask for, fresh, with a certificate still valid.
func loadClientSession(c *Conn, versions []wire.Version) *SessionState {
	cache := c.cfg.ClientSessions
	if cache == nil {
		return nil
	}
	raw, ok := cache.Get(c.cfg.SessionKey)
	if !ok {
		return nil
	}
	st, err := ParseSessionState(raw)
	now := c.cfg.now()
	switch {
	case err != nil || !st.Client || !slices.Contains(versions, st.Version):
		return nil
	case st.ServerName != clientServerName(c.cfg.ServerName):
		return nil
	case !sessionFresh(st, now) || !clientLeafValid(st, now):
		cache.Put(c.cfg.SessionKey, nil)
		return nil
	}
	return st
}

// storeClientSession keeps st in the client's session cache.
func storeClientSession(c *Conn, st *SessionState) {
	if c.cfg.ClientSessions == nil {
		return
	}
	raw, err := st.Marshal()
	if err != nil {
		c.trace("resumption", "session not cached: %v", err)
		return
	}
	c.cfg.ClientSessions.Put(c.cfg.SessionKey, raw)
}

// earlyDataKey is the store key of the single-use record that lets one
// connection, and only one, send 0-RTT data with the ticket id.
func earlyDataKey(id []byte) string { return "0rtt:" + hex.EncodeToString(id) }

// sessionIDKey is the store key of a TLS 1.2 session by its session ID.
func sessionIDKey(id []byte) string { return "sid:" + hex.EncodeToString(id) }
