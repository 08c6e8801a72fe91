package wire

import "fmt"

// ExtensionType is a TLS extension code point from the IANA
// "TLS ExtensionType Values" registry.
type ExtensionType uint16

// Extension code points gotls knows by name.
const (
	ExtServerName                 ExtensionType = 0
	ExtMaxFragmentLength          ExtensionType = 1
	ExtStatusRequest              ExtensionType = 5
	ExtSupportedGroups            ExtensionType = 10
	ExtECPointFormats             ExtensionType = 11
	ExtSignatureAlgorithms        ExtensionType = 13
	ExtUseSRTP                    ExtensionType = 14
	ExtHeartbeat                  ExtensionType = 15
	ExtALPN                       ExtensionType = 16
	ExtSignedCertificateTimestamp ExtensionType = 18
	ExtClientCertificateType      ExtensionType = 19
	ExtServerCertificateType      ExtensionType = 20
	ExtPadding                    ExtensionType = 21
	ExtEncryptThenMAC             ExtensionType = 22
	ExtExtendedMasterSecret       ExtensionType = 23
	ExtCompressCertificate        ExtensionType = 27
	ExtRecordSizeLimit            ExtensionType = 28
	ExtSessionTicket              ExtensionType = 35
	ExtPreSharedKey               ExtensionType = 41
	ExtEarlyData                  ExtensionType = 42
	ExtSupportedVersions          ExtensionType = 43
	ExtCookie                     ExtensionType = 44
	ExtPSKKeyExchangeModes        ExtensionType = 45
	ExtCertificateAuthorities     ExtensionType = 47
	ExtOIDFilters                 ExtensionType = 48
	ExtPostHandshakeAuth          ExtensionType = 49
	ExtSignatureAlgorithmsCert    ExtensionType = 50
	ExtKeyShare                   ExtensionType = 51
	ExtQUICTransportParameters    ExtensionType = 57
	ExtEncryptedClientHello       ExtensionType = 0xfe0d
	ExtRenegotiationInfo          ExtensionType = 0xff01
	ExtApplicationSettings        ExtensionType = 17513
	ExtChannelID                  ExtensionType = 30032
	ExtNextProtoNeg               ExtensionType = 13172
)

var extensionNames = map[ExtensionType]string{
	ExtServerName:                 "server_name",
	ExtMaxFragmentLength:          "max_fragment_length",
	ExtStatusRequest:              "status_request",
	ExtSupportedGroups:            "supported_groups",
	ExtECPointFormats:             "ec_point_formats",
	ExtSignatureAlgorithms:        "signature_algorithms",
	ExtUseSRTP:                    "use_srtp",
	ExtHeartbeat:                  "heartbeat",
	ExtALPN:                       "application_layer_protocol_negotiation",
	ExtSignedCertificateTimestamp: "signed_certificate_timestamp",
	ExtClientCertificateType:      "client_certificate_type",
	ExtServerCertificateType:      "server_certificate_type",
	ExtPadding:                    "padding",
	ExtEncryptThenMAC:             "encrypt_then_mac",
	ExtExtendedMasterSecret:       "extended_master_secret",
	ExtCompressCertificate:        "compress_certificate",
	ExtRecordSizeLimit:            "record_size_limit",
	ExtSessionTicket:              "session_ticket",
	ExtPreSharedKey:               "pre_shared_key",
	ExtEarlyData:                  "early_data",
	ExtSupportedVersions:          "supported_versions",
	ExtCookie:                     "cookie",
	ExtPSKKeyExchangeModes:        "psk_key_exchange_modes",
	ExtCertificateAuthorities:     "certificate_authorities",
	ExtOIDFilters:                 "oid_filters",
	ExtPostHandshakeAuth:          "post_handshake_auth",
	ExtSignatureAlgorithmsCert:    "signature_algorithms_cert",
	ExtKeyShare:                   "key_share",
	ExtQUICTransportParameters:    "quic_transport_parameters",
	ExtEncryptedClientHello:       "encrypted_client_hello",
	ExtRenegotiationInfo:          "renegotiation_info",
	ExtApplicationSettings:        "application_settings",
	ExtChannelID:                  "channel_id",
	ExtNextProtoNeg:               "next_protocol_negotiation",
}

// String returns the registry name of the extension.
func (t ExtensionType) String() string {
	if n, ok := extensionNames[t]; ok {
		return n
	}
	return fmt.Sprintf("extension(%d)", uint16(t))
}
