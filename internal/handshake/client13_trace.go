package handshake

import (
	"fmt"
	"strings"

	"gotls/internal/msg"
	"gotls/internal/wire"
)

// traceClientHello explains the first ClientHello.
func traceClientHello(c *Conn, o *clientOffer) {
	if c.cfg.Trace == nil {
		return
	}
	ch := o.hello
	var shares []string
	for _, ks := range ch.KeyShares {
		shares = append(shares, fmt.Sprintf("%s (%d bytes)", ks.Group, len(ks.Data)))
	}
	sni := ch.ServerName
	if sni == "" {
		sni = "(none)"
	}
	alpn := "none"
	if len(ch.ALPNProtocols) > 0 {
		alpn = strings.Join(ch.ALPNProtocols, ", ")
	}
	why := "AES-GCM first: this CPU has AES-GCM instructions"
	if !hasAESGCMHardware() {
		why = "ChaCha20-Poly1305 first: this CPU lacks AES-GCM instructions"
	}
	if len(c.cfg.CipherSuites) > 0 {
		why = "from the configured CipherSuites"
	}
	versions := fmt.Sprint(ch.SupportedVersions)
	if len(ch.SupportedVersions) == 0 {
		versions = "legacy_version TLSv1.2 only (no supported_versions extension)"
	}
	if len(shares) == 0 {
		shares = []string{"none (TLS 1.2 sends its share later, in ClientKeyExchange)"}
	}
	session := "no legacy_session_id"
	if len(ch.SessionID) > 0 {
		session = fmt.Sprintf("%d-byte random legacy_session_id for middlebox compatibility", len(ch.SessionID))
	}
	c.trace("send ClientHello", "versions %s; cipher suites %v (%s); groups %v; key shares %s; server_name %s; ALPN %s; signature algorithms %v; %s",
		versions, ch.CipherSuites, why, ch.SupportedGroups, strings.Join(shares, ", "),
		sni, alpn, ch.SignatureAlgorithms, session)
}

// traceRetry explains a HelloRetryRequest.
func traceRetry(c *Conn, hrr *msg.ServerHello) {
	if !c.tracing() {
		return
	}
	c.trace("receive HelloRetryRequest", "server chose %s and asks for a new ClientHello with %s",
		hrr.CipherSuite, describeRetryChange(hrr))
}

// describeRetryChange says what a HelloRetryRequest asks to change.
func describeRetryChange(hrr *msg.ServerHello) string {
	var parts []string
	if hrr.SelectedGroup != 0 {
		parts = append(parts, fmt.Sprintf("a key share for %s (none of our key shares was acceptable)", hrr.SelectedGroup))
	}
	if len(hrr.Cookie) > 0 {
		parts = append(parts, fmt.Sprintf("its %d-byte cookie echoed", len(hrr.Cookie)))
	}
	return strings.Join(parts, " and ")
}

// traceServerHello explains what the server chose.
func traceServerHello(c *Conn, o *clientOffer, sh *msg.ServerHello, sharedLen int) {
	if c.cfg.Trace == nil {
		return
	}
	var offered int
	for _, ks := range o.hello.KeyShares {
		if ks.Group == sh.ServerShare.Group {
			offered = len(ks.Data)
		}
	}
	c.trace("receive ServerHello", "server chose %s, %s and key exchange group %s",
		wire.VersionTLS13, sh.CipherSuite, sh.ServerShare.Group)
	c.trace("key exchange", "%s: our share %d bytes, server share %d bytes, shared secret %d bytes",
		sh.ServerShare.Group, offered, len(sh.ServerShare.Data), sharedLen)
}

// traceEncryptedExtensions explains the server's EncryptedExtensions.
func traceEncryptedExtensions(c *Conn, ee *msg.EncryptedExtensions) {
	if !c.tracing() {
		return
	}
	alpn := "no ALPN protocol"
	if ee.ALPNProtocol != "" {
		alpn = fmt.Sprintf("ALPN protocol %q", ee.ALPNProtocol)
	}
	c.trace("receive EncryptedExtensions", "%s; extensions %v", alpn, ee.Extensions)
}
