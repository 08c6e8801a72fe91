package handshake

import (
	"slices"

	"gotls/internal/sig"
	"gotls/internal/wire"
)

// signatureSchemes returns the schemes we advertise and accept for the
// version range: Config.SignatureSchemes where set (kept in its order, less
// what gotls cannot verify), else the defaults.
func (c *Config) signatureSchemes(minV, maxV wire.Version) []wire.SignatureScheme {
	defaults := sig.DefaultSchemes(minV, maxV)
	if len(c.SignatureSchemes) == 0 {
		return defaults
	}
	var out []wire.SignatureScheme
	for _, s := range c.SignatureSchemes {
		if slices.Contains(defaults, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// certScheme picks the scheme cert signs with for a peer that accepts
// peer. A certificate's own SignatureSchemes list, when set, restricts and
// orders the choice; otherwise sig.Select decides.
func certScheme(cert *Certificate, peer []wire.SignatureScheme, version wire.Version) (wire.SignatureScheme, error) {
	pub := cert.PrivateKey.Public()
	if len(cert.SignatureSchemes) == 0 {
		return sig.Select(pub, peer, version)
	}
	usable := sig.SchemesForKey(pub, version)
	for _, s := range cert.SignatureSchemes {
		if slices.Contains(peer, s) && slices.Contains(usable, s) {
			return s, nil
		}
	}
	return 0, wire.Fatalf(wire.AlertHandshakeFailure,
		"no signature scheme allowed for the certificate is accepted by the peer")
}

// clientAuthSchemes returns the schemes a server's CertificateRequest
// lists in version v. A configuration whose SignatureSchemes leave none
// cannot request a client certificate: that ends the handshake with
// handshake_failure and a reason naming the configuration, before the
// server sends anything.
func clientAuthSchemes(cfg *Config, v wire.Version) ([]wire.SignatureScheme, error) {
	schemes := cfg.signatureSchemes(v, v)
	if len(schemes) == 0 {
		return nil, wire.Fatalf(wire.AlertHandshakeFailure,
			"cannot request a client certificate: Config.SignatureSchemes %v has no scheme gotls verifies in %v", cfg.SignatureSchemes, v)
	}
	return schemes, nil
}
