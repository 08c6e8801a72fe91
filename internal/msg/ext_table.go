package msg

import (
	"slices"

	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// place is a set of the extension blocks an extension may appear in.
type place uint8

// The extension blocks of RFC 8446, Section 4.2 (and their TLS 1.2
// counterparts in ClientHello and ServerHello).
const (
	inCH  place = 1 << iota // ClientHello
	inSH                    // ServerHello
	inHRR                   // HelloRetryRequest
	inEE                    // EncryptedExtensions
	inCT                    // CertificateEntry of a TLS 1.3 Certificate
	inCR                    // TLS 1.3 CertificateRequest
	inNST                   // TLS 1.3 NewSessionTicket
)

// String names the message that owns the block.
func (p place) String() string {
	switch p {
	case inCH:
		return "client_hello"
	case inSH:
		return "server_hello"
	case inHRR:
		return "hello_retry_request"
	case inEE:
		return "encrypted_extensions"
	case inCT:
		return "certificate"
	case inCR:
		return "certificate_request"
	case inNST:
		return "new_session_ticket"
	}
	return "unknown message"
}

// extParser decodes one extension body into m. It must consume the whole
// body; errMalformed becomes a decode_error naming the extension.
type extParser[T any] func(m T, body *cryptobyte.String) error

// extWriter returns the continuation that writes the extension body for
// m, or nil when m does not carry the extension.
type extWriter[T any] func(m T) cryptobyte.BuilderContinuation

// extRule declares one known extension: where it may appear in TLS 1.3
// and in TLS 1.2, and how it is parsed and written in each message.
// A nil parser means the body is not interpreted (the extension is only
// listed); a nil writer means gotls never sends it in that message.
type extRule struct {
	typ          wire.ExtensionType
	tls13, tls12 place

	ch     extParser[*ClientHello]
	chOut  extWriter[*ClientHello]
	sh     extParser[*ServerHello] // also HelloRetryRequest
	shOut  extWriter[*ServerHello]
	ee     extParser[*EncryptedExtensions]
	eeOut  extWriter[*EncryptedExtensions]
	ct     extParser[*CertificateEntry]
	ctOut  extWriter[*CertificateEntry]
	cr     extParser[*CertificateRequest]
	crOut  extWriter[*CertificateRequest]
	nst    extParser[*NewSessionTicket]
	nstOut extWriter[*NewSessionTicket]
}

// extRules is the table of known extensions (RFC 8446, Section 4.2, and
// the TLS 1.2 extension RFCs). Marshal writes extensions in table order,
// which keeps pre_shared_key last (RFC 8446, Section 4.2.11).
var extRules = [...]extRule{
	{typ: wire.ExtServerName, tls13: inCH | inEE, tls12: inCH | inSH,
		ch: parseCHServerName, chOut: writeCHServerName,
		sh: parseSHServerNameAck, shOut: writeSHServerNameAck,
		ee: parseEEServerNameAck, eeOut: writeEEServerNameAck},
	{typ: wire.ExtStatusRequest, tls13: inCH | inCR | inCT, tls12: inCH | inSH,
		ch: parseCHStatusRequest, chOut: writeCHStatusRequest,
		sh: parseSHStatusRequest, shOut: writeSHStatusRequest,
		ct: parseCTStatusRequest, ctOut: writeCTStatusRequest},
	// Some TLS 1.2 servers echo supported_groups in their ServerHello;
	// RFC 5246, Section 7.4.1.4 allows any extension the client sent, so
	// it is listed there (not parsed). TLS 1.3 forbids it (RFC 8446, Section 4.2).
	{typ: wire.ExtSupportedGroups, tls13: inCH | inEE, tls12: inCH | inSH,
		ch: parseCHSupportedGroups, chOut: writeCHSupportedGroups,
		ee: parseEESupportedGroups, eeOut: writeEESupportedGroups},
	{typ: wire.ExtECPointFormats, tls13: inCH, tls12: inCH | inSH,
		ch: parseCHPointFormats, chOut: writeCHPointFormats,
		sh: parseSHPointFormats, shOut: writeSHPointFormats},
	{typ: wire.ExtSignatureAlgorithms, tls13: inCH | inCR, tls12: inCH,
		ch: parseCHSignatureAlgorithms, chOut: writeCHSignatureAlgorithms,
		cr: parseCRSignatureAlgorithms, crOut: writeCRSignatureAlgorithms},
	{typ: wire.ExtALPN, tls13: inCH | inEE, tls12: inCH | inSH,
		ch: parseCHALPN, chOut: writeCHALPN,
		sh: parseSHALPN, shOut: writeSHALPN,
		ee: parseEEALPN, eeOut: writeEEALPN},
	{typ: wire.ExtSignedCertificateTimestamp, tls13: inCH | inCR | inCT, tls12: inCH | inSH,
		ch: parseCHSCTs, chOut: writeCHSCTs,
		sh: parseSHSCTs, shOut: writeSHSCTs,
		ct: parseCTSCTs, ctOut: writeCTSCTs},
	{typ: wire.ExtPadding, tls13: inCH, tls12: inCH},
	{typ: wire.ExtExtendedMasterSecret, tls13: inCH, tls12: inCH | inSH,
		ch: parseCHExtendedMasterSecret, chOut: writeCHExtendedMasterSecret,
		sh: parseSHExtendedMasterSecret, shOut: writeSHExtendedMasterSecret},
	{typ: wire.ExtSessionTicket, tls13: inCH, tls12: inCH | inSH,
		ch: parseCHSessionTicket, chOut: writeCHSessionTicket,
		sh: parseSHSessionTicket, shOut: writeSHSessionTicket},
	{typ: wire.ExtSupportedVersions, tls13: inCH | inSH | inHRR, tls12: inCH,
		ch: parseCHSupportedVersions, chOut: writeCHSupportedVersions,
		sh: parseSHSupportedVersion, shOut: writeSHSupportedVersion},
	{typ: wire.ExtCookie, tls13: inCH | inHRR, tls12: inCH,
		ch: tls13Only(wire.ExtCookie, parseCHCookie), chOut: writeCHCookie,
		sh: parseSHCookie, shOut: writeSHCookie},
	{typ: wire.ExtPSKKeyExchangeModes, tls13: inCH, tls12: inCH,
		ch: tls13Only(wire.ExtPSKKeyExchangeModes, parseCHPSKModes), chOut: writeCHPSKModes},
	{typ: wire.ExtEarlyData, tls13: inCH | inEE | inNST, tls12: inCH,
		ch: tls13Only(wire.ExtEarlyData, parseCHEarlyData), chOut: writeCHEarlyData,
		ee: parseEEEarlyData, eeOut: writeEEEarlyData,
		nst: parseNSTEarlyData, nstOut: writeNSTEarlyData},
	{typ: wire.ExtCertificateAuthorities, tls13: inCH | inCR, tls12: inCH,
		ch: tls13Only(wire.ExtCertificateAuthorities, parseCHCertificateAuthorities), chOut: writeCHCertificateAuthorities,
		cr: parseCRCertificateAuthorities, crOut: writeCRCertificateAuthorities},
	{typ: wire.ExtOIDFilters, tls13: inCR},
	{typ: wire.ExtPostHandshakeAuth, tls13: inCH, tls12: inCH,
		ch: tls13Only(wire.ExtPostHandshakeAuth, parseCHPostHandshakeAuth), chOut: writeCHPostHandshakeAuth},
	{typ: wire.ExtSignatureAlgorithmsCert, tls13: inCH | inCR, tls12: inCH,
		ch: parseCHSignatureAlgorithmsCert, chOut: writeCHSignatureAlgorithmsCert,
		cr: parseCRSignatureAlgorithmsCert, crOut: writeCRSignatureAlgorithmsCert},
	{typ: wire.ExtKeyShare, tls13: inCH | inSH | inHRR, tls12: inCH,
		ch: tls13Only(wire.ExtKeyShare, parseCHKeyShares), chOut: writeCHKeyShares,
		sh: parseSHKeyShare, shOut: writeSHKeyShare},
	{typ: wire.ExtRenegotiationInfo, tls13: inCH, tls12: inCH | inSH,
		ch: parseCHRenegotiationInfo, chOut: writeCHRenegotiationInfo,
		sh: parseSHRenegotiationInfo, shOut: writeSHRenegotiationInfo},
	// pre_shared_key stays the last row (RFC 8446, Section 4.2.11).
	{typ: wire.ExtPreSharedKey, tls13: inCH | inSH, tls12: inCH,
		ch: tls13Only(wire.ExtPreSharedKey, parseCHPreSharedKey), chOut: writeCHPreSharedKey,
		sh: parseSHPreSharedKey, shOut: writeSHPreSharedKey},
}

// ruleFor returns the table row for typ, or nil for an extension gotls
// does not know.
func ruleFor(typ wire.ExtensionType) *extRule {
	for i := range extRules {
		if extRules[i].typ == typ {
			return &extRules[i]
		}
	}
	return nil
}

// allowed reports whether the extension may appear in block p for
// version v; v == 0 means "in some version".
func (r *extRule) allowed(p place, v wire.Version) bool {
	switch v {
	case 0:
		return (r.tls13|r.tls12)&p != 0
	case wire.VersionTLS13:
		return r.tls13&p != 0
	}
	return r.tls12&p != 0
}

// Pickers select one message's column of the table.
func chParser(r *extRule) extParser[*ClientHello]         { return r.ch }
func chWriter(r *extRule) extWriter[*ClientHello]         { return r.chOut }
func shParser(r *extRule) extParser[*ServerHello]         { return r.sh }
func shWriter(r *extRule) extWriter[*ServerHello]         { return r.shOut }
func eeParser(r *extRule) extParser[*EncryptedExtensions] { return r.ee }
func eeWriter(r *extRule) extWriter[*EncryptedExtensions] { return r.eeOut }
func ctParser(r *extRule) extParser[*CertificateEntry]    { return r.ct }
func ctWriter(r *extRule) extWriter[*CertificateEntry]    { return r.ctOut }
func crParser(r *extRule) extParser[*CertificateRequest]  { return r.cr }
func crWriter(r *extRule) extWriter[*CertificateRequest]  { return r.crOut }
func nstParser(r *extRule) extParser[*NewSessionTicket]   { return r.nst }
func nstWriter(r *extRule) extWriter[*NewSessionTicket]   { return r.nstOut }

// readExtensions decodes the extension block of a message of kind where
// into m and returns every extension type in received order, known or
// not. It enforces the rules that hold for every version: no duplicates,
// and no known extension in a block where no version allows it. Unknown
// extensions are listed and skipped.
func readExtensions[T any](block cryptobyte.String, where place, m T, pick func(*extRule) extParser[T]) ([]wire.ExtensionType, error) {
	var types []wire.ExtensionType
	var seen map[wire.ExtensionType]bool // built only for long blocks
	for !block.Empty() {
		var code uint16
		var body cryptobyte.String
		if !block.ReadUint16(&code) || !block.ReadUint16LengthPrefixed(&body) {
			return nil, decodeError("extension block of " + where.String())
		}
		typ := wire.ExtensionType(code)
		if isDuplicate(types, &seen, typ) { // RFC 8446, Section 4.2: at most one extension of each type per block.
			return nil, wire.Fatalf(wire.AlertDecodeError, "duplicate %s in %s", typ, where)
		}
		types = append(types, typ)
		if err := readExtension(typ, &body, where, m, pick); err != nil {
			return nil, err
		}
	}
	return types, nil
}

// isDuplicate reports whether typ is already in types, the extensions
// read so far. Short blocks are scanned; from 16 entries on, a set is
// kept in *seen so that hostile blocks cost linear time.
func isDuplicate(types []wire.ExtensionType, seen *map[wire.ExtensionType]bool, typ wire.ExtensionType) bool {
	const scanLimit = 16
	if len(types) < scanLimit {
		return slices.Contains(types, typ)
	}
	if *seen == nil {
		*seen = make(map[wire.ExtensionType]bool, 2*scanLimit)
		for _, t := range types {
			(*seen)[t] = true
		}
	}
	if (*seen)[typ] {
		return true
	}
	(*seen)[typ] = true
	return false
}

// readExtension checks the placement of one extension and parses its body
// when gotls knows it.
func readExtension[T any](typ wire.ExtensionType, body *cryptobyte.String, where place, m T, pick func(*extRule) extParser[T]) error {
	r := ruleFor(typ)
	if r == nil {
		return nil
	}
	if !r.allowed(where, 0) { // RFC 8446, Section 4.2: a known extension in the wrong message is illegal_parameter.
		return wire.Fatalf(wire.AlertIllegalParameter, "%s extension is not allowed in %s", typ, where)
	}
	parse := pick(r)
	if parse == nil {
		return nil
	}
	if err := parse(m, body); err != nil {
		if err == errMalformed {
			return wire.Fatalf(wire.AlertDecodeError, "malformed %s extension in %s", typ, where)
		}
		return err
	}
	if !body.Empty() {
		return wire.Fatalf(wire.AlertDecodeError, "trailing bytes in %s extension in %s", typ, where)
	}
	return nil
}

// pendingExt is one extension that Marshal is about to write.
type pendingExt struct {
	typ  wire.ExtensionType
	body cryptobyte.BuilderContinuation
}

// collectExtensions returns, in table order, the extensions m carries in
// a block of kind where.
func collectExtensions[T any](where place, m T, pick func(*extRule) extWriter[T]) []pendingExt {
	var out []pendingExt
	for i := range extRules {
		r := &extRules[i]
		w := pick(r)
		if w == nil || !r.allowed(where, 0) {
			continue
		}
		if body := w(m); body != nil {
			out = append(out, pendingExt{typ: r.typ, body: body})
		}
	}
	return out
}

// addExtensions writes a 2-byte length-prefixed extension block.
func addExtensions(b *cryptobyte.Builder, exts []pendingExt) {
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, e := range exts {
			b.AddUint16(uint16(e.typ))
			b.AddUint16LengthPrefixed(e.body)
		}
	})
}

