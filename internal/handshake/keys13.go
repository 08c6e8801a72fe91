package handshake

import (
	"crypto"

	"gotls/internal/keysched"
	"gotls/internal/record"
	"gotls/internal/wire"
)

// trafficSecret13 is any TLS 1.3 traffic secret: handshake, application or
// early traffic secrets all yield a key and an IV (RFC 8446, Section 7.3).
type trafficSecret13 interface {
	TrafficKeys(keyLen int) (key, iv []byte)
}

// finishedSecret13 is a traffic secret that also yields a finished key
// (RFC 8446, Section 4.4.4).
type finishedSecret13 interface {
	FinishedKey() []byte
	Hash() crypto.Hash
}

// newProtector13 builds the TLS 1.3 record protection for one direction
// from a traffic secret.
func newProtector13(suite *record.Suite, s trafficSecret13) (record.Protector, error) {
	key, iv := s.TrafficKeys(suite.KeyLen)
	p, err := record.NewAEAD13(suite, key, iv)
	if err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "cannot set up record protection", err)
	}
	return p, nil
}

// setReadKeys13 protects records read from now on with keys from s. The
// negotiated version must already be recorded in c.result so the engine
// applies the TLS 1.3 record size limit.
func setReadKeys13(c *Conn, suite *record.Suite, s trafficSecret13) error {
	p, err := newProtector13(suite, s)
	if err != nil {
		return err
	}
	c.link.SetReadProtector(p)
	return nil
}

// setWriteKeys13 sends what is queued under the current protection, then
// protects records written from now on with keys from s.
func setWriteKeys13(c *Conn, suite *record.Suite, s trafficSecret13) error {
	p, err := newProtector13(suite, s)
	if err != nil {
		return err
	}
	c.link.SetWriteProtector(p)
	return nil
}

// finishedMAC13 computes Finished.verify_data: an HMAC keyed with the
// secret's finished key over the transcript hash (RFC 8446, Section 4.4.4).
func finishedMAC13(s finishedSecret13, transcriptHash []byte) []byte {
	return keysched.FinishedMAC(s.Hash(), s.FinishedKey(), transcriptHash)
}

// logSecret writes a key log line for secret and traces its label (and
// its value only when the configuration asks for secrets in traces).
func (c *Conn) logSecret(label string, secret []byte) {
	c.logKey(label, secret)
	if !c.tracing() {
		return
	}
	if c.cfg.TraceSecrets {
		c.trace("derive secret", "%s = %x", label, secret)
		return
	}
	c.trace("derive secret", "%s (%d bytes)", label, len(secret))
}
