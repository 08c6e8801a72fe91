package main

import (
	"fmt"
	"strings"

	"gotls"
)

// This file holds what the demo says beyond the library's trace: notes
// that explain the TLS 1.2 steps (the TLS 1.3 trace speaks for itself),
// the record overhead of the negotiated suite, and forward secrecy.

// tls12Flow is what the notes need to know about a TLS 1.2 demo run. It is
// fixed before either side starts, so both goroutines may read it.
type tls12Flow struct {
	// rsaKX says the client offers only RSA key transport suites.
	rsaKX bool
	// rsaBits is the size of the server's RSA modulus, or 0.
	rsaBits int
}

// notes returns the explanations the demo prints after a handshake event.
// Only TLS 1.2 runs get notes.
func (d *demo) notes(ev gotls.HandshakeEvent) []string {
	if !d.o.tls12 {
		return nil
	}
	if ev.Client {
		return d.clientNotes(ev)
	}
	return d.serverNotes(ev)
}

// clientNotes explains the client's TLS 1.2 steps.
func (d *demo) clientNotes(ev gotls.HandshakeEvent) []string {
	f := d.flow
	switch {
	case ev.Step == "send ClientHello":
		n := []string{"With TLS 1.2 at most, the ClientHello has no supported_versions extension " +
			"and no key shares: its legacy_version field, 0x0303, says TLS 1.2, and the key exchange waits until the server has chosen a suite."}
		if f.rsaKX {
			n = append(n, "Only TLS_RSA_* suites are offered, so the server must use RSA key transport.")
		}
		return n
	case ev.Step == "key exchange" && f.rsaKX:
		return rsaClientNotes(f.rsaBits)
	case ev.Step == "send ClientKeyExchange":
		return clientKeyExchangeNotes(ev.Detail, f.rsaKX)
	case ev.Step == "derive secret" && strings.Contains(ev.Detail, "master secret from"):
		return []string{"master secret = PRF(pre-master secret, \"extended master secret\", hash of the handshake messages so far): " +
			"mixing in the handshake hash binds the keys to this very handshake (RFC 7627)."}
	case ev.Step == "derive secret" && strings.HasPrefix(ev.Detail, "CLIENT_RANDOM"):
		return []string{"CLIENT_RANDOM is the key log label of the TLS 1.2 master secret. Every key of the connection comes from " +
			"this one secret; TLS 1.3 derives a separate secret for each stage instead."}
	case ev.Step == "derive keys":
		return []string{"The PRF stretches the master secret and both randoms into a key block, cut into the client's " +
			"write key, the server's write key and their IVs (and MAC keys for CBC): each direction has its own keys."}
	case ev.Step == "send Finished":
		n := "change_cipher_spec says \"my next records use the new keys\". Finished is the first encrypted message: " +
			"12 bytes of PRF(master secret, \"client finished\", hash of all handshake messages). " +
			"Had anyone changed a handshake message, it would not match."
		if f.rsaKX {
			n += " Nor would it if the server could not decrypt the pre-master secret."
		}
		return []string{n}
	case ev.Step == "receive ServerKeyExchange":
		return []string{"The signature is checked with the key of the certificate just verified: the ephemeral key " +
			"really comes from the server named in it."}
	case ev.Step == "verify Finished" && f.rsaKX:
		return []string{"The server's Finished proves it derived the same master secret, so it decrypted the pre-master secret: " +
			"it holds the certificate's private key. RSA key transport authenticates the server this way, with no signature."}
	}
	return nil
}

// rsaClientNotes explains the encryption of the pre-master secret.
func rsaClientNotes(bits int) []string {
	size := (bits + 7) / 8
	return []string{
		"The client makes the pre-master secret: 48 bytes = the version it offered (03 03) + 46 random bytes.",
		fmt.Sprintf("It encrypts them with RSAES-PKCS1-v1_5 to the public key in the server's certificate. "+
			"RSA ciphertext is as long as the modulus: %d bits = %d bytes.", bits, size),
		"Only the holder of the matching private key can decrypt it, so only the real server can compute the same keys.",
	}
}

