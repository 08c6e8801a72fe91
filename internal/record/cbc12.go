package record

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"hash"
	"io"
	"slices"

	"gotls/internal/wire"
)

// TLS 1.2 CBC record constants (RFC 5246, Section 6.2.3.2).
const (
	// cbcBlockSize is the AES block size, which is also the length of the
	// explicit IV carried in each record.
	cbcBlockSize = aes.BlockSize
	// cbcMACLen is the length of an HMAC-SHA1 tag.
	cbcMACLen = sha1.Size
	// cbcMaxPadding is the most padding a record can carry: up to 255
	// padding bytes plus the padding_length byte.
	cbcMaxPadding = 256
	// cbcMinBody is the shortest legal record body: the IV, then enough
	// whole blocks to hold the MAC and padding_length.
	cbcMinBody = cbcBlockSize + (cbcMACLen+1+cbcBlockSize-1)/cbcBlockSize*cbcBlockSize
	// cbcRecordLimit is when NeedsRekey turns true. AES-CBC, like AES-GCM,
	// loses confidentiality at the birthday bound on AES blocks, so it gets
	// the same limit as GCM (RFC 8446, Section 5.5 gives the reasoning).
	cbcRecordLimit = gcmRecordLimit
)

// CBCSuite describes the record protection of a TLS 1.2 AES-CBC suite with
// HMAC-SHA1 (RFC 5246, Section 6.2.3.2; RFC 3268; RFC 8422). These suites
// carry their IV in each record, so their key block holds no IVs: derive it
// with an IV length of zero.
type CBCSuite struct {
	// ID is the cipher suite.
	ID wire.CipherSuite
	// Hash is the hash of the TLS 1.2 PRF: SHA-256 for every CBC suite.
	Hash crypto.Hash
	// KeyLen is the length of the AES key: 16 or 32.
	KeyLen int
	// MACLen is the length of the MAC key and of the MAC: 20.
	MACLen int
	// MACHash is the hash of the record MAC: SHA-1.
	MACHash crypto.Hash
}

// CBCSuite12 returns the record protection of the TLS 1.2 AES-CBC-SHA suite
// id, or nil if id is not a CBC suite gotls knows. The result is shared and
// must not be modified.
func CBCSuite12(id wire.CipherSuite) *CBCSuite {
	switch id {
	case wire.TLS_RSA_WITH_AES_128_CBC_SHA:
		return &cbcSuites12[0]
	case wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA:
		return &cbcSuites12[1]
	case wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:
		return &cbcSuites12[2]
	case wire.TLS_RSA_WITH_AES_256_CBC_SHA:
		return &cbcSuites12[3]
	case wire.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA:
		return &cbcSuites12[4]
	case wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA:
		return &cbcSuites12[5]
	}
	return nil
}

// cbcSuites12 are the values CBCSuite12 hands out; they are shared, so
// callers must treat a *CBCSuite as read-only.
var cbcSuites12 = [...]CBCSuite{
	{ID: wire.TLS_RSA_WITH_AES_128_CBC_SHA, Hash: crypto.SHA256, KeyLen: 16, MACLen: cbcMACLen, MACHash: crypto.SHA1},
	{ID: wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, Hash: crypto.SHA256, KeyLen: 16, MACLen: cbcMACLen, MACHash: crypto.SHA1},
	{ID: wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, Hash: crypto.SHA256, KeyLen: 16, MACLen: cbcMACLen, MACHash: crypto.SHA1},
	{ID: wire.TLS_RSA_WITH_AES_256_CBC_SHA, Hash: crypto.SHA256, KeyLen: 32, MACLen: cbcMACLen, MACHash: crypto.SHA1},
	{ID: wire.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, Hash: crypto.SHA256, KeyLen: 32, MACLen: cbcMACLen, MACHash: crypto.SHA1},
	{ID: wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, Hash: crypto.SHA256, KeyLen: 32, MACLen: cbcMACLen, MACHash: crypto.SHA1},
}

// cbcMode is a CBC BlockMode whose IV can be replaced, as the AES modes of
// crypto/cipher allow; it lets one mode serve every record.
type cbcMode interface {
	cipher.BlockMode
	SetIV(iv []byte)
}

