package msg

import (
	"bytes"

	"gotls/internal/wire"
)

// sample is a message that round-trips, with the version to parse it at.
type sample struct {
	name    string
	version wire.Version
	m       Message
}

func fill(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

func fullClientHello() *ClientHello {
	return &ClientHello{
		Version:                 wire.VersionTLS12,
		Random:                  fill(32, 0x11),
		SessionID:               fill(32, 0x22),
		CipherSuites:            []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_CHACHA20_POLY1305_SHA256, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		CompressionMethods:      []uint8{0},
		ServerName:              "example.com.",
		SupportedGroups:         []wire.Group{wire.GroupX25519MLKEM768, wire.GroupX25519, wire.GroupSecp256r1},
		ECPointFormats:          []uint8{0},
		SignatureAlgorithms:     []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256, wire.PSSWithSHA256, wire.Ed25519},
		SignatureAlgorithmsCert: []wire.SignatureScheme{wire.PKCS1WithSHA256},
		SupportedVersions:       []wire.Version{wire.VersionTLS13, wire.VersionTLS12},
		KeyShares: []KeyShare{
			{Group: wire.GroupX25519MLKEM768, Data: fill(1216, 0x33)},
			{Group: wire.GroupX25519, Data: fill(32, 0x44)},
		},
		Cookie:                       []byte("cookie"),
		ALPNProtocols:                []string{"h2", "http/1.1"},
		PSKModes:                     []wire.PSKKeyExchangeMode{wire.PSKModeDHEKE},
		EarlyData:                    true,
		PSKIdentities:                []PSKIdentity{{Identity: []byte("ticket-1"), ObfuscatedTicketAge: 7}, {Identity: []byte("t2"), ObfuscatedTicketAge: 1 << 31}},
		PSKBinders:                   [][]byte{fill(32, 0x55), fill(48, 0x66)},
		OCSPStapling:                 true,
		SCTs:                         true,
		ExtendedMasterSecret:         true,
		SecureRenegotiationSupported: true,
		SecureRenegotiation:          []byte{1, 2, 3},
		TicketSupported:              true,
		SessionTicket:                []byte("old ticket"),
		PostHandshakeAuth:            true,
		CertificateAuthorities:       [][]byte{[]byte("dn one"), []byte("dn two")},
	}
}

