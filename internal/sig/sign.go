package sig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	cryptorand "crypto/rand"
	"crypto/rsa"
	_ "crypto/sha256" // Registers SHA-256 for crypto.Hash.New.
	_ "crypto/sha512" // Registers SHA-384 and SHA-512 for crypto.Hash.New.
	"io"

	"gotls/internal/wire"
)

// Context strings of the TLS 1.3 CertificateVerify signature
// (RFC 8446, Section 4.4.3).
const (
	ServerContext13 = "TLS 1.3, server CertificateVerify"
	ClientContext13 = "TLS 1.3, client CertificateVerify"
)

// SignedContent13 builds the content covered by a TLS 1.3 CertificateVerify
// signature (RFC 8446, Section 4.4.3): 64 bytes of 0x20, the context string,
// one 0 byte, then the transcript hash.
func SignedContent13(context string, transcriptHash []byte) []byte {
	out := make([]byte, 0, 64+len(context)+1+len(transcriptHash))
	for range 64 {
		out = append(out, 0x20)
	}
	out = append(out, context...)
	out = append(out, 0)
	return append(out, transcriptHash...)
}

// Sign signs msg with signer using scheme. It hashes msg as the scheme
// requires (Ed25519 signs msg itself) and uses a salt as long as the hash
// for RSA-PSS (RFC 8446, Section 4.2.3). rand is passed to signer.Sign;
// nil means crypto/rand.Reader. The scheme must be supported and match the signer's key type;
// failures are internal_error: the peer cannot cause them.
func Sign(signer crypto.Signer, scheme wire.SignatureScheme, rand io.Reader, msg []byte) ([]byte, error) {
	p := lookup(scheme)
	if p.family == familyUnsupported {
		return nil, wire.Fatalf(wire.AlertInternalError, "cannot sign with unsupported scheme %v", scheme)
	}
	if signer == nil || !keyFits(signer.Public(), p, wire.VersionTLS12) {
		return nil, wire.Fatalf(wire.AlertInternalError, "signing key does not fit scheme %v", scheme)
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	signature, err := signer.Sign(rand, digest(p, msg), signerOpts(p))
	if err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "signing with "+scheme.String()+" failed", err)
	}
	return signature, nil
}

// Verify checks that signature is a valid signature by pub over msg under
// scheme in version. A scheme not allowed in version (any SHA-1 scheme,
// rsa_pkcs1_* in TLS 1.3, an unsupported scheme) or a key that does not fit
// it (wrong type; in TLS 1.3, an ECDSA key on another curve) yields
// illegal_parameter; a signature that does not verify yields decrypt_error.
func Verify(version wire.Version, pub crypto.PublicKey, scheme wire.SignatureScheme, msg, signature []byte) error {
	if !knownVersion(version) {
		return wire.Fatalf(wire.AlertInternalError, "no signature schemes in %v", version)
	}
	p := lookup(scheme)
	if !allowedIn(p, version) {
		return wire.Fatalf(wire.AlertIllegalParameter, "signature scheme %v is not allowed in %v", scheme, version)
	}
	if !keyFits(pub, p, version) {
		// RFC 8446, Section 4.2.3: in TLS 1.3 an ECDSA scheme MUST match the
		// curve of the key, and every scheme its key type.
		return wire.Fatalf(wire.AlertIllegalParameter, "%s key cannot verify scheme %v", keyName(pub), scheme)
	}
	if !check(pub, p, msg, signature) {
		// RFC 8446, Section 4.4.3: a failed verification MUST terminate the
		// handshake with a decrypt_error alert.
		return wire.Fatalf(wire.AlertDecryptError, "invalid %v signature", scheme)
	}
	return nil
}

// check verifies signature over msg with pub, which keyFits has accepted
// for p.
func check(pub crypto.PublicKey, p params, msg, signature []byte) bool {
	d := digest(p, msg)
	switch p.family {
	case familyECDSA:
		return ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), d, signature)
	case familyPSS:
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}
		return rsa.VerifyPSS(pub.(*rsa.PublicKey), p.hash, d, signature, opts) == nil
	case familyPKCS1:
		return rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), p.hash, d, signature) == nil
	case familyEd25519:
		return ed25519.Verify(pub.(ed25519.PublicKey), msg, signature)
	}
	return false
}

// digest returns what the scheme signs: the hash of msg, or msg itself for
// schemes without a pre-hash.
func digest(p params, msg []byte) []byte {
	if p.hash == 0 {
		return msg
	}
	h := p.hash.New()
	h.Write(msg)
	return h.Sum(nil)
}

// signerOpts returns the crypto.SignerOpts that make a crypto.Signer sign
// with scheme p.
func signerOpts(p params) crypto.SignerOpts {
	if p.family == familyPSS {
		return &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: p.hash}
	}
	return p.hash
}