// typesOf lists the types of exts, or nil when there are none.
func typesOf(exts []pendingExt) []wire.ExtensionType {
	if len(exts) == 0 {
		return nil
	}
	out := make([]wire.ExtensionType, len(exts))
	for i, e := range exts {
		out[i] = e.typ
	}
	return out
}

// CheckAllowed reports, as an illegal_parameter error, the first known
// extension in exts that may not appear in a message of type where for
// the given version (RFC 8446, Section 4.2). hrr selects the
// HelloRetryRequest column for a ServerHello. Version 0 means "any
// version"; wire.VersionTLS13 selects the TLS 1.3 rules and every other
// value the TLS 1.2 rules. Unknown extensions are not reported: whether
// one was solicited is the handshake's decision.
func CheckAllowed(where wire.HandshakeType, hrr bool, version wire.Version, exts []wire.ExtensionType) error {
	p := placeOf(where, hrr)
	for _, typ := range exts {
		r := ruleFor(typ)
		if r == nil {
			continue
		}
		if p == 0 || !r.allowed(p, version) { // RFC 8446, Section 4.2
			return wire.Fatalf(wire.AlertIllegalParameter, "%s extension is not allowed in %s for %s", typ, where, version)
		}
	}
	return nil
}

// placeOf maps a handshake message type to its extension block kind, or
// 0 for messages without extensions.
func placeOf(t wire.HandshakeType, hrr bool) place {
	switch t {
	case wire.HandshakeClientHello:
		return inCH
	case wire.HandshakeServerHello:
		if hrr {
			return inHRR
		}
		return inSH
	case wire.HandshakeEncryptedExtensions:
		return inEE
	case wire.HandshakeCertificate:
		return inCT
	case wire.HandshakeCertificateRequest:
		return inCR
	case wire.HandshakeNewSessionTicket:
		return inNST
	}
	return 0
}

// writeNothing writes an empty extension body.
func writeNothing(*cryptobyte.Builder) {}

// flag returns an empty-body writer when set is true, and nil otherwise.
func flag(set bool) cryptobyte.BuilderContinuation {
	if set {
		return writeNothing
	}
	return nil
}
