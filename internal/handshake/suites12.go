package handshake

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"slices"

	"gotls/internal/kex"
	"gotls/internal/record"
	"gotls/internal/wire"
)

// This file is the TLS 1.2 cipher suite table shared by both roles: what
// each suite needs (key exchange, certificate key, record protection,
// PRF hash, key block lengths), which suites a configuration enables, and
// the server's preference order.

// keyExchange12 is the key exchange of a TLS 1.2 cipher suite.
type keyExchange12 uint8

// TLS 1.2 key exchanges.
const (
	// kxECDHEECDSA is ephemeral ECDH signed with an ECDSA (or Ed25519)
	// certificate key (RFC 8422, Section 2).
	kxECDHEECDSA keyExchange12 = iota + 1
	// kxECDHERSA is ephemeral ECDH signed with an RSA certificate key
	// (RFC 8422, Section 2).
	kxECDHERSA
	// kxRSA is RSA key transport: the client encrypts the pre-master
	// secret to the server's RSA key (RFC 5246, Section 7.4.7.1). It has
	// no forward secrecy.
	kxRSA
)

// String names the key exchange as the suite names do.
func (k keyExchange12) String() string {
	switch k {
	case kxECDHEECDSA:
		return "ECDHE_ECDSA"
	case kxECDHERSA:
		return "ECDHE_RSA"
	case kxRSA:
		return "RSA"
	}
	return fmt.Sprintf("key_exchange(%d)", uint8(k))
}

// suite12 describes one TLS 1.2 cipher suite.
type suite12 struct {
	id wire.CipherSuite
	kx keyExchange12
	// aead is true for AES-GCM and ChaCha20-Poly1305, false for the
	// CBC-SHA suites (MAC-then-encrypt with HMAC-SHA1).
	aead bool
	// chacha is true for the ChaCha20-Poly1305 suites.
	chacha bool
	// hash is the hash of the PRF, of the extended master secret's session
	// hash and of the Finished computation (RFC 5246, Section 7.4.9).
	hash crypto.Hash
	// macLen, keyLen and ivLen are the lengths of each direction's MAC
	// key, write key and write IV in the key block (RFC 5246, Section
	// 6.3). AEAD suites have no MAC key; their IV is the implicit part of
	// the nonce. CBC suites carry their IV in each record, so ivLen is 0.
	macLen, keyLen, ivLen int
}

// suiteTable12 lists every TLS 1.2 suite gotls implements in the server's
// default preference order: forward secrecy first, then AEAD before CBC,
// then AES-128 before AES-256 (both are strong; 128 is faster). The
// ChaCha20-Poly1305 suites move before AES-GCM when serverSuites12 says
// so.
var suiteTable12 = []suite12{
	{id: wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, kx: kxECDHEECDSA, aead: true, hash: crypto.SHA256, keyLen: 16, ivLen: 4},
	{id: wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, kx: kxECDHERSA, aead: true, hash: crypto.SHA256, keyLen: 16, ivLen: 4},
	{id: wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, kx: kxECDHEECDSA, aead: true, hash: crypto.SHA384, keyLen: 32, ivLen: 4},
	{id: wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, kx: kxECDHERSA, aead: true, hash: crypto.SHA384, keyLen: 32, ivLen: 4},
	{id: wire.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, kx: kxECDHEECDSA, aead: true, chacha: true, hash: crypto.SHA256, keyLen: 32, ivLen: 12},
	{id: wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, kx: kxECDHERSA, aead: true, chacha: true, hash: crypto.SHA256, keyLen: 32, ivLen: 12},
	{id: wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, kx: kxECDHEECDSA, hash: crypto.SHA256, macLen: 20, keyLen: 16},
	{id: wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, kx: kxECDHERSA, hash: crypto.SHA256, macLen: 20, keyLen: 16},
	{id: wire.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, kx: kxECDHEECDSA, hash: crypto.SHA256, macLen: 20, keyLen: 32},
	{id: wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, kx: kxECDHERSA, hash: crypto.SHA256, macLen: 20, keyLen: 32},
	{id: wire.TLS_RSA_WITH_AES_128_GCM_SHA256, kx: kxRSA, aead: true, hash: crypto.SHA256, keyLen: 16, ivLen: 4},
	{id: wire.TLS_RSA_WITH_AES_256_GCM_SHA384, kx: kxRSA, aead: true, hash: crypto.SHA384, keyLen: 32, ivLen: 4},
	{id: wire.TLS_RSA_WITH_AES_128_CBC_SHA, kx: kxRSA, hash: crypto.SHA256, macLen: 20, keyLen: 16},
	{id: wire.TLS_RSA_WITH_AES_256_CBC_SHA, kx: kxRSA, hash: crypto.SHA256, macLen: 20, keyLen: 32},
}

// suite12ByID returns the TLS 1.2 suite id, or nil when gotls does not
// implement it in TLS 1.2.
func suite12ByID(id wire.CipherSuite) *suite12 {
	for i := range suiteTable12 {
		if suiteTable12[i].id == id {
			return &suiteTable12[i]
		}
	}
	return nil
}

// ecdhe reports whether the suite's key exchange is ephemeral ECDH.
func (s *suite12) ecdhe() bool { return s.kx == kxECDHEECDSA || s.kx == kxECDHERSA }

// forwardSecret reports whether the suite has forward secrecy.
func (s *suite12) forwardSecret() bool { return s.ecdhe() }

// legacy reports whether the suite is off by default: RSA key transport
// (no forward secrecy) or CBC record protection (MAC-then-encrypt).
func (s *suite12) legacy() bool { return s.kx == kxRSA || !s.aead }

