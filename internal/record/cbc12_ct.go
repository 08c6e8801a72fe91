package record

import (
	"crypto/sha1"
	"crypto/subtle"
)

// This file holds the constant-time pieces of CBC record decryption. Their
// running time depends on the length of the record, which is public, and
// on nothing inside it: no branch and no memory address depends on the
// padding, the MAC or the data (Lucky Thirteen, AlFardan and Paterson,
// 2013). Arguments of subtle's functions stay within [0, 2^31).

const (
	// macHeaderLen is the length of the MAC pseudo-header: seq_num, type,
	// version, length (RFC 5246, Section 6.2.3.1).
	macHeaderLen = 8 + 1 + 2 + 2
	// sha1FinalLen is what SHA-1 appends when it finishes: the 0x80 byte
	// and the 64-bit message length (RFC 3174, Section 4).
	sha1FinalLen = 1 + 8
	// cbcMaxExtra bounds the dummy bytes cbcExtraHash asks for: at most the
	// span of possible data lengths plus one block.
	cbcMaxExtra = cbcMaxPadding + sha1.BlockSize
)

// ctMask turns 1 into 0xff and 0 into 0.
func ctMask(v int) byte { return byte(-v) }

// cbcPadding checks the padding at the end of a decrypted record body of
// at least cbcMACLen+1 bytes. It returns how many bytes to remove (the
// padding and padding_length) and good = 1 if the padding is right; if not,
// good = 0 and toRemove is 1, as if padding_length were zero, so that the
// MAC is still computed over a plausible length. It reads the last
// min(len(plain), 256) bytes whatever the padding length.
func cbcPadding(plain []byte) (toRemove, good int) {
	last := len(plain) - 1
	padLen := int(plain[last])
	// The padding and the MAC must fit in the record (RFC 5246, Section 6.2.3.2).
	good = subtle.ConstantTimeLessOrEq(padLen+1+cbcMACLen, len(plain))
	for i := 0; i < min(len(plain), cbcMaxPadding); i++ {
		inPadding := subtle.ConstantTimeLessOrEq(i, padLen)
		// Each padding byte MUST equal padding_length (RFC 5246, Section 6.2.3.2).
		same := subtle.ConstantTimeByteEq(plain[last-i], uint8(padLen))
		good &= (inPadding ^ 1) | same
	}
	return subtle.ConstantTimeSelect(good, padLen+1, 1), good
}

// cbcCopyMAC copies into out the cbcMACLen bytes of plain at macStart, a
// secret offset at most cbcMaxPadding+cbcMACLen bytes from the end of
// plain. It reads every byte of that window once and selects with masks,
// so neither the time nor the addresses it touches depend on macStart.
func cbcCopyMAC(out *[cbcMACLen]byte, plain []byte, macStart int) {
	start := max(0, len(plain)-cbcMACLen-cbcMaxPadding)
	// rotated[(i-start) % cbcMACLen] collects byte i of plain when it
	// belongs to the MAC.
	var rotated [cbcMACLen]byte
	j := 0
	for i := start; i < len(plain); i++ {
		inMAC := subtle.ConstantTimeLessOrEq(macStart, i) &^ subtle.ConstantTimeLessOrEq(macStart+cbcMACLen, i)
		rotated[j] |= plain[i] & ctMask(inMAC)
		j++
		if j == cbcMACLen {
			j = 0
		}
	}
	// Byte k of the MAC sits at rotated[(k+shift) % cbcMACLen]. The modulus
	// is a constant, which the compiler turns into a multiplication.
	shift := int(uint(macStart-start) % cbcMACLen)
	for k := range out {
		idx := k + shift
		idx -= cbcMACLen * subtle.ConstantTimeLessOrEq(cbcMACLen, idx)
		var b byte
		for t := range rotated {
			b |= rotated[t] & ctMask(subtle.ConstantTimeEq(int32(t), int32(idx)))
		}
		out[k] = b
	}
}

// sha1Blocks is how many times SHA-1 runs its compression function to hash
// n bytes and finish.
func sha1Blocks(n int) int {
	return (n + sha1FinalLen + sha1.BlockSize - 1) / sha1.BlockSize
}

// cbcExtraHash returns how many dummy bytes to feed the inner hash of the
// HMAC after finishing the MAC of dataLen bytes, so that the number of
// SHA-1 compressions equals that of maxDataLen bytes, the most data the
// record could hold. dataLen is secret and is handled in constant time;
// maxDataLen is public and at least dataLen.
//
// The inner hash has taken in the ipad block, the pseudo-header and the
// data, m bytes: Write compressed floor(m/64) blocks, and Sum, working on a
// copy of the state, one or two more to finish. The dummy bytes then make
// Write compress blocks up to floor((m+extra)/64), so the total is
// floor((m+extra)/64) + final(m), which we make equal to sha1Blocks(mMax).
// (The outer hash always compresses the same number of blocks.)
func cbcExtraHash(dataLen, maxDataLen int) int {
	const prefix = sha1.BlockSize + macHeaderLen
	m := prefix + dataLen
	target := sha1Blocks(prefix + maxDataLen)
	// Finishing takes a second block when the 9 final bytes do not fit.
	final := 1 + subtle.ConstantTimeLessOrEq(sha1.BlockSize-sha1FinalLen+1, m&(sha1.BlockSize-1))
	want := (target - final) * sha1.BlockSize
	return subtle.ConstantTimeSelect(subtle.ConstantTimeLessOrEq(m, want), want-m, 0)
}
