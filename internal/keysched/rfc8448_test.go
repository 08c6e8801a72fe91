package keysched

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"testing"
)

// sum256 hashes the concatenation of msgs.
func sum256(msgs ...[]byte) []byte {
	h := sha256.New()
	for _, m := range msgs {
		h.Write(m)
	}
	return h.Sum(nil)
}

func TestRFC8448MessageLengths(t *testing.T) {
	for _, c := range []struct {
		name string
		msg  []byte
		want int
	}{
		{"ClientHello", rfc8448ClientHello, 196},
		{"ServerHello", rfc8448ServerHello, 90},
		{"EncryptedExtensions", rfc8448EncryptedExtensions, 40},
		{"Certificate", rfc8448Certificate, 445},
		{"CertificateVerify", rfc8448CertificateVerify, 136},
		{"server Finished", rfc8448ServerFinished, 36},
		{"client Finished", rfc8448ClientFinished, 36},
		{"resumed ClientHello prefix", rfc8448ResumedClientHelloPrefix, 477},
	} {
		if len(c.msg) != c.want {
			t.Errorf("%s: %d bytes, want %d", c.name, len(c.msg), c.want)
		}
	}
}

// rfc8448Schedule runs the key schedule of RFC 8448, Section 3 over the
// trace's messages and returns every intermediate value by the names of
// rfc8448Want.
func rfc8448Schedule() map[string][]byte {
	h := crypto.SHA256
	tr := NewTranscript()
	tr.Write(rfc8448ClientHello)
	tr.SetHash(h)
	tr.Write(rfc8448ServerHello)
	hsHash := tr.Sum()

	early := NewEarlySecret(h, nil)
	hs := early.HandshakeSecret(rfc8448SharedSecret)
	cHS := hs.ClientHandshakeTrafficSecret(hsHash)
	sHS := hs.ServerHandshakeTrafficSecret(hsHash)
	got := map[string][]byte{
		"early":      early.s.b,
		"derived1":   deriveSecret(h, early.s.b, "derived", emptyHash(h)),
		"handshake":  hs.s.b,
		"hsHash":     hsHash,
		"cHsTraffic": cHS.Bytes(),
		"sHsTraffic": sHS.Bytes(),
		"derived2":   deriveSecret(h, hs.s.b, "derived", emptyHash(h)),
		"sFinKey":    sHS.FinishedKey(),
		"cFinKey":    cHS.FinishedKey(),
	}
	got["sHsKey"], got["sHsIV"] = sHS.TrafficKeys(16)
	got["cHsKey"], got["cHsIV"] = cHS.TrafficKeys(16)

	for _, m := range [][]byte{rfc8448EncryptedExtensions, rfc8448Certificate, rfc8448CertificateVerify} {
		tr.Write(m)
	}
	got["sFinished"] = FinishedMAC(h, sHS.FinishedKey(), tr.Sum())
	tr.Write(rfc8448ServerFinished)
	apHash := tr.Sum()
	ms := hs.MasterSecret()
	cAP := ms.ClientApplicationTrafficSecret(apHash)
	sAP := ms.ServerApplicationTrafficSecret(apHash)
	got["master"], got["apHash"] = ms.s.b, apHash
	got["cApTraffic"], got["sApTraffic"] = cAP.Bytes(), sAP.Bytes()
	got["expMaster"] = ms.ExporterMasterSecret(apHash).Bytes()
	got["cApKey"], got["cApIV"] = cAP.TrafficKeys(16)
	got["sApKey"], got["sApIV"] = sAP.TrafficKeys(16)
	got["cFinished"] = FinishedMAC(h, cHS.FinishedKey(), apHash)

	tr.Write(rfc8448ClientFinished)
	rms := ms.ResumptionMasterSecret(tr.Sum())
	nonce := unhex(rfc8448Want["ticketNonce"])
	got["resHash"], got["resMaster"] = tr.Sum(), rms.s.b
	got["ticketNonce"], got["ticketPSK"] = nonce, rms.PSK(nonce)
	return got
}

// TestRFC8448Simple1RTT checks every intermediate value of the key
// schedule of RFC 8448, Section 3.
func TestRFC8448Simple1RTT(t *testing.T) {
	got := rfc8448Schedule()
	for name, want := range rfc8448Want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: not computed", name)
			continue
		}
		if !bytes.Equal(g, unhex(want)) {
			t.Errorf("%s = %x, want %s", name, g, want)
		}
	}
	// The Finished messages of the trace carry the same verify_data.
	if !bytes.Equal(rfc8448ServerFinished[4:], got["sFinished"]) || !bytes.Equal(rfc8448ClientFinished[4:], got["cFinished"]) {
		t.Error("Finished messages of the trace disagree with the computed verify_data")
	}
}

// TestRFC8448ResumedBinder checks the PSK binder of RFC 8448, Section 4,
// computed from the resumption PSK of Section 3.
func TestRFC8448ResumedBinder(t *testing.T) {
	h := crypto.SHA256
	psk := unhex(rfc8448Want["ticketPSK"])
	early := NewEarlySecret(h, psk)

	tr := NewTranscript()
	tr.SetHash(h)
	binderHash := tr.SumWith(rfc8448ResumedClientHelloPrefix)
	binderKey := early.ResumptionBinderKey()

	got := map[string][]byte{
		"early":      early.s.b,
		"binderHash": binderHash,
		"binderKey":  binderKey,
		"binder":     Binder(h, binderKey, binderHash),
	}
	for name, want := range rfc8448ResumedWant {
		if !bytes.Equal(got[name], unhex(want)) {
			t.Errorf("%s = %x, want %s", name, got[name], want)
		}
	}
	// SumWith leaves the transcript as it was.
	if !bytes.Equal(tr.Sum(), emptyHash(h)) {
		t.Error("SumWith changed the transcript")
	}
}

// TestExpandLabelRFC8448 checks HKDF-Expand-Label directly on values of
// RFC 8448, Section 3: the "derived" secret, the server handshake write key
// and IV, and the server finished_key.
func TestExpandLabelRFC8448(t *testing.T) {
	h := crypto.SHA256
	early := unhex(rfc8448Want["early"])
	sHS := unhex(rfc8448Want["sHsTraffic"])
	for _, c := range []struct {
		secret  []byte
		label   string
		context []byte
		length  int
		want    string
	}{
		{early, "derived", emptyHash(h), 32, rfc8448Want["derived1"]},
		{sHS, "key", nil, 16, rfc8448Want["sHsKey"]},
		{sHS, "iv", nil, 12, rfc8448Want["sHsIV"]},
		{sHS, "finished", nil, 32, rfc8448Want["sFinKey"]},
		{sHS, "finished", []byte{}, 32, rfc8448Want["sFinKey"]},
	} {
		got := ExpandLabel(h, c.secret, c.label, c.context, c.length)
		if !bytes.Equal(got, unhex(c.want)) {
			t.Errorf("ExpandLabel(%q) = %x, want %s", c.label, got, c.want)
		}
	}
}
