package keysched

import "crypto"

// ivLen is the length of every TLS 1.3 write IV: the AEAD nonce length of
// all TLS 1.3 cipher suites (RFC 8446, Section 5.3).
const ivLen = 12

// trafficKeys returns the write key and IV of a traffic secret:
// HKDF-Expand-Label with "key" and "iv" and no context (RFC 8446, Section 7.3).
func (s secret) trafficKeys(keyLen int) (key, iv []byte) {
	return ExpandLabel(s.h, s.b, "key", nil, keyLen), ExpandLabel(s.h, s.b, "iv", nil, ivLen)
}

// bytes returns a copy of the secret's bytes.
func (s secret) bytes() []byte { return append([]byte(nil), s.b...) }

// EarlyTrafficSecret is client_early_traffic_secret, which protects 0-RTT
// data (RFC 8446, Section 7.1).
type EarlyTrafficSecret struct{ s secret }

// HandshakeTrafficSecret is client_ or server_handshake_traffic_secret,
// which protects one direction of the encrypted handshake (RFC 8446, Section 7.1).
type HandshakeTrafficSecret struct{ s secret }

// ApplicationTrafficSecret is a client_ or server_application_traffic_secret_N,
// which protects one direction of application data (RFC 8446, Section 7.1).
type ApplicationTrafficSecret struct{ s secret }

// Bytes returns a copy of the secret, for key logging only.
func (s EarlyTrafficSecret) Bytes() []byte { return s.s.bytes() }

// Hash returns the hash function of the key schedule.
func (s EarlyTrafficSecret) Hash() crypto.Hash { return s.s.h }

// TrafficKeys returns the write key of keyLen bytes and the 12-byte write IV
// (RFC 8446, Section 7.3).
func (s EarlyTrafficSecret) TrafficKeys(keyLen int) (key, iv []byte) {
	return s.s.trafficKeys(keyLen)
}

// FinishedKey returns the finished_key derived from the secret
// (RFC 8446, Section 4.4.4).
func (s EarlyTrafficSecret) FinishedKey() []byte { return finishedKey(s.s.h, s.s.b) }

// Bytes returns a copy of the secret, for key logging only.
func (s HandshakeTrafficSecret) Bytes() []byte { return s.s.bytes() }

// Hash returns the hash function of the key schedule.
func (s HandshakeTrafficSecret) Hash() crypto.Hash { return s.s.h }

// TrafficKeys returns the write key of keyLen bytes and the 12-byte write IV
// (RFC 8446, Section 7.3).
func (s HandshakeTrafficSecret) TrafficKeys(keyLen int) (key, iv []byte) {
	return s.s.trafficKeys(keyLen)
}

// FinishedKey returns the finished_key that keys the Finished message sent
// in this direction (RFC 8446, Section 4.4.4).
func (s HandshakeTrafficSecret) FinishedKey() []byte { return finishedKey(s.s.h, s.s.b) }

// Bytes returns a copy of the secret, for key logging only.
func (s ApplicationTrafficSecret) Bytes() []byte { return s.s.bytes() }

// Hash returns the hash function of the key schedule.
func (s ApplicationTrafficSecret) Hash() crypto.Hash { return s.s.h }

// TrafficKeys returns the write key of keyLen bytes and the 12-byte write IV
// (RFC 8446, Section 7.3).
func (s ApplicationTrafficSecret) TrafficKeys(keyLen int) (key, iv []byte) {
	return s.s.trafficKeys(keyLen)
}

// FinishedKey returns the finished_key derived from the secret, which keys
// post-handshake authentication Finished messages (RFC 8446, Section 4.4.4).
func (s ApplicationTrafficSecret) FinishedKey() []byte { return finishedKey(s.s.h, s.s.b) }

// Next returns application_traffic_secret_N+1, derived with "traffic upd"
// and no context, for a KeyUpdate (RFC 8446, Section 7.2).
func (s ApplicationTrafficSecret) Next() ApplicationTrafficSecret {
	return ApplicationTrafficSecret{secret{s.s.h, ExpandLabel(s.s.h, s.s.b, "traffic upd", nil, s.s.h.Size())}}
}
