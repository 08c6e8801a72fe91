package wire

import "fmt"

// Group is a named group from the IANA "TLS Supported Groups" registry.
type Group uint16

// Named groups gotls knows by name.
const (
	GroupSecp256r1          Group = 23
	GroupSecp384r1          Group = 24
	GroupSecp521r1          Group = 25
	GroupX25519             Group = 29
	GroupX448               Group = 30
	GroupFFDHE2048          Group = 256
	GroupX25519MLKEM768     Group = 0x11ec
	GroupSecP256r1MLKEM768  Group = 0x11eb
	GroupSecP384r1MLKEM1024 Group = 0x11ed
)

// String returns the registry name of the group.
func (g Group) String() string {
	switch g {
	case GroupSecp256r1:
		return "secp256r1"
	case GroupSecp384r1:
		return "secp384r1"
	case GroupSecp521r1:
		return "secp521r1"
	case GroupX25519:
		return "x25519"
	case GroupX448:
		return "x448"
	case GroupFFDHE2048:
		return "ffdhe2048"
	case GroupX25519MLKEM768:
		return "X25519MLKEM768"
	case GroupSecP256r1MLKEM768:
		return "SecP256r1MLKEM768"
	case GroupSecP384r1MLKEM1024:
		return "SecP384r1MLKEM1024"
	}
	return fmt.Sprintf("group(0x%04x)", uint16(g))
}

// SignatureScheme is a value from the IANA "TLS SignatureScheme" registry.
type SignatureScheme uint16

// Signature schemes gotls knows by name.
const (
	PKCS1WithSHA1          SignatureScheme = 0x0201
	PKCS1WithSHA256        SignatureScheme = 0x0401
	PKCS1WithSHA384        SignatureScheme = 0x0501
	PKCS1WithSHA512        SignatureScheme = 0x0601
	ECDSAWithSHA1          SignatureScheme = 0x0203
	ECDSAWithP256AndSHA256 SignatureScheme = 0x0403
	ECDSAWithP384AndSHA384 SignatureScheme = 0x0503
	ECDSAWithP521AndSHA512 SignatureScheme = 0x0603
	PSSWithSHA256          SignatureScheme = 0x0804 // rsa_pss_rsae_sha256
	PSSWithSHA384          SignatureScheme = 0x0805 // rsa_pss_rsae_sha384
	PSSWithSHA512          SignatureScheme = 0x0806 // rsa_pss_rsae_sha512
	Ed25519                SignatureScheme = 0x0807
	Ed448                  SignatureScheme = 0x0808
	PSSPSSWithSHA256       SignatureScheme = 0x0809 // rsa_pss_pss_sha256
	PSSPSSWithSHA384       SignatureScheme = 0x080a // rsa_pss_pss_sha384
	PSSPSSWithSHA512       SignatureScheme = 0x080b // rsa_pss_pss_sha512
)

var schemeNames = map[SignatureScheme]string{
	PKCS1WithSHA1:          "rsa_pkcs1_sha1",
	PKCS1WithSHA256:        "rsa_pkcs1_sha256",
	PKCS1WithSHA384:        "rsa_pkcs1_sha384",
	PKCS1WithSHA512:        "rsa_pkcs1_sha512",
	ECDSAWithSHA1:          "ecdsa_sha1",
	ECDSAWithP256AndSHA256: "ecdsa_secp256r1_sha256",
	ECDSAWithP384AndSHA384: "ecdsa_secp384r1_sha384",
	ECDSAWithP521AndSHA512: "ecdsa_secp521r1_sha512",
	PSSWithSHA256:          "rsa_pss_rsae_sha256",
	PSSWithSHA384:          "rsa_pss_rsae_sha384",
	PSSWithSHA512:          "rsa_pss_rsae_sha512",
	Ed25519:                "ed25519",
	Ed448:                  "ed448",
	PSSPSSWithSHA256:       "rsa_pss_pss_sha256",
	PSSPSSWithSHA384:       "rsa_pss_pss_sha384",
	PSSPSSWithSHA512:       "rsa_pss_pss_sha512",
}

// String returns the registry name of the scheme.
func (s SignatureScheme) String() string {
	if n, ok := schemeNames[s]; ok {
		return n
	}
	return fmt.Sprintf("signature_scheme(0x%04x)", uint16(s))
}
