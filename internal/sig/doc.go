// Package sig chooses, produces and checks the signatures of the TLS
// handshake (CertificateVerify in TLS 1.3, ServerKeyExchange and
// CertificateVerify in TLS 1.2) over a crypto.Signer.
//
// Supported schemes: ecdsa_secp256r1_sha256, ecdsa_secp384r1_sha384,
// ecdsa_secp521r1_sha512, ed25519, rsa_pss_rsae_sha256/384/512, and, in
// TLS 1.2 only, rsa_pkcs1_sha256/384/512.
//
// Not supported, though their code points are accepted in lists:
//   - rsa_pss_pss_*: these need a certificate whose key is an
//     id-RSASSA-PSS key, which crypto/x509 cannot parse, so such a key can
//     never reach this package.
//   - SHA-1 schemes (rsa_pkcs1_sha1, ecdsa_sha1): RFC 9155 deprecates them
//     for TLS 1.2 and RFC 8446 forbids them in TLS 1.3.
//   - ed448: the Go standard library has no Ed448.
//
// Every error a peer can cause is a *wire.Error carrying the alert to send.
package sig
