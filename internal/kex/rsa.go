package kex

import (
	"crypto"
	"crypto/rsa"
	"crypto/subtle"
	"io"
	"math/big"

	"gotls/internal/wire"
)

// preMasterSize is the length of an RSA-transported pre-master secret
// (RFC 5246, Section 7.4.7.1).
const preMasterSize = 48

// minTransportModulus is the smallest RSA modulus, in bytes, that can carry
// a 48-byte pre-master secret with PKCS #1 v1.5 padding (11 bytes).
const minTransportModulus = preMasterSize + 11

// EncryptPreMaster is the client side of TLS 1.2 RSA key transport
// (RFC 5246, Section 7.4.7.1). It builds the 48-byte pre-master secret,
// clientVersion (the version offered in ClientHello) followed by 46 random
// bytes from rand, and encrypts it to pub with RSA PKCS #1 v1.5. A server key
// that cannot carry the secret yields a bad_certificate error.
func EncryptPreMaster(rand io.Reader, pub *rsa.PublicKey, clientVersion wire.Version) (preMaster, ciphertext []byte, err error) {
	rand = orDefault(rand)
	if pub == nil || pub.N == nil {
		return nil, nil, wire.Fatalf(wire.AlertInternalError, "rsa key transport without a server key")
	}
	preMaster = make([]byte, preMasterSize)
	preMaster[0], preMaster[1] = byte(clientVersion>>8), byte(clientVersion)
	if _, err := io.ReadFull(rand, preMaster[2:]); err != nil {
		return nil, nil, wire.Fatal(wire.AlertInternalError, "reading randomness for the pre-master secret", err)
	}
	ciphertext, err = rsa.EncryptPKCS1v15(rand, pub, preMaster)
	if err != nil {
		return nil, nil, wire.Fatal(wire.AlertBadCertificate, "server rsa key cannot encrypt the pre-master secret", err)
	}
	return preMaster, ciphertext, nil
}

// DecryptPreMaster is the server side of TLS 1.2 RSA key transport. It
// resists Bleichenbacher's attack as RFC 5246, Section 7.4.7.1 requires:
// whatever is wrong with the ciphertext (length, value not below the
// modulus, padding, plaintext length, version bytes), it returns without
// error a 48-byte pre-master secret made of clientVersion and 46 random
// bytes, so the handshake fails later at Finished and the attacker learns
// nothing. The padding and version checks run in constant time. Errors
// depend only on the key and on rand, never on the ciphertext.
func DecryptPreMaster(rand io.Reader, priv *rsa.PrivateKey, ciphertext []byte, clientVersion wire.Version) ([]byte, error) {
	rand = orDefault(rand)
	if priv == nil || priv.N == nil || priv.Size() < minTransportModulus {
		return nil, wire.Fatalf(wire.AlertInternalError, "rsa key cannot carry a pre-master secret")
	}
	fallback, err := randomPreMaster(rand, clientVersion)
	if err != nil {
		return nil, err
	}
	if !acceptableCiphertext(&priv.PublicKey, ciphertext) {
		return fallback, nil
	}
	out := make([]byte, preMasterSize)
	copy(out, fallback)
	// RFC 5246, Section 7.4.7.1: a failed decryption MUST NOT cause an
	// alert; the handshake MUST go on with a random pre-master secret, so on
	// a padding failure out keeps the random bytes, in constant time.
	if err := rsa.DecryptPKCS1v15SessionKey(nil, priv, ciphertext, out); err != nil {
		// The ciphertext passed acceptableCiphertext, so this is the key.
		return nil, wire.Fatal(wire.AlertInternalError, "rsa key transport decryption failed", err)
	}
	return checkVersion(out, fallback, clientVersion), nil
}

// DecryptPreMasterWith is DecryptPreMaster for any private key that can
// decrypt, such as one held in hardware. An *rsa.PrivateKey goes to
// DecryptPreMaster; any other key must have an *rsa.PublicKey and is asked
// to decrypt with rsa.PKCS1v15DecryptOptions{SessionKeyLen: 48}. Because an
// opaque key's errors might reveal the padding, any error from its Decrypt
// is treated as a bad ciphertext and yields the random pre-master secret.
func DecryptPreMasterWith(rand io.Reader, key crypto.Decrypter, ciphertext []byte, clientVersion wire.Version) ([]byte, error) {
	if priv, ok := key.(*rsa.PrivateKey); ok {
		return DecryptPreMaster(rand, priv, ciphertext, clientVersion)
	}
	rand = orDefault(rand)
	var pub *rsa.PublicKey
	if key != nil {
		pub, _ = key.Public().(*rsa.PublicKey)
	}
	if pub == nil || pub.N == nil || pub.Size() < minTransportModulus {
		return nil, wire.Fatalf(wire.AlertInternalError, "key cannot carry an rsa pre-master secret")
	}
	fallback, err := randomPreMaster(rand, clientVersion)
	if err != nil {
		return nil, err
	}
	if !acceptableCiphertext(pub, ciphertext) {
		return fallback, nil
	}
	out, err := key.Decrypt(rand, ciphertext, &rsa.PKCS1v15DecryptOptions{SessionKeyLen: preMasterSize})
	if err != nil || len(out) != preMasterSize {
		return fallback, nil
	}
	return checkVersion(out, fallback, clientVersion), nil
}

// randomPreMaster returns clientVersion followed by 46 random bytes: the
// pre-master secret substituted for a bad ciphertext.
func randomPreMaster(rand io.Reader, clientVersion wire.Version) ([]byte, error) {
	r := make([]byte, preMasterSize)
	r[0], r[1] = byte(clientVersion>>8), byte(clientVersion)
	if _, err := io.ReadFull(rand, r[2:]); err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "reading randomness for the pre-master secret", err)
	}
	return r, nil
}

// acceptableCiphertext reports whether ciphertext has the modulus length and
// is below the modulus. Both facts are public: the ciphertext is on the wire.
func acceptableCiphertext(pub *rsa.PublicKey, ciphertext []byte) bool {
	if len(ciphertext) != pub.Size() {
		return false
	}
	return new(big.Int).SetBytes(ciphertext).Cmp(pub.N) < 0
}

// checkVersion returns out when it begins with clientVersion, and fallback
// otherwise, without branching on the secret bytes. It overwrites out.
func checkVersion(out, fallback []byte, clientVersion wire.Version) []byte {
	// RFC 5246, Section 7.4.7.1: a version number that is not as expected
	// MUST NOT cause an alert; it is handled exactly like a padding failure.
	ok := subtle.ConstantTimeByteEq(out[0], byte(clientVersion>>8)) &
		subtle.ConstantTimeByteEq(out[1], byte(clientVersion))
	subtle.ConstantTimeCopy(1-ok, out, fallback)
	return out
}