// cbc12 protects one direction with a TLS 1.2 GenericBlockCipher: HMAC-SHA1
// over the plaintext, then padding, then AES-CBC under an explicit IV
// (RFC 5246, Section 6.2.3.2).
type cbc12 struct {
	enc, dec cbcMode
	// ivBlock is AES under a private random key; the explicit IV of record
	// seq_num is ivBlock(seq_num), distinct and unpredictable per record.
	ivBlock cipher.Block
	mac     hash.Hash
	seq     sequence
	// hdr is the MAC pseudo-header: seq_num, type, version, length
	// (RFC 5246, Section 6.2.3.1).
	hdr [macHeaderLen]byte
	iv  [cbcBlockSize]byte
	// sum is the MAC we compute, got the MAC the record carries.
	sum, got [cbcMACLen]byte
	// zeros feeds the dummy bytes that equalise the hashing work.
	zeros [cbcMaxExtra]byte
}

// NewCBC12 returns a TLS 1.2 CBC protector for a suite from CBCSuite12.
// encKey and macKey are the write key and MAC write key of the direction
// from the key block (RFC 5246, Section 6.3). NewCBC12 reads s.KeyLen bytes
// from rand, once, for a private key that turns sequence numbers into
// explicit IVs: the IV of each record is AES under that key of the 64-bit
// sequence number, so IVs never repeat and cannot be predicted by anyone,
// including a peer that sees ciphertext and chooses plaintext (RFC 5246,
// Section 6.2.3.2), and Seal needs no randomness. rand must not be nil.
func NewCBC12(s *CBCSuite, encKey, macKey []byte, rand io.Reader) (Protector, error) {
	return newCBC12(s, encKey, macKey, rand, sha1.New)
}

// newCBC12 is NewCBC12 with the MAC's hash as a parameter, so that tests
// can count the hashing work.
func newCBC12(s *CBCSuite, encKey, macKey []byte, rand io.Reader, newHash func() hash.Hash) (*cbc12, error) {
	if len(encKey) != s.KeyLen || len(macKey) != s.MACLen || s.MACLen != cbcMACLen || rand == nil {
		return nil, wire.Fatalf(wire.AlertInternalError, "wrong keys or no randomness for %v", s.ID)
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "cannot create cipher", err)
	}
	var zeroIV [cbcBlockSize]byte
	enc, okEnc := cipher.NewCBCEncrypter(block, zeroIV[:]).(cbcMode)
	dec, okDec := cipher.NewCBCDecrypter(block, zeroIV[:]).(cbcMode)
	if !okEnc || !okDec {
		return nil, wire.Fatalf(wire.AlertInternalError, "cbc mode without SetIV")
	}
	ivKey := make([]byte, s.KeyLen)
	if _, err := io.ReadFull(rand, ivKey); err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "cannot read randomness", err)
	}
	ivBlock, err := aes.NewCipher(ivKey)
	clear(ivKey)
	if err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "cannot create cipher", err)
	}
	return &cbc12{
		enc: enc, dec: dec, ivBlock: ivBlock,
		mac: hmac.New(newHash, macKey),
		seq: sequence{rekeyAt: cbcRecordLimit},
	}, nil
}

// setHeader builds the MAC pseudo-header of the current record.
func (p *cbc12) setHeader(typ wire.ContentType, vers wire.Version, length int) {
	binary.BigEndian.PutUint64(p.hdr[:8], p.seq.n)
	p.hdr[8] = byte(typ)
	binary.BigEndian.PutUint16(p.hdr[9:], uint16(vers))
	binary.BigEndian.PutUint16(p.hdr[11:], uint16(length))
}

// setIV derives the explicit IV of the current record.
func (p *cbc12) setIV() {
	clear(p.iv[:8])
	binary.BigEndian.PutUint64(p.iv[8:], p.seq.n)
	p.ivBlock.Encrypt(p.iv[:], p.iv[:])
}

// Seal appends a GenericBlockCipher record with the least padding;
// padding is ignored.
func (p *cbc12) Seal(dst []byte, typ wire.ContentType, payload []byte, padding int) []byte {
	checkPayload(payload)
	if p.seq.exhausted() {
		panic("record: sequence number exhausted") // RFC 5246, Section 6.1
	}
	// padLen counts the padding bytes and padding_length: 1 to 16.
	padLen := cbcBlockSize - (len(payload)+cbcMACLen)%cbcBlockSize
	n := cbcBlockSize + len(payload) + cbcMACLen + padLen
	dst = slices.Grow(dst, HeaderLen+n)
	dst = appendHeader(dst, typ, wire.VersionTLS12, n)
	p.setIV()
	dst = append(dst, p.iv[:]...)
	body := len(dst)
	dst = append(dst, payload...)
	p.setHeader(typ, wire.VersionTLS12, len(payload))
	p.mac.Reset()
	p.mac.Write(p.hdr[:])
	p.mac.Write(dst[body:])
	dst = p.mac.Sum(dst)
	for range padLen {
		// Each padding byte holds the padding length (RFC 5246, Section 6.2.3.2).
		dst = append(dst, byte(padLen-1))
	}
	p.enc.SetIV(p.iv[:])
	p.enc.CryptBlocks(dst[body:], dst[body:])
	p.seq.n++
	return dst
}

