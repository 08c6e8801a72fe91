package wire

import "fmt"

// ContentType is a TLS record content type (RFC 8446, Section 5.1).
type ContentType uint8

// Record content types from the IANA "TLS ContentType" registry.
const (
	ContentChangeCipherSpec ContentType = 20
	ContentAlert            ContentType = 21
	ContentHandshake        ContentType = 22
	ContentApplicationData  ContentType = 23
)

// String returns the registry name of the content type.
func (t ContentType) String() string {
	switch t {
	case ContentChangeCipherSpec:
		return "change_cipher_spec"
	case ContentAlert:
		return "alert"
	case ContentHandshake:
		return "handshake"
	case ContentApplicationData:
		return "application_data"
	}
	return fmt.Sprintf("content_type(%d)", uint8(t))
}

// HandshakeType is a handshake message type (RFC 8446, Section 4).
type HandshakeType uint8

// Handshake message types from the IANA "TLS HandshakeType" registry.
const (
	HandshakeHelloRequest        HandshakeType = 0
	HandshakeClientHello         HandshakeType = 1
	HandshakeServerHello         HandshakeType = 2
	HandshakeNewSessionTicket    HandshakeType = 4
	HandshakeEndOfEarlyData      HandshakeType = 5
	HandshakeEncryptedExtensions HandshakeType = 8
	HandshakeCertificate         HandshakeType = 11
	HandshakeServerKeyExchange   HandshakeType = 12
	HandshakeCertificateRequest  HandshakeType = 13
	HandshakeServerHelloDone     HandshakeType = 14
	HandshakeCertificateVerify   HandshakeType = 15
	HandshakeClientKeyExchange   HandshakeType = 16
	HandshakeFinished            HandshakeType = 20
	HandshakeCertificateStatus   HandshakeType = 22
	HandshakeKeyUpdate           HandshakeType = 24
	HandshakeMessageHash         HandshakeType = 254
)

var handshakeNames = map[HandshakeType]string{
	HandshakeHelloRequest:        "hello_request",
	HandshakeClientHello:         "client_hello",
	HandshakeServerHello:         "server_hello",
	HandshakeNewSessionTicket:    "new_session_ticket",
	HandshakeEndOfEarlyData:      "end_of_early_data",
	HandshakeEncryptedExtensions: "encrypted_extensions",
	HandshakeCertificate:         "certificate",
	HandshakeServerKeyExchange:   "server_key_exchange",
	HandshakeCertificateRequest:  "certificate_request",
	HandshakeServerHelloDone:     "server_hello_done",
	HandshakeCertificateVerify:   "certificate_verify",
	HandshakeClientKeyExchange:   "client_key_exchange",
	HandshakeFinished:            "finished",
	HandshakeCertificateStatus:   "certificate_status",
	HandshakeKeyUpdate:           "key_update",
	HandshakeMessageHash:         "message_hash",
}

// String returns the registry name of the handshake type.
func (t HandshakeType) String() string {
	if n, ok := handshakeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("handshake_type(%d)", uint8(t))
}

// Version is a protocol version number as it appears on the wire.
type Version uint16

// Protocol versions.
const (
	VersionSSL30 Version = 0x0300
	VersionTLS10 Version = 0x0301
	VersionTLS11 Version = 0x0302
	VersionTLS12 Version = 0x0303
	VersionTLS13 Version = 0x0304
)

// String returns the version's common name.
func (v Version) String() string {
	switch v {
	case VersionSSL30:
		return "SSLv3"
	case VersionTLS10:
		return "TLSv1.0"
	case VersionTLS11:
		return "TLSv1.1"
	case VersionTLS12:
		return "TLSv1.2"
	case VersionTLS13:
		return "TLSv1.3"
	}
	return fmt.Sprintf("version(0x%04x)", uint16(v))
}

// PSKKeyExchangeMode is a psk_key_exchange_modes value (RFC 8446, Section 4.2.9).
type PSKKeyExchangeMode uint8

// PSK key exchange modes.
const (
	PSKModeKE    PSKKeyExchangeMode = 0
	PSKModeDHEKE PSKKeyExchangeMode = 1
)

// String returns the registry name of the mode.
func (m PSKKeyExchangeMode) String() string {
	switch m {
	case PSKModeKE:
		return "psk_ke"
	case PSKModeDHEKE:
		return "psk_dhe_ke"
	}
	return fmt.Sprintf("psk_mode(%d)", uint8(m))
}

// KeyUpdateRequest is the request_update field of a KeyUpdate message
// (RFC 8446, Section 4.6.3).
type KeyUpdateRequest uint8

// KeyUpdate request values.
const (
	KeyUpdateNotRequested KeyUpdateRequest = 0
	KeyUpdateRequested    KeyUpdateRequest = 1
)

// CertificateType is a certificate_type value; gotls uses only X.509.
type CertificateType uint8

// Certificate types.
const (
	CertTypeX509         CertificateType = 0
	CertTypeRawPublicKey CertificateType = 2
)

// HelloRetryRequestRandom is the fixed ServerHello.random that marks a
// HelloRetryRequest (RFC 8446, Section 4.1.3).
var HelloRetryRequestRandom = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11,
	0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
	0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// Downgrade sentinels placed in the last eight bytes of ServerHello.random
// by a TLS 1.3 server that negotiates an older version (RFC 8446, Section 4.1.3).
var (
	DowngradeTLS12 = [8]byte{0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01}
	DowngradeTLS11 = [8]byte{0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00}
)
