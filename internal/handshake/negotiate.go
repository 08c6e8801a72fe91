package handshake

import (
	"fmt"
	"slices"
	"strings"

	"gotls/internal/kex"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/wire"
)

// This file holds the server's negotiation: version, cipher suite, key
// exchange group and application protocol. Each choice comes back with a
// sentence saying why, for the handshake trace.

// serverVersions lists the versions a server built from cfg may
// negotiate, most preferred first: TLS 1.3 and TLS 1.2 within
// MinVersion and MaxVersion (zero meaning no bound; gotls implements
// nothing older than TLS 1.2).
func serverVersions(cfg *Config) []wire.Version {
	var out []wire.Version
	for _, v := range []wire.Version{wire.VersionTLS13, wire.VersionTLS12} {
		if cfg.MinVersion != 0 && v < cfg.MinVersion {
			continue
		}
		if cfg.MaxVersion != 0 && v > cfg.MaxVersion {
			continue
		}
		out = append(out, v)
	}
	return out
}

// offeredVersions returns the versions a ClientHello offers: the
// supported_versions list when the extension is present, else what
// legacy_version implies (RFC 8446, Appendix D.2), capped at TLS 1.2.
func offeredVersions(ch *msg.ClientHello) []wire.Version {
	if slices.Contains(ch.Extensions, wire.ExtSupportedVersions) {
		return ch.SupportedVersions
	}
	v := min(ch.Version, wire.VersionTLS12)
	var out []wire.Version
	for ; v >= wire.VersionTLS10; v-- {
		out = append(out, v)
	}
	return out
}

// negotiateVersion picks the protocol version for ch: our most preferred
// version that the client offers, TLS 1.3 or TLS 1.2. It returns the
// version and why.
func negotiateVersion(cfg *Config, ch *msg.ClientHello) (wire.Version, string, error) {
	if ch.Version <= wire.VersionSSL30 {
		// RFC 8446, Appendix D.5: legacy_version 0x0300 or less MUST be refused with protocol_version.
		return 0, "", wire.Fatalf(wire.AlertProtocolVersion, "client offered legacy version %v", ch.Version)
	}
	offered := offeredVersions(ch)
	ours := serverVersions(cfg)
	var chosen wire.Version
	for _, v := range ours {
		// RFC 8446, Section 4.2.1: select only a version the client listed.
		if slices.Contains(offered, v) {
			chosen = v
			break
		}
	}
	if chosen == 0 {
		return 0, "", wire.Fatalf(wire.AlertProtocolVersion, "client offered only unsupported versions %v", offered)
	}
	if len(ours) > 0 && chosen < ours[0] && slices.Contains(ch.CipherSuites, wire.TLS_FALLBACK_SCSV) {
		// RFC 7507, Section 3: a fallback to below our best version is refused.
		return 0, "", wire.Fatalf(wire.AlertInappropriateFallback, "client fell back to %v", chosen)
	}
	var why string
	if cfg.tracing() {
		why = fmt.Sprintf("%v: the newest version both sides support (client offered %v)", chosen, versionList(offered))
	}
	switch chosen {
	case wire.VersionTLS13, wire.VersionTLS12:
		// The caller branches to the TLS 1.2 server (server12.go) on VersionTLS12.
		return chosen, why, nil
	default:
		return 0, "", wire.Fatalf(wire.AlertProtocolVersion, "client offered only unsupported versions %v", offered)
	}
}

// versionList formats versions for a trace.
func versionList(vs []wire.Version) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = v.String()
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// suiteChoice is the negotiated TLS 1.3 cipher suite and why it won.
type suiteChoice struct {
	suite *record.Suite
	why   string
}

// serverSuites13 returns the server's TLS 1.3 suite preference for a
// client offering offered, and the reason for its order. AES-GCM comes
// first when this CPU has AES-GCM instructions, unless the client lists
// ChaCha20-Poly1305 before any AES-GCM suite, which means it lacks them.
func serverSuites13(cfg *Config, offered []wire.CipherSuite) ([]wire.CipherSuite, string) {
	aesFirst := []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_AES_256_GCM_SHA384, wire.TLS_CHACHA20_POLY1305_SHA256}
	chachaFirst := []wire.CipherSuite{wire.TLS_CHACHA20_POLY1305_SHA256, wire.TLS_AES_128_GCM_SHA256, wire.TLS_AES_256_GCM_SHA384}
	order, reason := aesFirst, "AES-GCM preferred because this CPU has AES-GCM instructions"
	switch {
	case !hasAESGCMHardware():
		order, reason = chachaFirst, "ChaCha20-Poly1305 preferred because this CPU lacks AES-GCM instructions"
	case peerPrefersChaCha(offered):
		order, reason = chachaFirst, "ChaCha20-Poly1305 preferred because the client lists it first (it likely lacks AES hardware)"
	}
	if allow := tls13Suites(cfg.CipherSuites); len(allow) > 0 {
		order = slices.DeleteFunc(slices.Clone(order), func(s wire.CipherSuite) bool { return !slices.Contains(allow, s) })
		reason += "; limited to the configured suites"
	}
	return order, reason
}

// tls13Suites returns the TLS 1.3 suites in list.
func tls13Suites(list []wire.CipherSuite) []wire.CipherSuite {
	var out []wire.CipherSuite
	for _, s := range list {
		if s.IsTLS13() {
			out = append(out, s)
		}
	}
	return out
}