func minimalClientHello() *ClientHello {
	return &ClientHello{
		Version:            wire.VersionTLS12,
		Random:             fill(32, 1),
		CipherSuites:       []wire.CipherSuite{wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		CompressionMethods: []uint8{0},
	}
}

func serverHello13() *ServerHello {
	return &ServerHello{
		Version:                 wire.VersionTLS12,
		Random:                  fill(32, 0x77),
		SessionID:               fill(32, 0x22),
		CipherSuite:             wire.TLS_AES_256_GCM_SHA384,
		SupportedVersion:        wire.VersionTLS13,
		ServerShare:             KeyShare{Group: wire.GroupX25519, Data: fill(32, 9)},
		SelectedIdentityPresent: true,
		SelectedIdentity:        1,
	}
}

func serverHello12() *ServerHello {
	return &ServerHello{
		Version:                      wire.VersionTLS12,
		Random:                       fill(32, 0x78),
		SessionID:                    fill(16, 0x23),
		CipherSuite:                  wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		ALPNProtocol:                 "h2",
		ServerNameAck:                true,
		OCSPStapling:                 true,
		TicketSupported:              true,
		ExtendedMasterSecret:         true,
		SecureRenegotiationSupported: true,
		SCTs:                         [][]byte{[]byte("sct1"), []byte("sct2")},
		ECPointFormats:               []uint8{0},
	}
}

func helloRetryRequest() *ServerHello {
	return &ServerHello{
		Version:          wire.VersionTLS12,
		Random:           wire.HelloRetryRequestRandom[:],
		SessionID:        fill(32, 0x22),
		CipherSuite:      wire.TLS_AES_128_GCM_SHA256,
		SupportedVersion: wire.VersionTLS13,
		SelectedGroup:    wire.GroupSecp256r1,
		Cookie:           []byte("hrr cookie"),
	}
}

func ecdheBody() []byte {
	b, err := MarshalECDHEParams(ECDHEParams{
		CurveType: CurveTypeNamedCurve, Group: wire.GroupX25519, Public: fill(32, 3),
		Scheme: wire.PSSWithSHA256, Signature: fill(256, 4),
	}, true)
	if err != nil {
		panic(err)
	}
	return b
}

func mustCKE(m *ClientKeyExchange, err error) *ClientKeyExchange {
	if err != nil {
		panic(err)
	}
	return m
}

// samples returns fresh messages of every type, in both forms where the
// form depends on the version.
func samples() []sample {
	v13, v12 := wire.VersionTLS13, wire.VersionTLS12
	return []sample{
		{"client_hello/full", 0, fullClientHello()},
		{"client_hello/minimal", 0, minimalClientHello()},
		{"client_hello/empty_key_share", 0, &ClientHello{Version: v12, Random: fill(32, 2), SessionID: []byte{1},
			CipherSuites: []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256}, CompressionMethods: []uint8{0},
			SupportedVersions: []wire.Version{v13}, KeyShares: []KeyShare{}}},
		{"server_hello/tls13", 0, serverHello13()},
		{"server_hello/tls12", 0, serverHello12()},
		{"server_hello/no_extensions", 0, &ServerHello{Version: v12, Random: fill(32, 5), CipherSuite: wire.TLS_RSA_WITH_AES_128_GCM_SHA256}},
		{"server_hello/hrr", 0, helloRetryRequest()},
		{"encrypted_extensions/full", v13, &EncryptedExtensions{ALPNProtocol: "h2", ServerNameAck: true, EarlyData: true,
			SupportedGroups: []wire.Group{wire.GroupX25519, wire.GroupSecp384r1}}},
		{"encrypted_extensions/empty", v13, &EncryptedExtensions{}},
		{"certificate/tls13", v13, &Certificate{TLS13: true, Context: []byte{9, 9}, Entries: []CertificateEntry{
			{Data: fill(600, 0x30), OCSPStaple: fill(100, 0x31), SCTs: [][]byte{fill(40, 0x32)}},
			{Data: fill(500, 0x33)},
		}}},
		{"certificate/tls13_empty", v13, &Certificate{TLS13: true}},
		{"certificate/tls12", v12, &Certificate{Entries: []CertificateEntry{{Data: fill(600, 0x30)}, {Data: fill(10, 0x34)}}}},
		{"certificate/tls12_empty", v12, &Certificate{}},
		{"certificate_request/tls13", v13, &CertificateRequest{TLS13: true, Context: []byte{1},
			SignatureAlgorithms:     []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256, wire.PSSWithSHA256},
			SignatureAlgorithmsCert: []wire.SignatureScheme{wire.Ed25519},
			CertificateAuthorities:  [][]byte{[]byte("ca")}}},
		{"certificate_request/tls12", v12, &CertificateRequest{CertificateTypes: []uint8{1, 64},
			SignatureAlgorithms:    []wire.SignatureScheme{wire.PKCS1WithSHA256},
			CertificateAuthorities: [][]byte{[]byte("ca one"), []byte("ca two")}}},
		{"certificate_request/tls12_no_cas", v12, &CertificateRequest{CertificateTypes: []uint8{1},
			SignatureAlgorithms: []wire.SignatureScheme{wire.PKCS1WithSHA256}}},
		{"certificate_verify", v13, &CertificateVerify{Scheme: wire.ECDSAWithP256AndSHA256, Signature: fill(71, 0x40)}},
		{"finished", v13, &Finished{VerifyData: fill(32, 0x50)}},
		{"new_session_ticket/tls13", v13, &NewSessionTicket{TLS13: true, Lifetime: 7200, AgeAdd: 0xdeadbeef,
			Nonce: []byte{0}, Ticket: fill(100, 0x60), MaxEarlyData: 16384}},
		{"new_session_ticket/tls13_plain", v13, &NewSessionTicket{TLS13: true, Lifetime: 1, Ticket: []byte{1}}},
		{"new_session_ticket/tls12", v12, &NewSessionTicket{Lifetime: 300, Ticket: fill(80, 0x61)}},
		{"new_session_ticket/tls12_empty", v12, &NewSessionTicket{Lifetime: 0}},
		{"key_update/not_requested", v13, &KeyUpdate{Request: wire.KeyUpdateNotRequested}},
		{"key_update/requested", v13, &KeyUpdate{Request: wire.KeyUpdateRequested}},
		{"end_of_early_data", v13, &EndOfEarlyData{}},
		{"server_hello_done", v12, &ServerHelloDone{}},
		{"hello_request", v12, &HelloRequest{}},
		{"server_key_exchange", v12, &ServerKeyExchange{Body: ecdheBody()}},
		{"client_key_exchange/ecdhe", v12, mustCKE(NewECDHEClientKeyExchange(fill(65, 4)))},
		{"client_key_exchange/rsa", v12, mustCKE(NewRSAClientKeyExchange(fill(256, 5)))},
		{"certificate_status", v12, &CertificateStatus{Response: fill(300, 0x70)}},
	}
}
