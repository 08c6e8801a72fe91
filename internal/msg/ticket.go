package msg

import (
	"errors"

	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// NewSessionTicket hands the client a ticket for resumption (RFC 8446,
// Section 4.6.1; RFC 5077, Section 3.3). TLS13 selects the form; the
// TLS 1.2 form has only Lifetime (ticket_lifetime_hint) and Ticket.
type NewSessionTicket struct {
	// Raw is the complete message as received or last marshaled.
	Raw []byte
	// TLS13 selects the TLS 1.3 form; Parse sets it from its version.
	TLS13 bool
	// Lifetime is ticket_lifetime (TLS 1.3) or ticket_lifetime_hint
	// (TLS 1.2), in seconds.
	Lifetime uint32
	// AgeAdd is ticket_age_add (TLS 1.3 only).
	AgeAdd uint32
	// Nonce is ticket_nonce (TLS 1.3 only).
	Nonce []byte
	// Ticket is the opaque ticket; at least one byte in TLS 1.3, possibly
	// empty in TLS 1.2.
	Ticket []byte
	// MaxEarlyData is max_early_data_size from early_data, or 0.
	MaxEarlyData uint32
	// Extensions lists every extension type in received order, known or
	// not (TLS 1.3 only).
	Extensions []wire.ExtensionType
}

// Type returns wire.HandshakeNewSessionTicket.
func (m *NewSessionTicket) Type() wire.HandshakeType { return wire.HandshakeNewSessionTicket }

func (m *NewSessionTicket) unmarshal(raw []byte) error {
	*m = NewSessionTicket{Raw: raw, TLS13: m.TLS13}
	s := bodyOf(raw)
	if !m.TLS13 {
		if !s.ReadUint32(&m.Lifetime) || !readUint16Bytes(&s, &m.Ticket, 0) || !s.Empty() {
			return decodeError("new_session_ticket")
		}
		return nil
	}
	var block cryptobyte.String
	if !s.ReadUint32(&m.Lifetime) || !s.ReadUint32(&m.AgeAdd) ||
		!readUint8Bytes(&s, &m.Nonce, 0) ||
		!readUint16Bytes(&s, &m.Ticket, 1) || // RFC 8446, Section 4.6.1: ticket<1..2^16-1>.
		!s.ReadUint16LengthPrefixed(&block) || !s.Empty() {
		return decodeError("new_session_ticket")
	}
	exts, err := readExtensions(block, inNST, m, nstParser)
	m.Extensions = exts
	return err
}

// Marshal returns the complete NewSessionTicket in the form TLS13 selects
// and sets Raw (and Extensions, in TLS 1.3) to what was written.
func (m *NewSessionTicket) Marshal() ([]byte, error) {
	var exts []pendingExt
	if m.TLS13 {
		exts = collectExtensions(inNST, m, nstWriter)
	}
	out, err := marshalMessage(wire.HandshakeNewSessionTicket, func(b *cryptobyte.Builder) {
		b.AddUint32(m.Lifetime)
		if !m.TLS13 {
			addUint16Bytes(b, m.Ticket)
			return
		}
		if len(m.Ticket) == 0 {
			b.SetError(errors.New("empty ticket"))
			return
		}
		b.AddUint32(m.AgeAdd)
		addUint8Bytes(b, m.Nonce)
		addUint16Bytes(b, m.Ticket)
		addExtensions(b, exts)
	})
	if err != nil {
		return nil, err
	}
	m.Raw, m.Extensions = out, typesOf(exts)
	return out, nil
}
