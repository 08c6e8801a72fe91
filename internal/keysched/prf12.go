package keysched

import (
	"crypto"
	"crypto/hmac"
)

// TLS 1.2 PRF labels (RFC 5246, Sections 7.4.9, 8.1 and 6.3; RFC 7627,
// Section 4).
const (
	labelMasterSecret         = "master secret"
	labelExtendedMasterSecret = "extended master secret"
	labelKeyExpansion         = "key expansion"
	labelClientFinished       = "client finished"
	labelServerFinished       = "server finished"
)

// masterSecretLen is the length of a TLS 1.2 master secret (RFC 5246, Section 8.1).
const masterSecretLen = 48

// finishedLen12 is the length of TLS 1.2 verify_data for every cipher suite
// gotls supports (RFC 5246, Section 7.4.9).
const finishedLen12 = 12

// PRF12 is the TLS 1.2 PRF of RFC 5246, Section 5: P_hash(secret, label ||
// seed) with HMAC over h, truncated to length bytes. h is SHA-256 unless the
// cipher suite names SHA-384.
func PRF12(h crypto.Hash, secret []byte, label string, seed []byte, length int) []byte {
	labelSeed := make([]byte, 0, len(label)+len(seed))
	labelSeed = append(labelSeed, label...)
	labelSeed = append(labelSeed, seed...)
	return pHash(h, secret, labelSeed, length)
}

// pHash is P_hash(secret, seed) of RFC 5246, Section 5:
// HMAC(secret, A(1) || seed) || HMAC(secret, A(2) || seed) || ...,
// where A(0) = seed and A(i) = HMAC(secret, A(i-1)).
func pHash(h crypto.Hash, secret, seed []byte, length int) []byte {
	out := make([]byte, 0, length+h.Size())
	m := hmac.New(hashFunc(h), secret)
	m.Write(seed)
	a := m.Sum(nil) // A(1)
	for len(out) < length {
		m.Reset()
		m.Write(a)
		m.Write(seed)
		out = m.Sum(out)
		m.Reset()
		m.Write(a)
		a = m.Sum(a[:0])
	}
	return out[:length]
}

// concat returns a || b in a new slice.
func concat(a, b []byte) []byte {
	out := make([]byte, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}

// MasterSecret12 returns the 48-byte TLS 1.2 master secret:
// PRF(pre_master_secret, "master secret", client_random || server_random)
// (RFC 5246, Section 8.1).
func MasterSecret12(h crypto.Hash, preMaster, clientRandom, serverRandom []byte) []byte {
	return PRF12(h, preMaster, labelMasterSecret, concat(clientRandom, serverRandom), masterSecretLen)
}

// ExtendedMasterSecret12 returns the 48-byte extended master secret:
// PRF(pre_master_secret, "extended master secret", session_hash), where
// session_hash is the hash of the handshake messages up to and including
// ClientKeyExchange (RFC 7627, Section 4).
func ExtendedMasterSecret12(h crypto.Hash, preMaster, sessionHash []byte) []byte {
	return PRF12(h, preMaster, labelExtendedMasterSecret, sessionHash, masterSecretLen)
}

// KeyBlock12 expands the master secret into the key block,
// PRF(master_secret, "key expansion", server_random || client_random), and
// splits it into the client and server MAC keys, write keys and IVs, in that
// order (RFC 5246, Section 6.3). Lengths of zero give empty slices.
func KeyBlock12(h crypto.Hash, master, clientRandom, serverRandom []byte, macLen, keyLen, ivLen int) (cMAC, sMAC, cKey, sKey, cIV, sIV []byte) {
	n := 2 * (macLen + keyLen + ivLen)
	kb := PRF12(h, master, labelKeyExpansion, concat(serverRandom, clientRandom), n)
	take := func(l int) []byte {
		p := kb[:l:l]
		kb = kb[l:]
		return p
	}
	cMAC, sMAC = take(macLen), take(macLen)
	cKey, sKey = take(keyLen), take(keyLen)
	cIV, sIV = take(ivLen), take(ivLen)
	return cMAC, sMAC, cKey, sKey, cIV, sIV
}

// FinishedVerifyData12 returns the 12-byte verify_data of a TLS 1.2 Finished
// message: PRF(master_secret, finished_label, Hash(handshake_messages)),
// with "client finished" when client is true and "server finished"
// otherwise (RFC 5246, Section 7.4.9).
func FinishedVerifyData12(h crypto.Hash, master []byte, client bool, transcriptHash []byte) []byte {
	label := labelServerFinished
	if client {
		label = labelClientFinished
	}
	return PRF12(h, master, label, transcriptHash, finishedLen12)
}

// Export12 returns length bytes of TLS 1.2 keying material (RFC 5705,
// Section 4): PRF(master_secret, label, client_random || server_random),
// with the context appended after its 16-bit length when context is not
// nil. Unlike in TLS 1.3, a nil and an empty context differ. Export12 panics
// on a context longer than 65535 bytes; ValidateExport checks the arguments.
func Export12(h crypto.Hash, master, clientRandom, serverRandom []byte, label string, context []byte, length int) []byte {
	seed := concat(clientRandom, serverRandom)
	if context != nil {
		if len(context) > 0xffff {
			panic("keysched: exporter context too long")
		}
		seed = append(seed, byte(len(context)>>8), byte(len(context)))
		seed = append(seed, context...)
	}
	return PRF12(h, master, label, seed, length)
}