// recordSuite returns the record layer's description of an AEAD suite,
// or nil for a CBC suite.
func (s *suite12) recordSuite() *record.Suite {
	if !s.aead {
		return nil
	}
	return record.Suite12(s.id)
}

// available reports whether the record layer can protect records with
// the suite.
func (s *suite12) available() bool {
	if s.aead {
		return record.Suite12(s.id) != nil
	}
	return cbcAvailable12(s)
}

// describe names what the suite combines, for traces.
func (s *suite12) describe() string {
	prot := "AEAD"
	if !s.aead {
		prot = "CBC with HMAC-SHA1"
	}
	fs := "forward secret"
	if !s.forwardSecret() {
		fs = "no forward secrecy"
	}
	return fmt.Sprintf("%v key exchange (%s), %s records, %v PRF", s.kx, fs, prot, s.hash)
}

// keyFitsSuite12 reports whether a certificate with public key pub can
// serve suite s: ECDHE_ECDSA suites need an ECDSA or Ed25519 key (RFC
// 8422, Sections 2 and 5.10), ECDHE_RSA and RSA suites an RSA key.
func keyFitsSuite12(s *suite12, pub crypto.PublicKey) bool {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return k != nil && s.kx == kxECDHEECDSA
	case ed25519.PublicKey:
		return len(k) == ed25519.PublicKeySize && s.kx == kxECDHEECDSA
	case *rsa.PublicKey:
		return k != nil && k.N != nil && (s.kx == kxECDHERSA || s.kx == kxRSA)
	}
	return false
}

// suiteEnabled12 reports whether cfg allows suite s. When cfg.CipherSuites
// lists any TLS 1.2 suite, exactly the listed ones are allowed, legacy or
// not: listing a suite is an explicit choice. Otherwise every suite that
// is not legacy is allowed, RSA key transport only with
// LegacyRSAKeyExchange and CBC only with LegacyCBCSuites.
func suiteEnabled12(cfg *Config, s *suite12) bool {
	if !s.available() {
		return false
	}
	if listsSuites12(cfg.CipherSuites) {
		return slices.Contains(cfg.CipherSuites, s.id)
	}
	if s.kx == kxRSA && !cfg.LegacyRSAKeyExchange {
		return false
	}
	if !s.aead && !cfg.LegacyCBCSuites {
		return false
	}
	return true
}

// listsSuites12 reports whether list names any TLS 1.2 suite gotls
// implements.
func listsSuites12(list []wire.CipherSuite) bool {
	return slices.ContainsFunc(list, func(id wire.CipherSuite) bool { return suite12ByID(id) != nil })
}

// enabledSuites12 returns the suites cfg allows, most preferred first.
// With chachaFirst the ChaCha20-Poly1305 suites come before the AES-GCM
// ones of the same key exchange class; the relative order is otherwise
// that of suiteTable12. A client offers this list as it is (with
// chachaFirst when it lacks AES-GCM hardware).
func enabledSuites12(cfg *Config, chachaFirst bool) []*suite12 {
	var out []*suite12
	for i := range suiteTable12 {
		if s := &suiteTable12[i]; suiteEnabled12(cfg, s) {
			out = append(out, s)
		}
	}
	if chachaFirst {
		slices.SortStableFunc(out, func(a, b *suite12) int { return chachaRank(a) - chachaRank(b) })
	}
	return out
}

// chachaRank orders suites when ChaCha20-Poly1305 is preferred: forward
// secret AEAD suites with ChaCha20 first, then the other forward secret
// AEAD suites, then everything else in table order.
func chachaRank(s *suite12) int {
	switch {
	case s.ecdhe() && s.chacha:
		return 0
	case s.ecdhe() && s.aead:
		return 1
	}
	return 2
}

// clientPrefersChaCha12 reports whether the first TLS 1.2 AEAD suite a
// client offers is ChaCha20-Poly1305, which suggests it lacks AES
// hardware.
func clientPrefersChaCha12(offered []wire.CipherSuite) bool {
	for _, id := range offered {
		if s := suite12ByID(id); s != nil && s.aead {
			return s.chacha
		}
	}
	return false
}

// serverSuites12 returns the server's suite preference for a client
// offering offered, and why it has that order: AES-GCM first on a CPU
// with AES-GCM instructions, unless the client lists ChaCha20-Poly1305
// first.
func serverSuites12(cfg *Config, offered []wire.CipherSuite) ([]*suite12, string) {
	switch {
	case !hasAESGCMHardware():
		return enabledSuites12(cfg, true), "ChaCha20-Poly1305 preferred because this CPU lacks AES-GCM instructions"
	case clientPrefersChaCha12(offered):
		return enabledSuites12(cfg, true), "ChaCha20-Poly1305 preferred because the client lists it first (it likely lacks AES hardware)"
	}
	return enabledSuites12(cfg, false), "AES-GCM preferred because this CPU has AES-GCM instructions"
}

// suiteIDs12 returns the IDs of suites, in order.
func suiteIDs12(suites []*suite12) []wire.CipherSuite {
	out := make([]wire.CipherSuite, len(suites))
	for i, s := range suites {
		out[i] = s.id
	}
	return out
}

// ecdheGroup12 reports whether g can be used for TLS 1.2 ECDHE: a plain
// elliptic curve group (hybrid post-quantum groups exist only in TLS 1.3).
func ecdheGroup12(g wire.Group) bool {
	switch g {
	case wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1:
		return kex.Supported(g)
	}
	return false
}

// groups12 returns the groups cfg allows for TLS 1.2 ECDHE, most preferred
// first: the configured (or default) preference without the TLS 1.3-only
// groups.
func groups12(cfg *Config) []wire.Group {
	return slices.DeleteFunc(serverGroups(cfg), func(g wire.Group) bool { return !ecdheGroup12(g) })
}