// clientKeyExchangeNotes explains the size of the ClientKeyExchange from
// its traced body length.
func clientKeyExchangeNotes(detail string, rsaKX bool) []string {
	var body int
	if _, err := fmt.Sscanf(detail, "%d-byte body", &body); err != nil || body < 2 {
		return nil
	}
	if rsaKX {
		return []string{fmt.Sprintf("%d-byte body = 2-byte length + the %d-byte encrypted pre-master secret. "+
			"An eavesdropper sees only this ciphertext.", body, body-2)}
	}
	return []string{fmt.Sprintf("%d-byte body = 1-byte length + the client's %d-byte ephemeral public key. "+
		"Each side combines the other's public key with its own private key: both get the same shared secret, the pre-master secret.", body, body-1)}
}

// serverNotes explains the server's TLS 1.2 steps.
func (d *demo) serverNotes(ev gotls.HandshakeEvent) []string {
	f := d.flow
	switch {
	case ev.Step == "choose cipher suite" && f.rsaKX:
		return []string{"TLS_RSA_* suites are off by default in gotls; this server allows them because LegacyRSAKeyExchange is set."}
	case ev.Step == "choose cipher suite":
		return []string{"A TLS 1.2 suite name fixes the key exchange, the certificate's key type, the record cipher and the PRF hash; " +
			"a TLS 1.3 suite names only the record cipher and hash."}
	case ev.Step == "send Certificate" && f.rsaKX:
		return []string{"Here the certificate's RSA key will not sign anything: the client encrypts the pre-master secret to it. " +
			"That is why no ServerKeyExchange follows."}
	case ev.Step == "send ServerKeyExchange":
		return []string{"The server's ephemeral public key, signed with the certificate's key over both randoms: the signature proves " +
			"the server holds that key and ties the ephemeral key to this handshake. The ephemeral private key is used once, then forgotten."}
	case ev.Step == "key exchange" && f.rsaKX:
		return []string{"Only the server's private key can do this. Had the ciphertext been bad, the server would go on with a random " +
			"pre-master secret, so that how it fails tells an attacker nothing (Bleichenbacher's padding oracle)."}
	case ev.Step == "key exchange":
		return []string{"The server combines the client's public key with its ephemeral private key: the same shared secret as the client's."}
	case ev.Step == "receive Finished":
		return []string{"The client's Finished matches ours: both sides hold the same master secret and saw the same handshake."}
	}
	return nil
}

// recordOverhead explains what the record protection of the negotiated
// version and suite adds to n bytes of application data.
func recordOverhead(info connInfo, n int) string {
	name := gotls.CipherSuiteName(info.suite)
	switch {
	case info.version == gotls.VersionTLS13:
		return fmt.Sprintf("In TLS 1.3 each record hides its real type (the outer type is always application_data) "+
			"and adds it as 1 byte, plus a 16-byte AEAD tag: %d bytes become %d.", n, n+1+16)
	case strings.Contains(name, "CHACHA20"):
		return fmt.Sprintf("In TLS 1.2 the record type stays visible. A ChaCha20-Poly1305 record adds a 16-byte tag; "+
			"its nonce comes from the record sequence number: %d bytes become %d.", n, n+16)
	case strings.Contains(name, "GCM"):
		return fmt.Sprintf("In TLS 1.2 the record type stays visible. An AES-GCM record adds an 8-byte explicit nonce "+
			"and a 16-byte tag: %d bytes become %d.", n, n+8+16)
	case strings.Contains(name, "CBC"):
		padded := (n + 20 + 1 + 15) / 16 * 16
		return fmt.Sprintf("In TLS 1.2 the record type stays visible. A CBC record carries a 16-byte IV, then the data, "+
			"a 20-byte HMAC-SHA1 and padding, encrypted in 16-byte blocks: %d bytes become %d.", n, 16+padded)
	}
	return ""
}

// forwardSecrecy says whether the connection has forward secrecy and why.
func forwardSecrecy(info connInfo) (bool, string) {
	if s, ok := lookupSuite(info.suite); ok && s.rsaKX {
		return false, "the pre-master secret travelled encrypted to the server's long-term RSA key. " +
			"Whoever records this session and later obtains that key (a breach, an old backup, a discarded disk) can decrypt it, " +
			"derive every key and read everything. ECDHE uses fresh keys that are forgotten after the handshake, " +
			"so a stolen certificate key reveals no past session. That is why gotls enables TLS_RSA_* suites only with " +
			"LegacyRSAKeyExchange, and why TLS 1.3 has no RSA key transport at all."
	}
	return true, "ephemeral keys, forgotten after the handshake"
}
