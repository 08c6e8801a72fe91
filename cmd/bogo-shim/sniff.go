package main

import (
	"bytes"
	"net"
	"slices"
	"sync"

	"golang.org/x/crypto/cryptobyte"
)

// maxSniff bounds how much of the peer's first flight the sniffer keeps:
// enough for any hello message the runner sends, in several records.
const maxSniff = 1 << 17

// Record and message constants the sniffer needs.
const (
	recordHeaderLen         = 5
	contentTypeAlert        = 21
	contentTypeHandshake    = 22
	alertHandshakeFailure   = 40
	alertProtocolVersion    = 70
	handshakeHeaderLen      = 4
	typeClientHello         = 1
	typeServerHello         = 2
	extSupportedVersions    = 43
	helloRandomLen          = 32
	sniffMaxHandshakeLength = maxSniff
)

// helloSniffer is the transport under the TLS connection. It keeps a copy
// of the first bytes the peer sends, so that after a failed handshake the
// shim can tell whether the peer wanted a version gotls lacks: BoringSSL
// would have negotiated it, gotls cannot, and the test is then
// unimplemented rather than failed.
type helloSniffer struct {
	net.Conn
	mu  sync.Mutex
	buf []byte
}

// Read reads from the transport and keeps a copy of what it read.
func (s *helloSniffer) Read(p []byte) (int, error) {
	n, err := s.Conn.Read(p)
	s.mu.Lock()
	if room := maxSniff - len(s.buf); room > 0 && n > 0 {
		s.buf = append(s.buf, p[:min(n, room)]...)
	}
	s.mu.Unlock()
	return n, err
}

// CloseWrite half-closes the transport when it can.
func (s *helloSniffer) CloseWrite() error {
	if cw, ok := s.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// received returns a copy of what has been read so far.
func (s *helloSniffer) received() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.buf)
}

// firstHandshakeMessage reassembles the first handshake message from the
// start of a TLS byte stream. It returns the message type and body, or
// ok=false when the stream does not start with a complete one.
func firstHandshakeMessage(stream []byte) (typ uint8, body []byte, ok bool) {
	var hs []byte
	s := cryptobyte.String(stream)
	for {
		var ct uint8
		var version uint16
		var fragment cryptobyte.String
		if !s.ReadUint8(&ct) || !s.ReadUint16(&version) || !s.ReadUint16LengthPrefixed(&fragment) {
			return 0, nil, false
		}
		if ct != contentTypeHandshake {
			return 0, nil, false
		}
		hs = append(hs, fragment...)
		m := cryptobyte.String(hs)
		var length uint32
		if !m.ReadUint8(&typ) || !m.ReadUint24(&length) {
			continue
		}
		if int(length) > sniffMaxHandshakeLength {
			return 0, nil, false
		}
		if len(m) >= int(length) {
			return typ, m[:length], true
		}
	}
}

// startsWithAlert reports whether the stream starts with a plaintext
// alert record carrying description desc.
func startsWithAlert(stream []byte, desc uint8) bool {
	s := cryptobyte.String(stream)
	var ct, level, d uint8
	var version uint16
	var body cryptobyte.String
	return s.ReadUint8(&ct) && ct == contentTypeAlert && s.ReadUint16(&version) &&
		s.ReadUint16LengthPrefixed(&body) && body.ReadUint8(&level) && body.ReadUint8(&d) && d == desc
}

// helloVersions are the protocol versions of a hello message: the
// legacy_version field and, if present, the supported_versions extension
// (a list in a ClientHello, the selected version in a ServerHello or
// HelloRetryRequest).
type helloVersions struct {
	legacy    uint16
	supported []uint16
	hasExt    bool
	// suites are the cipher suites of a ClientHello.
	suites []uint16
}

// parseHelloVersions reads the version fields of a ClientHello or a
// ServerHello body.
func parseHelloVersions(typ uint8, body []byte) (helloVersions, bool) {
	var hv helloVersions
	s := cryptobyte.String(body)
	var random []byte
	var sessionID cryptobyte.String
	if !s.ReadUint16(&hv.legacy) || !s.ReadBytes(&random, helloRandomLen) ||
		!s.ReadUint8LengthPrefixed(&sessionID) {
		return hv, false
	}
	if typ == typeClientHello {
		var suites, methods cryptobyte.String
		if !s.ReadUint16LengthPrefixed(&suites) || !s.ReadUint8LengthPrefixed(&methods) {
			return hv, false
		}
		for !suites.Empty() {
			var id uint16
			if !suites.ReadUint16(&id) {
				return hv, false
			}
			hv.suites = append(hv.suites, id)
		}
	} else {
		var suite uint16
		var method uint8
		if !s.ReadUint16(&suite) || !s.ReadUint8(&method) {
			return hv, false
		}
	}
	if s.Empty() {
		return hv, true
	}
	var exts cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&exts) {
		return hv, false
	}
	return hv, readSupportedVersions(&hv, typ, exts)
}

