package sig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"slices"

	"gotls/internal/wire"
)

// family is the kind of key and algorithm a signature scheme uses.
type family uint8

const (
	familyUnsupported family = iota
	familyECDSA
	familyPSS
	familyPKCS1
	familyEd25519
)

// params describes one signature scheme.
type params struct {
	family family
	hash   crypto.Hash
	// curve is the curve the scheme is bound to in TLS 1.3 (ECDSA only).
	curve elliptic.Curve
}

// lookup returns the parameters of a scheme gotls can sign and verify with.
// Unsupported schemes have familyUnsupported.
func lookup(s wire.SignatureScheme) params {
	switch s {
	case wire.ECDSAWithP256AndSHA256:
		return params{familyECDSA, crypto.SHA256, elliptic.P256()}
	case wire.ECDSAWithP384AndSHA384:
		return params{familyECDSA, crypto.SHA384, elliptic.P384()}
	case wire.ECDSAWithP521AndSHA512:
		return params{familyECDSA, crypto.SHA512, elliptic.P521()}
	case wire.PSSWithSHA256, wire.PSSWithSHA384, wire.PSSWithSHA512:
		return params{family: familyPSS, hash: Hash(s)}
	case wire.PKCS1WithSHA256, wire.PKCS1WithSHA384, wire.PKCS1WithSHA512:
		return params{family: familyPKCS1, hash: Hash(s)}
	case wire.Ed25519:
		return params{family: familyEd25519}
	}
	return params{family: familyUnsupported, hash: Hash(s)}
}

// Hash returns the hash function a scheme uses. It returns 0 for Ed25519,
// which signs the message itself, and for schemes gotls does not know.
func Hash(scheme wire.SignatureScheme) crypto.Hash {
	switch scheme {
	case wire.PKCS1WithSHA1, wire.ECDSAWithSHA1:
		return crypto.SHA1
	case wire.PKCS1WithSHA256, wire.ECDSAWithP256AndSHA256, wire.PSSWithSHA256, wire.PSSPSSWithSHA256:
		return crypto.SHA256
	case wire.PKCS1WithSHA384, wire.ECDSAWithP384AndSHA384, wire.PSSWithSHA384, wire.PSSPSSWithSHA384:
		return crypto.SHA384
	case wire.PKCS1WithSHA512, wire.ECDSAWithP521AndSHA512, wire.PSSWithSHA512, wire.PSSPSSWithSHA512:
		return crypto.SHA512
	}
	return 0
}

// knownVersion reports whether v is a version with signature_algorithms.
func knownVersion(v wire.Version) bool {
	return v == wire.VersionTLS12 || v == wire.VersionTLS13
}

// allowedIn reports whether a scheme may sign handshake messages in version
// v. Only supported schemes are allowed at all.
func allowedIn(p params, v wire.Version) bool {
	switch p.family {
	case familyUnsupported:
		return false
	case familyPKCS1:
		// RFC 8446, Section 4.4.3: TLS 1.3 RSA signatures MUST use RSASSA-PSS.
		return v == wire.VersionTLS12
	}
	return knownVersion(v)
}

// preference is every scheme gotls supports, most preferred first.
func preference() []wire.SignatureScheme {
	return []wire.SignatureScheme{
		wire.ECDSAWithP256AndSHA256,
		wire.Ed25519,
		wire.ECDSAWithP384AndSHA384,
		wire.ECDSAWithP521AndSHA512,
		wire.PSSWithSHA256,
		wire.PSSWithSHA384,
		wire.PSSWithSHA512,
		wire.PKCS1WithSHA256,
		wire.PKCS1WithSHA384,
		wire.PKCS1WithSHA512,
	}
}

// DefaultSchemes returns the schemes gotls advertises in
// signature_algorithms for versions minVersion to maxVersion, most
// preferred first, or nil when the range holds neither TLS 1.2 nor TLS 1.3.
// The rsa_pkcs1_* schemes are listed even for TLS 1.3 alone: without
// signature_algorithms_cert they also name the certificate signatures we
// accept (RFC 8446, Section 4.2.3), and most RSA certificates use them.
func DefaultSchemes(minVersion, maxVersion wire.Version) []wire.SignatureScheme {
	if minVersion > maxVersion || maxVersion < wire.VersionTLS12 || minVersion > wire.VersionTLS13 {
		return nil
	}
	return preference()
}

