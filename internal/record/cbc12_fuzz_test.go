package record

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"testing"

	"gotls/internal/wire"
)

// refOpenCBC opens a record made by a cbcPair writer at sequence number 0
// the plain way: variable time, one check after another. It returns the
// data and 0, or the alert Open must give.
func refOpenCBC(key, rec []byte) ([]byte, wire.Alert) {
	typ, vers, n := ParseHeader(rec)
	if n > MaxCiphertext12 {
		return nil, wire.AlertRecordOverflow
	}
	if n < 48 || n%16 != 0 {
		return nil, wire.AlertBadRecordMAC
	}
	plain := make([]byte, n-16)
	block, _ := aes.NewCipher(key)
	cipher.NewCBCDecrypter(block, rec[5:21]).CryptBlocks(plain, rec[21:])
	dataLen, ok := refPadding(plain)
	if !ok {
		return nil, wire.AlertBadRecordMAC
	}
	if !hmac.Equal(refMAC(0, typ, vers, plain[:dataLen]), plain[dataLen:dataLen+20]) {
		return nil, wire.AlertBadRecordMAC
	}
	if dataLen > MaxPlaintext {
		return nil, wire.AlertRecordOverflow
	}
	return plain[:dataLen], 0
}

// refPadding returns the data length a decrypted body implies, and
// whether its padding is well formed.
func refPadding(plain []byte) (int, bool) {
	padLen := int(plain[len(plain)-1])
	if padLen+1+20 > len(plain) {
		return 0, false
	}
	for _, b := range plain[len(plain)-1-padLen:] {
		if int(b) != padLen {
			return 0, false
		}
	}
	return len(plain) - 20 - padLen - 1, true
}

// FuzzOpenCBC opens hostile records: Open must never panic and must agree
// with refOpenCBC. The low two bits of mode say what body is: 0, the raw
// record body; 1, the CBC plaintext (cut to whole blocks) with a correct
// MAC written where its padding says the data ends; 2, the plaintext as
// is. The next bits pick the content type. Seeds are in
// testdata/fuzz/FuzzOpenCBC.
func FuzzOpenCBC(f *testing.F) {
	w, r := cbcPair(f, wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA)
	key := bytes.Repeat([]byte{0x21}, 16)
	f.Fuzz(func(t *testing.T, body []byte, mode byte) {
		w.seq.n, r.seq.n = 0, 0
		typ := wire.ContentType(20 + mode>>2%4)
		// Past a few blocks beyond the 256-byte padding window, length
		// changes nothing but the cost; the size limits have unit tests.
		body = body[:min(len(body), 384)]
		var rec []byte
		switch mode % 4 {
		case 1, 2:
			plain := bytes.Clone(body[:len(body)/16*16])
			if len(plain) < 32 {
				return
			}
			if dataLen, ok := refPadding(plain); ok && mode%4 == 1 {
				copy(plain[dataLen:], refMAC(0, typ, wire.VersionTLS12, plain[:dataLen]))
			}
			rec = encryptBody(w, typ, plain)
		default:
			rec = appendHeader(nil, typ, wire.VersionTLS12, len(body))
			rec = append(rec, body...)
		}
		want, wantAlert := refOpenCBC(key, rec)
		gotTyp, got, err := r.Open(bytes.Clone(rec))
		if (err == nil) != (wantAlert == 0) || err != nil && alertOf(err) != wantAlert {
			t.Fatalf("Open: %v, want alert %v", err, wantAlert)
		}
		if err == nil && (gotTyp != typ || !bytes.Equal(got, want)) {
			t.Fatalf("Open = %v %x, want %v %x", gotTyp, got, typ, want)
		}
	})
}
