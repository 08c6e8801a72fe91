package keysched

import (
	"crypto"
	"crypto/hmac"
)

// secret is a hash function together with a secret computed with it.
type secret struct {
	h crypto.Hash
	b []byte
}

// derive is Derive-Secret(s, label, messages), keeping the hash.
func (s secret) derive(label string, transcriptHash []byte) secret {
	return secret{s.h, deriveSecret(s.h, s.b, label, transcriptHash)}
}

// next extracts the next stage of the schedule from s: HKDF-Extract with
// salt Derive-Secret(s, "derived", "") and the input keying material ikm,
// where a nil ikm stands for a string of Hash.length zero bytes
// (RFC 8446, Section 7.1).
func (s secret) next(ikm []byte) secret {
	if ikm == nil {
		ikm = make([]byte, s.h.Size())
	}
	salt := deriveSecret(s.h, s.b, "derived", emptyHash(s.h))
	return secret{s.h, extract(s.h, ikm, salt)}
}

// EarlySecret is the Early Secret of RFC 8446, Section 7.1, the first stage
// of the key schedule, extracted from the PSK.
type EarlySecret struct{ s secret }

// HandshakeSecret is the Handshake Secret of RFC 8446, Section 7.1,
// extracted from the (EC)DHE shared secret.
type HandshakeSecret struct{ s secret }

// MasterSecret is the TLS 1.3 Master Secret of RFC 8446, Section 7.1, the
// last stage of the key schedule.
type MasterSecret struct{ s secret }

// NewEarlySecret returns HKDF-Extract(0, psk) with the hash h. A nil psk
// stands for Hash.length zero bytes, as in a handshake without a PSK
// (RFC 8446, Section 7.1).
func NewEarlySecret(h crypto.Hash, psk []byte) EarlySecret {
	if psk == nil {
		psk = make([]byte, h.Size())
	}
	return EarlySecret{secret{h, extract(h, psk, nil)}}
}

// Hash returns the hash function of the key schedule.
func (s EarlySecret) Hash() crypto.Hash { return s.s.h }

// ResumptionBinderKey returns binder_key for a resumption PSK: Derive-Secret
// of the early secret with "res binder" and no messages (RFC 8446, Section 7.1).
func (s EarlySecret) ResumptionBinderKey() []byte {
	return deriveSecret(s.s.h, s.s.b, "res binder", emptyHash(s.s.h))
}

// ExternalBinderKey returns binder_key for an external PSK: Derive-Secret of
// the early secret with "ext binder" and no messages (RFC 8446, Section 7.1).
func (s EarlySecret) ExternalBinderKey() []byte {
	return deriveSecret(s.s.h, s.s.b, "ext binder", emptyHash(s.s.h))
}

// ClientEarlyTrafficSecret returns client_early_traffic_secret, derived with
// "c e traffic" over the hash of the ClientHello (RFC 8446, Section 7.1).
func (s EarlySecret) ClientEarlyTrafficSecret(transcriptHash []byte) EarlyTrafficSecret {
	return EarlyTrafficSecret{s.s.derive("c e traffic", transcriptHash)}
}

// EarlyExporterMasterSecret returns early_exporter_master_secret, derived
// with "e exp master" over the hash of the ClientHello (RFC 8446, Section 7.1).
func (s EarlySecret) EarlyExporterMasterSecret(transcriptHash []byte) ExporterMasterSecret {
	return ExporterMasterSecret{s.s.derive("e exp master", transcriptHash)}
}

// HandshakeSecret returns the Handshake Secret extracted from the (EC)DHE
// shared secret, salted with Derive-Secret(early, "derived", ""). A nil
// sharedSecret stands for Hash.length zero bytes, as in psk_ke mode
// (RFC 8446, Section 7.1).
func (s EarlySecret) HandshakeSecret(sharedSecret []byte) HandshakeSecret {
	return HandshakeSecret{s.s.next(sharedSecret)}
}

