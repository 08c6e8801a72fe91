//go:debug cryptocustomrand=1

package keysched

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/tls"
	"encoding/binary"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/cryptobyte"
)

// The go:debug line above lets crypto/tls take its randomness from
// Config.Rand, so the test knows the client's X25519 private key (all 0x42
// bytes) and can rebuild the whole TLS 1.3 key schedule of a crypto/tls
// handshake from the bytes on the wire.

type tlsRecord struct {
	header  []byte
	payload []byte
}

// splitRecords cuts a byte stream into whole records.
func splitRecords(t *testing.T, b []byte) []tlsRecord {
	t.Helper()
	var out []tlsRecord
	for len(b) > 0 {
		if len(b) < 5 {
			t.Fatal("truncated record header")
		}
		n := 5 + int(binary.BigEndian.Uint16(b[3:5]))
		if len(b) < n {
			t.Fatal("truncated record")
		}
		out = append(out, tlsRecord{b[:5], b[5:n]})
		b = b[n:]
	}
	return out
}

// serverKeyShare returns the cipher suite and X25519 key share of a ServerHello.
func serverKeyShare(t *testing.T, sh []byte) (uint16, []byte) {
	t.Helper()
	s := cryptobyte.String(sh[4:])
	var sessionID, exts cryptobyte.String
	var suite uint16
	if !s.Skip(2+32) || !s.ReadUint8LengthPrefixed(&sessionID) || !s.ReadUint16(&suite) ||
		!s.Skip(1) || !s.ReadUint16LengthPrefixed(&exts) {
		t.Fatal("bad ServerHello")
	}
	for !exts.Empty() {
		var typ uint16
		var body cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&body) {
			t.Fatal("bad ServerHello extensions")
		}
		var group uint16
		var key cryptobyte.String
		if typ == 51 && body.ReadUint16(&group) && body.ReadUint16LengthPrefixed(&key) && group == 29 {
			return suite, key
		}
	}
	t.Fatal("no x25519 key share in ServerHello")
	return 0, nil
}

// suiteAEAD returns the hash and AEAD constructor of a TLS 1.3 suite.
func suiteAEAD(t *testing.T, suite uint16) (crypto.Hash, int, func([]byte) (cipher.AEAD, error)) {
	gcm := func(key []byte) (cipher.AEAD, error) {
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		return cipher.NewGCM(b)
	}
	switch suite {
	case tls.TLS_AES_128_GCM_SHA256:
		return crypto.SHA256, 16, gcm
	case tls.TLS_AES_256_GCM_SHA384:
		return crypto.SHA384, 32, gcm
	case tls.TLS_CHACHA20_POLY1305_SHA256:
		return crypto.SHA256, 32, chacha20poly1305.New
	}
	t.Fatalf("unexpected suite %x", suite)
	return 0, 0, nil
}

// serverFlight decrypts the server's handshake records and returns the
// handshake messages up to and including Finished.
func serverFlight(t *testing.T, recs []tlsRecord, aead cipher.AEAD, iv []byte) [][]byte {
	t.Helper()
	var buf []byte
	var msgs [][]byte
	seq := uint64(0)
	for _, r := range recs {
		if r.header[0] != 23 {
			continue
		}
		nonce := bytes.Clone(iv)
		for i := 0; i < 8; i++ {
			nonce[len(nonce)-1-i] ^= byte(seq >> (8 * i))
		}
		seq++
		plain, err := aead.Open(nil, nonce, r.payload, r.header)
		if err != nil {
			t.Fatal("cannot decrypt server flight: ", err)
		}
		plain = bytes.TrimRight(plain, "\x00")
		if plain[len(plain)-1] != 22 {
			t.Fatal("server flight record is not a handshake record")
		}
		buf = append(buf, plain[:len(plain)-1]...)
		for len(buf) >= 4 {
			n := 4 + (int(buf[1])<<16 | int(buf[2])<<8 | int(buf[3]))
			if len(buf) < n {
				break
			}
			msgs = append(msgs, buf[:n])
			if buf[0] == 20 {
				return msgs
			}
			buf = buf[n:]
		}
	}
	t.Fatal("no server Finished")
	return nil
}

func TestScheduleAgainstCryptoTLS13(t *testing.T) {
	run := handshake(t, tls.VersionTLS13, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
	ch := splitRecords(t, run.sent)[0].payload
	recs := splitRecords(t, run.read)
	sh := recs[0].payload
	if ch[0] != 1 || sh[0] != 2 || !bytes.Equal(ch[6:38], bytes.Repeat([]byte{0x42}, 32)) {
		t.Fatal("unexpected first messages; is cryptocustomrand in effect?")
	}
	suite, peer := serverKeyShare(t, sh)
	h, keyLen, newAEAD := suiteAEAD(t, suite)
	shared := sharedSecret(t, peer)

	tr := NewTranscript()
	tr.Write(ch)
	tr.SetHash(h)
	tr.Write(sh)
	hs := NewEarlySecret(h, nil).HandshakeSecret(shared)
	cHS := hs.ClientHandshakeTrafficSecret(tr.Sum())
	sHS := hs.ServerHandshakeTrafficSecret(tr.Sum())
	checkKeyLog(t, run.keyLog, LabelClientHandshake, ch[6:38], cHS.Bytes())
	checkKeyLog(t, run.keyLog, LabelServerHandshake, ch[6:38], sHS.Bytes())

	key, iv := sHS.TrafficKeys(keyLen)
	aead, err := newAEAD(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range serverFlight(t, recs[1:], aead, iv) {
		if m[0] == 20 {
			if want := FinishedMAC(h, sHS.FinishedKey(), tr.Sum()); !bytes.Equal(m[4:], want) {
				t.Errorf("server Finished = %x, computed %x", m[4:], want)
			}
		}
		tr.Write(m)
	}
	ms := hs.MasterSecret()
	checkKeyLog(t, run.keyLog, LabelClientTraffic, ch[6:38], ms.ClientApplicationTrafficSecret(tr.Sum()).Bytes())
	checkKeyLog(t, run.keyLog, LabelServerTraffic, ch[6:38], ms.ServerApplicationTrafficSecret(tr.Sum()).Bytes())

	ems := ms.ExporterMasterSecret(tr.Sum())
	state := run.client.ConnectionState()
	for _, ctx := range [][]byte{nil, []byte("context")} {
		want, err := state.ExportKeyingMaterial("EXPERIMENTAL gotls", ctx, 42)
		if err != nil {
			t.Fatal(err)
		}
		if got := ems.Export("EXPERIMENTAL gotls", ctx, 42); !bytes.Equal(got, want) {
			t.Errorf("Export = %x, crypto/tls %x", got, want)
		}
	}
}

// sharedSecret returns the X25519 shared secret of the client's all-0x42
// private key and the server's key share.
func sharedSecret(t *testing.T, peer []byte) []byte {
	t.Helper()
	priv, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{0x42}, 32))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ecdh.X25519().NewPublicKey(peer)
	if err != nil {
		t.Fatal(err)
	}
	shared, err := priv.ECDH(pub)
	if err != nil {
		t.Fatal(err)
	}
	return shared
}

// checkKeyLog compares a key log line of crypto/tls with KeyLogLine.
func checkKeyLog(t *testing.T, lines map[string]string, label string, clientRandom, secret []byte) {
	t.Helper()
	want := label + " " + lines[label] + "\n"
	if got := KeyLogLine(label, clientRandom, secret); got != want {
		t.Errorf("key log line\n got %q\nwant %q", got, want)
	}
}