// peerPrefersChaCha reports whether the first TLS 1.3 suite the client
// lists is ChaCha20-Poly1305.
func peerPrefersChaCha(offered []wire.CipherSuite) bool {
	for _, s := range offered {
		if record.Suite13(s) != nil {
			return s == wire.TLS_CHACHA20_POLY1305_SHA256
		}
	}
	return false
}

// chooseSuite13 picks the first suite of the server's preference that the
// client offers.
func chooseSuite13(cfg *Config, offered []wire.CipherSuite) (suiteChoice, error) {
	order, reason := serverSuites13(cfg, offered)
	for _, id := range order {
		if !slices.Contains(offered, id) {
			continue
		}
		if s := record.Suite13(id); s != nil {
			choice := suiteChoice{suite: s}
			if cfg.tracing() {
				choice.why = fmt.Sprintf("%v: first in server preference that the client offers; %s", id, reason)
			}
			return choice, nil
		}
	}
	return suiteChoice{}, wire.Fatalf(wire.AlertHandshakeFailure, "no tls 1.3 cipher suite in common (client offered %d suites)", len(offered))
}

// groupChoice is the negotiated key exchange group. share is the client's
// key_share data for it, or nil when a HelloRetryRequest must ask for one.
type groupChoice struct {
	group wire.Group
	share []byte
	why   string
}

// serverGroups returns the server's group preference.
func serverGroups(cfg *Config) []wire.Group {
	if len(cfg.CurvePreferences) > 0 {
		return slices.DeleteFunc(slices.Clone(cfg.CurvePreferences), func(g wire.Group) bool { return !kex.Supported(g) })
	}
	return kex.DefaultGroups()
}

// checkKeyShares enforces the key_share rules of RFC 8446, Section 4.2.8
// and the extension pairing of Section 9.2.
func checkKeyShares(ch *msg.ClientHello) error {
	hasGroups := slices.Contains(ch.Extensions, wire.ExtSupportedGroups)
	hasShares := slices.Contains(ch.Extensions, wire.ExtKeyShare)
	if hasGroups != hasShares {
		// RFC 8446, Section 9.2: supported_groups and key_share MUST come together.
		return wire.Fatalf(wire.AlertMissingExtension, "client sent only one of supported_groups and key_share")
	}
	// Sets of group code points keep this linear in the number of shares,
	// which a hostile ClientHello can make large.
	var listed, shared groupSet
	for _, g := range ch.SupportedGroups {
		listed.add(g)
	}
	for _, ks := range ch.KeyShares {
		if !listed.has(ks.Group) {
			// RFC 8446, Section 4.2.8: a share MUST be for a group listed in supported_groups.
			return wire.Fatalf(wire.AlertIllegalParameter, "key share for %v, which supported_groups does not list", ks.Group)
		}
		if shared.has(ks.Group) {
			// RFC 8446, Section 4.2.8: at most one share per group.
			return wire.Fatalf(wire.AlertIllegalParameter, "two key shares for %v", ks.Group)
		}
		shared.add(ks.Group)
	}
	return nil
}

// groupSet is a set of group code points, one bit each.
type groupSet [1 << 16 / 64]uint64

// add puts g in the set.
func (s *groupSet) add(g wire.Group) { s[g/64] |= 1 << (g % 64) }

// has reports whether g is in the set.
func (s *groupSet) has(g wire.Group) bool { return s[g/64]&(1<<(g%64)) != 0 }

// chooseGroup picks the key exchange group: the most preferred mutual
// group the client sent a share for, else the most preferred mutual group,
// for which a HelloRetryRequest will ask.
func chooseGroup(cfg *Config, ch *msg.ClientHello) (groupChoice, error) {
	if err := checkKeyShares(ch); err != nil {
		return groupChoice{}, err
	}
	var mutual []wire.Group
	for _, g := range serverGroups(cfg) {
		if slices.Contains(ch.SupportedGroups, g) {
			mutual = append(mutual, g)
		}
	}
	if len(mutual) == 0 {
		return groupChoice{}, wire.Fatalf(wire.AlertHandshakeFailure, "no key exchange group in common (client offered %v)", ch.SupportedGroups)
	}
	for _, g := range mutual {
		for _, ks := range ch.KeyShares {
			if ks.Group == g {
				choice := groupChoice{group: g, share: ks.Data}
				if cfg.tracing() {
					choice.why = fmt.Sprintf("%v: most preferred group both sides support for which the client sent a key share (%d bytes)", g, len(ks.Data))
				}
				return choice, nil
			}
		}
	}
	choice := groupChoice{group: mutual[0]}
	if cfg.tracing() {
		choice.why = fmt.Sprintf("%v: most preferred group both sides support, but the client sent no key share for it (shares for %v)",
			mutual[0], shareGroups(ch.KeyShares))
	}
	return choice, nil
}

// shareGroups lists the groups of key shares.
func shareGroups(shares []msg.KeyShare) []wire.Group {
	out := make([]wire.Group, len(shares))
	for i, ks := range shares {
		out[i] = ks.Group
	}
	return out
}

// negotiateALPN picks the application protocol: the first of ours (server
// preference) that the client offered. It returns "" when either side has
// none.
func negotiateALPN(ours, offered []string) (string, error) {
	if len(ours) == 0 || len(offered) == 0 {
		return "", nil
	}
	for _, p := range ours {
		if slices.Contains(offered, p) {
			return p, nil
		}
	}
	// RFC 7301, Section 3.2: no overlap MUST end with no_application_protocol.
	return "", wire.Fatalf(wire.AlertNoApplicationProtocol, "client offered protocols %q, none of ours %q", offered, ours)
}