// Open decrypts a GenericBlockCipher record in place and checks its
// padding and MAC in time that depends only on the record's length: every
// failure looks the same, on the wire and on the clock (Lucky Thirteen,
// AlFardan and Paterson, 2013).
func (p *cbc12) Open(rec []byte) (wire.ContentType, []byte, error) {
	if err := checkFraming(rec); err != nil {
		return 0, nil, err
	}
	typ, vers, n := ParseHeader(rec)
	if n > MaxCiphertext12 {
		return 0, nil, wire.Fatalf(wire.AlertRecordOverflow, "protected record of %d bytes", n) // RFC 5246, Section 6.2.3
	}
	if n < cbcMinBody || n%cbcBlockSize != 0 {
		// Not a whole number of blocks holding an IV, a MAC and
		// padding_length: bad_record_mac, never decryption_failed
		// (RFC 5246, Section 7.2.2).
		return 0, nil, errBadCBCRecord()
	}
	if p.seq.exhausted() {
		return 0, nil, errSeqExhausted() // RFC 5246, Section 6.1
	}
	body := rec[HeaderLen+cbcBlockSize:]
	p.dec.SetIV(rec[HeaderLen : HeaderLen+cbcBlockSize])
	p.dec.CryptBlocks(body, body)
	dataLen, good := p.authenticate(typ, vers, body)
	if good != 1 {
		clear(body) // leave no unauthenticated plaintext behind
		return 0, nil, errBadCBCRecord()
	}
	p.seq.n++
	if dataLen > MaxPlaintext {
		return 0, nil, wire.Fatalf(wire.AlertRecordOverflow, "plaintext of %d bytes", dataLen) // RFC 5246, Section 6.2.1
	}
	return typ, body[:dataLen], nil
}

// errBadCBCRecord is the one error of a CBC record that fails to decrypt,
// whatever the reason (RFC 5246, Section 6.2.3.2).
func errBadCBCRecord() error {
	return wire.Fatalf(wire.AlertBadRecordMAC, "record authentication failed") // RFC 5246, Section 7.2.2
}

// authenticate checks the padding and the MAC of a decrypted record body
// of at least cbcMinBody-cbcBlockSize bytes, a whole number of blocks. It
// returns the length of the data and good = 1 if both are right, 0 if not,
// doing the same work either way and whatever the padding length.
func (p *cbc12) authenticate(typ wire.ContentType, vers wire.Version, plain []byte) (dataLen, good int) {
	toRemove, good := cbcPadding(plain)
	dataLen = len(plain) - cbcMACLen - toRemove
	p.setHeader(typ, vers, dataLen)
	p.mac.Reset()
	p.mac.Write(p.hdr[:])
	p.mac.Write(plain[:dataLen])
	p.mac.Sum(p.sum[:0])
	// Keep hashing dummy bytes so that the number of SHA-1 blocks is that
	// of the longest data this record could carry.
	p.mac.Write(p.zeros[:cbcExtraHash(dataLen, len(plain)-cbcMACLen-1)])
	cbcCopyMAC(&p.got, plain, dataLen)
	good &= subtle.ConstantTimeCompare(p.sum[:], p.got[:])
	return dataLen, good
}

// Overhead is the header, the explicit IV, the MAC and the most padding
// Seal adds.
func (p *cbc12) Overhead() int { return HeaderLen + cbcBlockSize + cbcMACLen + cbcBlockSize }

// NeedsRekey reports whether the AES-CBC limit is near; TLS 1.2 cannot
// rekey without renegotiation, so the engine closes the connection instead.
func (p *cbc12) NeedsRekey() bool { return p.seq.needsRekey() }

// Encrypted is true.
func (p *cbc12) Encrypted() bool { return true }