// readSupportedVersions finds supported_versions among the extensions.
func readSupportedVersions(hv *helloVersions, typ uint8, exts cryptobyte.String) bool {
	for !exts.Empty() {
		var ext uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&ext) || !exts.ReadUint16LengthPrefixed(&data) {
			return false
		}
		if ext != extSupportedVersions {
			continue
		}
		hv.hasExt = true
		if typ == typeServerHello {
			var v uint16
			if !data.ReadUint16(&v) {
				return false
			}
			hv.supported = append(hv.supported, v)
			continue
		}
		var list cryptobyte.String
		if !data.ReadUint8LengthPrefixed(&list) {
			return false
		}
		for !list.Empty() {
			var v uint16
			if !list.ReadUint16(&v) {
				return false
			}
			hv.supported = append(hv.supported, v)
		}
	}
	return true
}

// peerWantsMissingVersion reports whether the peer's first message shows
// that BoringSSL, configured as o, would have negotiated a version gotls
// does not implement: a ServerHello selecting one the shim enables, a
// ClientHello whose best version in common with the shim is one, or a
// server refusing our ClientHello outright when the shim enables versions
// BoringSSL would have offered and gotls did not. A protocol_version
// refusal says so plainly; handshake_failure (no TLS 1.0/1.1 suite in our
// offer) is only a hint, trusted on a first connection: on a resumption
// the runner refuses for other reasons too (a ticket age it did not
// expect, for one).
func peerWantsMissingVersion(o *options, stream []byte, isResume bool) bool {
	if !o.server && o.missingVersionEnabled() && (startsWithAlert(stream, alertProtocolVersion) ||
		!isResume && startsWithAlert(stream, alertHandshakeFailure)) {
		return true
	}
	typ, body, ok := firstHandshakeMessage(stream)
	if !ok {
		return false
	}
	want := uint8(typeServerHello)
	if o.server {
		want = typeClientHello
	}
	if typ != want {
		return false
	}
	hv, ok := parseHelloVersions(typ, body)
	if !ok {
		return false
	}
	v := negotiatedByBoringSSL(o, hv)
	return v != 0 && o.versionEnabled(v) && !o.implemented(v)
}

// negotiatedByBoringSSL is the version the hello leads to: the server's
// choice in a ServerHello, and in a ClientHello the highest offered
// version the shim enables (without supported_versions, the client's
// legacy_version capped at TLS 1.2). Zero means none.
func negotiatedByBoringSSL(o *options, hv helloVersions) uint16 {
	if !o.server {
		if hv.hasExt && len(hv.supported) > 0 {
			return hv.supported[0]
		}
		return hv.legacy
	}
	if !hv.hasExt {
		return min(hv.legacy, versionTLS12)
	}
	var best uint16
	for _, v := range hv.supported {
		if o.versionEnabled(v) && v > best {
			best = v
		}
	}
	return best
}

// boringSSLOnlySuites12 are the suites of BoringSSL's default TLS 1.2 list
// that use a certificate and that gotls does not implement.
func boringSSLOnlySuites12() []uint16 {
	return []uint16{
		0xc023, // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
		0xc027, // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
	}
}

// clientOffersMissingSuites reports whether a client's ClientHello offers
// none of the suites gotls would accept but one that BoringSSL, with its
// default list, would: the test needs a suite gotls lacks.
func clientOffersMissingSuites(o *options, stream []byte) bool {
	if !o.server || o.cipherSet {
		return false
	}
	typ, body, ok := firstHandshakeMessage(stream)
	if !ok || typ != typeClientHello {
		return false
	}
	hv, ok := parseHelloVersions(typ, body)
	if !ok {
		return false
	}
	ours := append([]uint16{0x1301, 0x1302, 0x1303}, o.suites...)
	offersOurs := slices.ContainsFunc(hv.suites, func(id uint16) bool { return slices.Contains(ours, id) })
	offersMissing := slices.ContainsFunc(hv.suites, func(id uint16) bool { return slices.Contains(boringSSLOnlySuites12(), id) })
	return !offersOurs && offersMissing
}
