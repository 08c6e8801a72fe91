package handshake

import (
	"errors"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// This file holds the binary encoding of a resumable session. A server
// seals it into a ticket or keeps it in its session store; a client keeps
// it in its session cache. The encoding is versioned so that a fleet can
// roll out a new format while old tickets are still in flight.

// sessionStateFormat is the format version written first in every
// encoded session state. Format 2 appends the group, the peer's signature
// scheme, OCSP response and SCTs to format 1, which still parses (with
// those empty) so that sessions issued before an upgrade stay resumable.
const (
	sessionStateFormat   = 2
	sessionStateFormatV1 = 1
)

// maxSessionState bounds an encoded session state. A server's ticket must
// fit the 16-bit ticket field with room for the sealing overhead; a
// client's entry holds the server's chains, which are larger.
const maxSessionState = 1 << 20

// Role bytes of an encoded session state.
const (
	sessionRoleServer = 0
	sessionRoleClient = 1
)

// Flag bits of an encoded session state.
const (
	sessionFlagEMS = 1 << iota
)

// SessionState is what one side keeps of a completed handshake so that a
// later handshake can resume it: the negotiated version and suite, the
// secret to resume from, when and for how long it is valid, what was
// negotiated on top, and the peer's certificates.
type SessionState struct {
	// Client says whether the client (true) or the server keeps it.
	Client bool
	// Version is the protocol version of the session.
	Version wire.Version
	// CipherSuite is the suite of the session. TLS 1.3 resumes with any
	// suite of the same hash; TLS 1.2 resumes with this suite only.
	CipherSuite wire.CipherSuite
	// Secret is, in TLS 1.3, the PSK derived from the
	// resumption_master_secret and the ticket nonce (RFC 8446, Section
	// 4.6.1) and, in TLS 1.2, the master secret.
	Secret []byte
	// ExtendedMasterSecret says the TLS 1.2 master secret is the
	// extended one (RFC 7627).
	ExtendedMasterSecret bool
	// CreatedAt is when the ticket was issued (server) or received
	// (client), to millisecond precision. Ticket ages count from it.
	CreatedAt time.Time
	// AuthenticatedAt is when the full handshake that authenticated the
	// peer took place; resumptions do not move it.
	AuthenticatedAt time.Time
	// Lifetime is how long, in seconds, the session may be resumed after
	// CreatedAt.
	Lifetime uint32
	// AgeAdd is the TLS 1.3 ticket_age_add (RFC 8446, Section 4.6.1).
	AgeAdd uint32
	// MaxEarlyData is the max_early_data_size the ticket allows, or 0
	// when it allows no 0-RTT data (RFC 8446, Section 4.2.10).
	MaxEarlyData uint32
	// ALPN is the application protocol negotiated in the session.
	ALPN string
	// ServerName is the server name (SNI) of the session.
	ServerName string
	// PeerCertificates holds the peer's certificate chain in DER, leaf
	// first, as it was received.
	PeerCertificates [][]byte
	// VerifiedChains holds the chains that verified the peer, in DER;
	// empty when the peer's certificate was not verified.
	VerifiedChains [][][]byte
	// TicketID identifies a server's ticket for the single-use records of
	// 0-RTT anti-replay.
	TicketID []byte
	// Ticket is, on a client, the ticket to present: the TLS 1.3 PSK
	// identity or the TLS 1.2 session_ticket.
	Ticket []byte
	// SessionID is, on a TLS 1.2 client, the session ID to present.
	SessionID []byte
	// Group is the key exchange group of the handshake that made the
	// session. A resumed TLS 1.2 session reports it again (it runs no key
	// exchange of its own); TLS 1.3 reports the group of each handshake.
	Group wire.Group
	// PeerSignatureScheme is the scheme the peer signed with in the full
	// handshake that authenticated it, or 0; resumptions report it again.
	PeerSignatureScheme wire.SignatureScheme
	// OCSPResponse is, on a client, the OCSP response the server stapled
	// in the full handshake, reported again on resumption.
	OCSPResponse []byte
	// SCTs are, on a client, the signed certificate timestamps the server
	// sent in the full handshake, reported again on resumption.
	SCTs [][]byte
}

// Marshal encodes the session state.
func (s *SessionState) Marshal() ([]byte, error) {
	var b cryptobyte.Builder
	b.AddUint16(sessionStateFormat)
	role := uint8(sessionRoleServer)
	if s.Client {
		role = sessionRoleClient
	}
	b.AddUint8(role)
	b.AddUint16(uint16(s.Version))
	b.AddUint16(uint16(s.CipherSuite))
	var flags uint8
	if s.ExtendedMasterSecret {
		flags |= sessionFlagEMS
	}
	b.AddUint8(flags)
	b.AddUint64(uint64(s.CreatedAt.UnixMilli()))
	b.AddUint64(uint64(s.AuthenticatedAt.UnixMilli()))
	b.AddUint32(s.Lifetime)
	b.AddUint32(s.AgeAdd)
	b.AddUint32(s.MaxEarlyData)
	addSessionBytes8(&b, s.Secret)
	addSessionBytes8(&b, []byte(s.ALPN))
	addSessionBytes8(&b, []byte(s.ServerName))
	addSessionBytes8(&b, s.TicketID)
	addSessionBytes8(&b, s.SessionID)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(s.Ticket) })
	addCertList(&b, s.PeerCertificates)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, chain := range s.VerifiedChains {
			addCertList(b, chain)
		}
	})
	b.AddUint16(uint16(s.Group))
	b.AddUint16(uint16(s.PeerSignatureScheme))
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(s.OCSPResponse) })
	addCertList(&b, s.SCTs)
	out, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	if len(out) > maxSessionState {
		return nil, errors.New("tls: session state too large")
	}
	return out, nil
}