// SchemesForKey lists the schemes a key can sign with in version, most
// preferred first. In TLS 1.3 an ECDSA key gets only the scheme of its
// curve, RSA keys get rsa_pss_rsae_* and never PKCS #1 v1.5; TLS 1.2 adds
// the other ECDSA hashes and rsa_pkcs1_*. RSA schemes whose padding does not
// fit the modulus are left out. Keys of other types, ECDSA keys on curves
// other than P-256, P-384 and P-521, and versions other than TLS 1.2 and
// TLS 1.3 get nil.
func SchemesForKey(pub crypto.PublicKey, version wire.Version) []wire.SignatureScheme {
	if !knownVersion(version) {
		return nil
	}
	var out []wire.SignatureScheme
	for _, s := range preference() {
		p := lookup(s)
		if allowedIn(p, version) && keyFits(pub, p, version) && sizeFits(pub, p) {
			out = append(out, s)
		}
	}
	if k, ok := pub.(*ecdsa.PublicKey); ok && k != nil && version == wire.VersionTLS12 {
		moveCurveSchemeFirst(out, k.Curve)
	}
	return out
}

// moveCurveSchemeFirst moves the scheme bound to curve, if present, to the
// front of schemes, keeping the others in order.
func moveCurveSchemeFirst(schemes []wire.SignatureScheme, curve elliptic.Curve) {
	i := slices.IndexFunc(schemes, func(s wire.SignatureScheme) bool { return lookup(s).curve == curve })
	if i > 0 {
		s := schemes[i]
		copy(schemes[1:i+1], schemes[:i])
		schemes[0] = s
	}
}

// Select picks the scheme to sign with key pub: the first scheme of
// SchemesForKey(pub, version) that the peer offered in signature_algorithms.
// Our preference order wins; the peer's order is ignored. It fails with
// handshake_failure when no offered scheme fits the key.
func Select(pub crypto.PublicKey, peer []wire.SignatureScheme, version wire.Version) (wire.SignatureScheme, error) {
	for _, s := range SchemesForKey(pub, version) {
		// RFC 8446, Section 4.4.3: the scheme MUST be one the peer offered.
		if slices.Contains(peer, s) {
			return s, nil
		}
	}
	return 0, wire.Fatalf(wire.AlertHandshakeFailure, "no offered signature scheme fits the %s key", keyName(pub))
}

// keyFits reports whether pub has the key type scheme p needs. In TLS 1.3
// an ECDSA key must also be on the scheme's curve (RFC 8446, Section 4.2.3).
func keyFits(pub crypto.PublicKey, p params, v wire.Version) bool {
	switch p.family {
	case familyECDSA:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || k == nil || !standardCurve(k.Curve) {
			return false
		}
		return v != wire.VersionTLS13 || k.Curve == p.curve
	case familyPSS, familyPKCS1:
		k, ok := pub.(*rsa.PublicKey)
		return ok && k != nil && k.N != nil
	case familyEd25519:
		k, ok := pub.(ed25519.PublicKey)
		return ok && len(k) == ed25519.PublicKeySize
	}
	return false
}

// standardCurve reports whether c is P-256, P-384 or P-521.
func standardCurve(c elliptic.Curve) bool {
	return c != nil && (c == elliptic.P256() || c == elliptic.P384() || c == elliptic.P521())
}

// digestInfoLen is the length of the DER DigestInfo prefix PKCS #1 v1.5
// puts before a SHA-2 digest (RFC 8017, Section 9.2, Note 1).
const digestInfoLen = 19

// sizeFits reports whether an RSA key's modulus can hold the padding of
// scheme p. RSASSA-PSS with a salt as long as the hash (RFC 8446, Section
// 4.2.3) needs an encoded message of 2*hLen+2 bytes, the encoded message
// being ceil((modBits-1)/8) bytes long (RFC 8017, Section 8.1.1); PKCS #1
// v1.5 needs the DigestInfo plus 11 bytes. Other key types always fit.
func sizeFits(pub crypto.PublicKey, p params) bool {
	k, ok := pub.(*rsa.PublicKey)
	if !ok {
		return true
	}
	if k == nil || k.N == nil {
		return false
	}
	switch p.family {
	case familyPSS:
		emLen := (k.N.BitLen() - 1 + 7) / 8
		return emLen >= 2*p.hash.Size()+2
	case familyPKCS1:
		return k.Size() >= p.hash.Size()+digestInfoLen+11
	}
	return true
}

// keyName names a public key's algorithm for error messages.
func keyName(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *ecdsa.PublicKey:
		return "ecdsa"
	case *rsa.PublicKey:
		return "rsa"
	case ed25519.PublicKey:
		return "ed25519"
	}
	return "unsupported"
}