// Hash returns the hash function of the key schedule.
func (s HandshakeSecret) Hash() crypto.Hash { return s.s.h }

// ClientHandshakeTrafficSecret returns client_handshake_traffic_secret,
// derived with "c hs traffic" over the hash of ClientHello...ServerHello
// (RFC 8446, Section 7.1).
func (s HandshakeSecret) ClientHandshakeTrafficSecret(th []byte) HandshakeTrafficSecret {
	return HandshakeTrafficSecret{s.s.derive("c hs traffic", th)}
}

// ServerHandshakeTrafficSecret returns server_handshake_traffic_secret,
// derived with "s hs traffic" over the hash of ClientHello...ServerHello
// (RFC 8446, Section 7.1).
func (s HandshakeSecret) ServerHandshakeTrafficSecret(th []byte) HandshakeTrafficSecret {
	return HandshakeTrafficSecret{s.s.derive("s hs traffic", th)}
}

// MasterSecret returns the Master Secret, extracted from zeros with the salt
// Derive-Secret(handshake, "derived", "") (RFC 8446, Section 7.1).
func (s HandshakeSecret) MasterSecret() MasterSecret {
	return MasterSecret{s.s.next(nil)}
}

// Hash returns the hash function of the key schedule.
func (s MasterSecret) Hash() crypto.Hash { return s.s.h }

// ClientApplicationTrafficSecret returns client_application_traffic_secret_0,
// derived with "c ap traffic" over the hash of ClientHello...server Finished
// (RFC 8446, Section 7.1).
func (s MasterSecret) ClientApplicationTrafficSecret(th []byte) ApplicationTrafficSecret {
	return ApplicationTrafficSecret{s.s.derive("c ap traffic", th)}
}

// ServerApplicationTrafficSecret returns server_application_traffic_secret_0,
// derived with "s ap traffic" over the hash of ClientHello...server Finished
// (RFC 8446, Section 7.1).
func (s MasterSecret) ServerApplicationTrafficSecret(th []byte) ApplicationTrafficSecret {
	return ApplicationTrafficSecret{s.s.derive("s ap traffic", th)}
}

// ExporterMasterSecret returns exporter_master_secret, derived with
// "exp master" over the hash of ClientHello...server Finished
// (RFC 8446, Section 7.1).
func (s MasterSecret) ExporterMasterSecret(th []byte) ExporterMasterSecret {
	return ExporterMasterSecret{s.s.derive("exp master", th)}
}

// ResumptionMasterSecret returns resumption_master_secret, derived with
// "res master" over the hash of ClientHello...client Finished
// (RFC 8446, Section 7.1).
func (s MasterSecret) ResumptionMasterSecret(th []byte) ResumptionMasterSecret {
	return ResumptionMasterSecret{s.s.derive("res master", th)}
}

// FinishedMAC returns HMAC(finishedKey, transcriptHash) with the hash h, the
// verify_data of a Finished message and the value of a PSK binder
// (RFC 8446, Section 4.4.4).
func FinishedMAC(h crypto.Hash, finishedKey, transcriptHash []byte) []byte {
	m := hmac.New(hashFunc(h), finishedKey)
	m.Write(transcriptHash)
	return m.Sum(nil)
}

// finishedKey returns HKDF-Expand-Label(baseKey, "finished", "", Hash.length)
// (RFC 8446, Section 4.4.4).
func finishedKey(h crypto.Hash, baseKey []byte) []byte {
	return ExpandLabel(h, baseKey, "finished", nil, h.Size())
}

// Binder returns a PSK binder: the Finished computation keyed with binderKey
// (from ResumptionBinderKey or ExternalBinderKey) over transcriptHash, the
// hash of the transcript up to and including the truncated ClientHello
// (RFC 8446, Section 4.2.11.2).
func Binder(h crypto.Hash, binderKey, transcriptHash []byte) []byte {
	return FinishedMAC(h, finishedKey(h, binderKey), transcriptHash)
}