// addSessionBytes8 writes b with a one-byte length, failing the builder
// when it does not fit.
func addSessionBytes8(b *cryptobyte.Builder, v []byte) {
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(v) })
}

// addCertList writes DER certificates (or other non-empty items, such as
// SCTs) as a 24-bit list of 24-bit entries, each at least one byte.
func addCertList(b *cryptobyte.Builder, certs [][]byte) {
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, der := range certs {
			if len(der) == 0 {
				b.SetError(errors.New("empty certificate in session state"))
				return
			}
			b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(der) })
		}
	})
}

// errBadSessionState is returned for any encoding ParseSessionState
// cannot read: session states come from tickets, stores and caches, and
// the caller treats every failure the same, as no session.
var errBadSessionState = errors.New("tls: malformed session state")

// ParseSessionState decodes a session state written by Marshal. The
// result owns its memory.
func ParseSessionState(data []byte) (*SessionState, error) {
	if len(data) > maxSessionState {
		return nil, errBadSessionState
	}
	s := cryptobyte.String(data)
	var format uint16
	var role, flags uint8
	var version, suite uint16
	var created, authenticated uint64
	st := &SessionState{}
	if !s.ReadUint16(&format) || (format != sessionStateFormat && format != sessionStateFormatV1) ||
		!s.ReadUint8(&role) || role > sessionRoleClient ||
		!s.ReadUint16(&version) || !s.ReadUint16(&suite) ||
		!s.ReadUint8(&flags) || flags&^sessionFlagEMS != 0 ||
		!s.ReadUint64(&created) || !s.ReadUint64(&authenticated) ||
		!s.ReadUint32(&st.Lifetime) || !s.ReadUint32(&st.AgeAdd) || !s.ReadUint32(&st.MaxEarlyData) {
		return nil, errBadSessionState
	}
	st.Client = role == sessionRoleClient
	st.Version = wire.Version(version)
	st.CipherSuite = wire.CipherSuite(suite)
	st.ExtendedMasterSecret = flags&sessionFlagEMS != 0
	st.CreatedAt = time.UnixMilli(int64(created))
	st.AuthenticatedAt = time.UnixMilli(int64(authenticated))
	if err := parseSessionFields(&s, st); err != nil {
		return nil, err
	}
	if format == sessionStateFormat {
		if err := parseSessionFieldsV2(&s, st); err != nil {
			return nil, err
		}
	}
	if !s.Empty() {
		return nil, errBadSessionState
	}
	return st, nil
}

// parseSessionFields reads the variable-length fields of format 1.
func parseSessionFields(s *cryptobyte.String, st *SessionState) error {
	var secret, alpn, name, ticketID, sessionID, ticket cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&secret) || len(secret) == 0 ||
		!s.ReadUint8LengthPrefixed(&alpn) || !s.ReadUint8LengthPrefixed(&name) ||
		!s.ReadUint8LengthPrefixed(&ticketID) ||
		!s.ReadUint8LengthPrefixed(&sessionID) || len(sessionID) > 32 ||
		!s.ReadUint16LengthPrefixed(&ticket) {
		return errBadSessionState
	}
	st.Secret = cloneBytes(secret)
	st.ALPN = string(alpn)
	st.ServerName = string(name)
	st.TicketID = cloneBytes(ticketID)
	st.SessionID = cloneBytes(sessionID)
	st.Ticket = cloneBytes(ticket)
	var err error
	if st.PeerCertificates, err = readCertList(s); err != nil {
		return err
	}
	var chains cryptobyte.String
	if !s.ReadUint24LengthPrefixed(&chains) {
		return errBadSessionState
	}
	for !chains.Empty() {
		chain, err := readCertList(&chains)
		if err != nil || len(chain) == 0 {
			return errBadSessionState
		}
		st.VerifiedChains = append(st.VerifiedChains, chain)
	}
	return nil
}

// parseSessionFieldsV2 reads the fields format 2 adds.
func parseSessionFieldsV2(s *cryptobyte.String, st *SessionState) error {
	var group, scheme uint16
	var ocsp cryptobyte.String
	if !s.ReadUint16(&group) || !s.ReadUint16(&scheme) || !s.ReadUint24LengthPrefixed(&ocsp) {
		return errBadSessionState
	}
	st.Group = wire.Group(group)
	st.PeerSignatureScheme = wire.SignatureScheme(scheme)
	st.OCSPResponse = cloneBytes(ocsp)
	var err error
	st.SCTs, err = readCertList(s)
	return err
}

// readCertList reads a list written by addCertList.
func readCertList(s *cryptobyte.String) ([][]byte, error) {
	var list cryptobyte.String
	if !s.ReadUint24LengthPrefixed(&list) {
		return nil, errBadSessionState
	}
	var certs [][]byte
	for !list.Empty() {
		var der cryptobyte.String
		if !list.ReadUint24LengthPrefixed(&der) || len(der) == 0 {
			return nil, errBadSessionState
		}
		certs = append(certs, cloneBytes(der))
	}
	return certs, nil
}

// cloneBytes returns a copy of b, or nil when b is empty.
func cloneBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

// expiresAt returns when the session stops being resumable.
func (s *SessionState) expiresAt() time.Time {
	return s.CreatedAt.Add(time.Duration(s.Lifetime) * time.Second)
}
