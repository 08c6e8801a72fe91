package main

// The flags, grouped by what they configure. Flags not listed here make
// the shim exit with the "unimplemented" status, as the runner asks.

func transportFlags() []flagSpec {
	return []flagSpec{
		intFlag("-port", 16, false, func(o *options, v int64) { o.port = int(v) }),
		intFlag("-shim-id", 64, false, func(o *options, v int64) { o.shimID = uint64(v) }),
		boolFlag("-ipv6", func(o *options) { o.ipv6 = true }),
		boolFlag("-server", func(o *options) { o.server = true }),
		intFlag("-resume-count", 31, false, func(o *options, v int64) { o.resumeCount = int(v) }),
		boolFlag("-no-ticket", func(o *options) { o.noTicket = true }),
		boolFlag("-expect-session-miss", func(o *options) { o.expectSessionMiss = true }),
		boolFlag("-expect-no-session", func(o *options) { o.expectNoSession = true }),
		intFlag("-resumption-delay", 31, false, func(o *options, v int64) { o.resumptionDelay = int(v) }),
		boolFlag("-enable-early-data", func(o *options) { o.enableEarlyData = true }),
		boolFlag("-expect-accept-early-data", func(o *options) { o.expectAcceptEarlyData = true }),
		boolFlag("-expect-reject-early-data", func(o *options) { o.expectRejectEarlyData = true }),
	}
}

func versionFlags() []flagSpec {
	return []flagSpec{
		intFlag("-min-version", 16, false, func(o *options, v int64) { o.minVersion = uint16(v) }),
		intFlag("-max-version", 16, false, func(o *options, v int64) { o.maxVersion = uint16(v) }),
		intFlag("-expect-version", 16, false, func(o *options, v int64) { o.expectVersion = uint16(v) }),
		boolFlag("-no-tls1", func(o *options) { o.noTLS1 = true }),
		boolFlag("-no-tls11", func(o *options) { o.noTLS11 = true }),
		boolFlag("-no-tls12", func(o *options) { o.noTLS12 = true }),
		boolFlag("-no-tls13", func(o *options) { o.noTLS13 = true }),
	}
}

// currentCred is the credential that -cert-file and its companions
// configure: the last -new-x509-credential, or the default one.
func (o *options) currentCred() *credentialSpec {
	if n := len(o.creds); n > 0 {
		return &o.creds[n-1]
	}
	return &o.defaultCred
}

func credentialFlags() []flagSpec {
	return []flagSpec{
		boolFlag("-new-x509-credential", func(o *options) { o.creds = append(o.creds, credentialSpec{}) }),
		stringFlag("-cert-file", func(o *options, v string) { o.currentCred().certFile = v }),
		stringFlag("-key-file", func(o *options, v string) { o.currentCred().keyFile = v }),
		base64Flag("-ocsp-response", func(o *options, v []byte) { o.currentCred().ocsp = v }),
		base64Flag("-signed-cert-timestamps", func(o *options, v []byte) { o.currentCred().sctList = v }),
		intFlag("-expect-selected-credential", 32, true, func(o *options, v int64) {
			n := int(v)
			o.expectSelectedCred = &n
		}),
		intFlag("-signing-prefs", 16, false, func(o *options, v int64) {
			c := o.currentCred()
			c.signingPrefs = append(c.signingPrefs, uint16(v))
		}),
		unsupported("-new-delegated-credential", false, "delegated credentials are not implemented"),
		unsupported("-delegated-credential", true, "delegated credentials are not implemented"),
		unsupported("-new-spake2plusv1-credential", false, "PAKE credentials are not implemented"),
		unsupported("-new-psk-credential", false, "external PSKs are not implemented"),
		unsupported("-new-rpk-credential", false, "raw public keys (RFC 7250) are not implemented"),
		unsupported("-must-match-issuer", false, "certificate_authorities-based credential filtering is not implemented"),
		unsupported("-cert-properties", true, "certificate property lists are not implemented"),
		unsupported("-pake-context", true, "PAKE credentials are not implemented"),
		unsupported("-pake-client-id", true, "PAKE credentials are not implemented"),
		unsupported("-pake-server-id", true, "PAKE credentials are not implemented"),
		unsupported("-pake-password", true, "PAKE credentials are not implemented"),
		unsupported("-wrong-pake-role", false, "PAKE credentials are not implemented"),
		unsupported("-psk-importer-key", true, "external PSKs are not implemented"),
		unsupported("-psk-importer-identity", true, "external PSKs are not implemented"),
		unsupported("-psk-importer-context", true, "external PSKs are not implemented"),
		unsupported("-psk-importer-sha256", false, "external PSKs are not implemented"),
		unsupported("-psk-importer-sha384", false, "external PSKs are not implemented"),
	}
}

func negotiationFlags() []flagSpec {
	return []flagSpec{
		boolFlag("-verify-peer", func(o *options) { o.verifyPeer = true }),
		boolFlag("-require-any-client-certificate", func(o *options) { o.requireAnyClientCert = true }),
		boolFlag("-verify-fail", func(o *options) { o.verifyFail = true }),
		boolFlag("-use-custom-verify-callback", func(o *options) { o.customVerify = true }),
		boolFlag("-reverify-on-resume", func(o *options) { o.reverifyOnResume = true }),
		stringFlag("-host-name", func(o *options, v string) { o.hostName = v }),
		stringFlag("-advertise-alpn", func(o *options, v string) { o.advertiseALPN = []byte(v) }),
		stringFlag("-select-alpn", func(o *options, v string) { o.selectALPN = v }),
		boolFlag("-decline-alpn", func(o *options) { o.declineALPN = true }),
		boolFlag("-reject-alpn", func(o *options) { o.rejectALPN = true }),
		uint16ListFlag("-curves", func(o *options) *[]uint16 { return &o.curves }),
		stringFlag("-cipher", func(o *options, v string) { o.cipher, o.cipherSet = v, true }),
	}
}

// callbackFlags switch BoringSSL's shim callbacks, which callbacks.go
// plays with gotls's hooks.
func callbackFlags() []flagSpec {
	return []flagSpec{
		boolFlag("-use-ocsp-callback", func(o *options) { o.useOCSPCallback = true }),
		boolFlag("-decline-ocsp-callback", func(o *options) { o.declineOCSPCallback = true }),
		boolFlag("-fail-ocsp-callback", func(o *options) { o.failOCSPCallback = true }),
		boolFlag("-fail-early-callback", func(o *options) { o.failEarlyCallback = true }),
		boolFlag("-fail-cert-callback", func(o *options) { o.failCertCallback = true }),
		ignored("-set-ocsp-in-callback", false, "the callback staples -ocsp-response, which the credential staples anyway"),
		ignored("-use-early-callback", false, "installs the certificate from the early callback; the certificate is the same"),
		ignored("-use-old-client-cert-callback", false, "supplies the configured client certificate through the old callback; the certificate is the same"),
	}
}

func expectationFlags() []flagSpec {
	return []flagSpec{
		stringFlag("-expect-peer-cert-file", func(o *options, v string) { o.expectPeerCertFile = v }),
		boolFlag("-expect-no-peer-cert", func(o *options) { o.expectNoPeerCert = true }),
		stringFlag("-expect-server-name", func(o *options, v string) { o.expectServerName = v }),
		boolFlag("-expect-no-server-name", func(o *options) { o.expectNoServerName = true }),
		stringFlag("-expect-alpn", func(o *options, v string) { o.expectALPN = v }),
		stringFlag("-expect-advertised-alpn", func(o *options, v string) { o.expectAdvertisedALPN = []byte(v) }),
		intFlag("-expect-cipher", 16, false, func(o *options, v int64) { o.expectCipher = uint16(v) }),
		intFlag("-expect-curve-id", 16, false, func(o *options, v int64) { o.expectCurveID = uint16(v) }),
		boolFlag("-expect-hrr", func(o *options) { o.expectHRR = true }),
		boolFlag("-expect-no-hrr", func(o *options) { o.expectNoHRR = true }),
		uint16ListFlag("-expect-peer-verify-pref", func(o *options) *[]uint16 { return &o.expectPeerVerifyPrefs }),
		uint16ListFlag("-verify-prefs", func(o *options) *[]uint16 { return &o.verifyPrefs }),
		intFlag("-expect-peer-signature-algorithm", 16, false, func(o *options, v int64) { o.expectPeerSigAlg = uint16(v) }),
		base64Flag("-expect-ocsp-response", func(o *options, v []byte) { o.expectOCSP = v }),
		base64Flag("-expect-signed-cert-timestamps", func(o *options, v []byte) { o.expectSCTList = v }),
	}
}

func dataFlags() []flagSpec {
	return []flagSpec{
		intFlag("-export-keying-material", 31, false, func(o *options, v int64) { o.exportKeyingMaterial = int(v) }),
		stringFlag("-export-label", func(o *options, v string) { o.exportLabel = v }),
		stringFlag("-export-context", func(o *options, v string) { o.exportContext = v }),
		boolFlag("-use-export-context", func(o *options) { o.useExportContext = true }),
		boolFlag("-shim-writes-first", func(o *options) { o.shimWritesFirst = true }),
		stringFlag("-shim-initial-write", func(o *options, v string) { o.shimInitialWrite = v }),
		intFlag("-repeat-shim-initial-write", 16, false, func(o *options, v int64) { o.repeatInitialWrite = int(v) }),
		boolFlag("-shim-shuts-down", func(o *options) { o.shimShutsDown = true }),
		boolFlag("-check-close-notify", func(o *options) { o.checkCloseNotify = true }),
		boolFlag("-implicit-handshake", func(o *options) { o.implicitHandshake = true }),
		boolFlag("-handshake-twice", func(o *options) { o.handshakeTwice = true }),
		boolFlag("-no-op-extra-handshake", func(o *options) { o.handshakeTwice = true }),
		boolFlag("-key-update", func(o *options) { o.keyUpdate = true }),
		boolFlag("-key-update-before-read", func(o *options) { o.keyUpdateBeforeRead = true }),
		intFlag("-read-size", 31, false, func(o *options, v int64) { o.readSize = int(v) }),
		boolFlag("-write-different-record-sizes", func(o *options) { o.writeDifferentRecordSizes = true }),
		boolFlag("-use-exporter-between-reads", func(o *options) { o.useExporterBetweenReads = true }),
		intFlag("-expect-total-renegotiations", 31, false, func(o *options, v int64) {
			if v != 0 {
				o.markUnsupported("-expect-total-renegotiations: renegotiation is refused by design")
			}
		}),
	}
}

// acceptedFlags are flags that change nothing for a TLS 1.3 stack without
// session resumption, or whose only effect BoringSSL's shim also ignores.
func acceptedFlags() []flagSpec {
	return []flagSpec{
		ignored("-trust-cert", true, "BoringSSL's shim does not verify chains either: its verify callback accepts every certificate unless -verify-fail"),
		ignored("-expect-verify-result", false, "the verification result is always what -verify-fail implies, since the callback is emulated"),
		ignored("-enable-ocsp-stapling", false, "gotls clients always request OCSP staples"),
		ignored("-enable-signed-cert-timestamps", false, "gotls clients always request SCTs"),
		ignored("-partial-write", false, "changes SSL_write's return convention only; Conn.Write always writes everything"),
		ignored("-cbc-record-splitting", false, "applies to TLS 1.0 CBC suites only"),
		ignored("-no-legacy-server-connect", false, "about renegotiation_info in TLS 1.2 and below"),
		ignored("-expect-ticket-supports-early-data", false, "the client's sessions are opaque to the shim; whether a ticket allows 0-RTT is not checked (nor is its absence on other connections)"),
		ignored("-expect-extended-master-secret", false, "gotls completes TLS 1.2 handshakes only with the extended master secret (the shim never sets InsecureAllowNoExtendedMasterSecret)"),
		ignored("-wait-for-debugger", false, "debugging aid"),
	}
}

// unsupportedFlags are the flags whose features gotls does not have; each
// makes the test exit "unimplemented".
func unsupportedFlags() []flagSpec {
	return append(unsupportedProtocolFlags(), unsupportedAPIFlags()...)
}

// unsupportedAdder returns a list and a helper that adds flags with one
// reason to it.
func unsupportedAdder() (*[]flagSpec, func(reason string, param bool, names ...string)) {
	out := new([]flagSpec)
	return out, func(reason string, param bool, names ...string) {
		for _, n := range names {
			*out = append(*out, unsupported(n, param, reason))
		}
	}
}

// unsupportedProtocolFlags are flags for protocol features gotls lacks.
func unsupportedProtocolFlags() []flagSpec {
	out, add := unsupportedAdder()
	add("DTLS is not implemented", false, "-dtls")
	add("DTLS is not implemented", true, "-mtu", "-initial-timeout-duration-ms")
	add("QUIC is not implemented", false, "-quic")
	add("QUIC is not implemented", true, "-quic-transport-params", "-expect-quic-transport-params",
		"-quic-use-legacy-codepoint", "-quic-early-data-context")
	add("BoringSSL's asynchronous I/O and callback mode has no equivalent", false, "-async", "-read-with-unfinished-write")
	add("BoringSSL's split handshake has no equivalent", false, "-handshake-hints", "-allow-hint-mismatch", "-handshaker-resume")
	add("BoringSSL's split handshake has no equivalent", true, "-handshaker-path")
	add("this ticket or session-cache control is not implemented", false, "-expect-ticket-renewal", "-renew-ticket",
		"-skip-ticket", "-use-ticket-callback", "-use-ticket-aead-callback",
		"-expect-session-id", "-expect-no-session-id", "-resumption-across-names-enabled",
		"-expect-resumable-across-names", "-expect-not-resumable-across-names")
	add("this ticket or session-cache control is not implemented", true, "-ticket-key", "-expect-ticket-age-skew")
	add("this 0-RTT check is not implemented", false, "-expect-no-offer-early-data")
	add("this 0-RTT check is not implemented", true, "-expect-early-data-reason", "-early-write-after-message")
	add("Encrypted Client Hello is not implemented", false, "-enable-ech-grease", "-reject-unusable-ech-config",
		"-expect-ech-accept", "-expect-no-ech-name-override", "-expect-no-ech-retry-configs", "-fail-early-callback-ech-rewind")
	add("Encrypted Client Hello is not implemented", true, "-ech-config-list", "-ech-server-config", "-ech-server-key",
		"-ech-is-retry-config", "-expect-ech-name-override", "-expect-ech-retry-configs")
	add("renegotiation is refused by design", false, "-renegotiate-once", "-renegotiate-freely", "-renegotiate-ignore",
		"-renegotiate-explicit", "-forbid-renegotiation-after-handshake", "-expect-secure-renegotiation",
		"-expect-no-secure-renegotiation")
	add("TLS 1.2 False Start is not implemented", false, "-false-start", "-allow-false-start-without-alpn")
	add("gotls does not expose tls-unique", false, "-tls-unique")
	add("gotls clients cannot send TLS_FALLBACK_SCSV", false, "-fallback-scsv")
	add("TLS 1.2 PSK cipher suites are not implemented", true, "-psk", "-psk-identity")
	add("the client certificate types of a TLS 1.2 CertificateRequest are not exposed", true, "-expect-certificate-types")
	add("NPN is not implemented", false, "-advertise-empty-npn", "-expect-no-next-proto", "-select-empty-next-proto")
	add("NPN is not implemented", true, "-advertise-npn", "-expect-next-proto", "-select-next-proto")
	add("Channel ID is not implemented", false, "-enable-channel-id")
	add("Channel ID is not implemented", true, "-expect-channel-id", "-send-channel-id")
	add("ALPS (application settings) is not implemented", false, "-defer-alps")
	add("ALPS (application settings) is not implemented", true, "-application-settings",
		"-expect-peer-application-settings", "-alps-use-new-codepoint")
	add("certificate compression is not implemented", false, "-install-cert-compression-algs")
	add("certificate compression is not implemented", true, "-install-one-cert-compression-alg")
	add("raw public keys (RFC 7250) are not implemented", true, "-accepted-peer-cert-types",
		"-available-client-cert-types", "-expect-peer-certificate-type", "-expect-peer-rpk-sha256")
	add("trust anchor IDs are not implemented", false, "-expect-peer-match-trust-anchor", "-expect-no-peer-match-trust-anchor")
	add("trust anchor IDs are not implemented", true, "-available-trust-anchors", "-requested-trust-anchors",
		"-expect-peer-available-trust-anchors")
	add("server padding is not implemented", false, "-server-supports-padding", "-expect-server-sent-requested-padding")
	add("server padding is not implemented", true, "-request-server-padding")
	add("compliance policies are not implemented", false, "-fips-202205", "-wpa-202304", "-cnsa-202407",
		"-cnsa1-202603", "-cnsa2-202603")
	return *out
}

// unsupportedAPIFlags are flags for BoringSSL API features gotls has no
// counterpart for.
func unsupportedAPIFlags() []flagSpec {
	out, add := unsupportedAdder()
	add("gotls has no API for this BoringSSL callback", false, "-install-ddos-callback", "-fail-ddos-callback")
	add("gotls has no API for this BoringSSL callback", true, "-expect-msg-callback", "-private-key-delay-ms")
	add("gotls has no API to choose which groups get key shares", false, "-no-key-shares")
	add("gotls has no API to choose which groups get key shares", true, "-key-shares", "-curves-flags",
		"-server-supported-groups-hint")
	add("gotls does not expose TLS 1.3 traffic secrets", false, "-export-traffic-secrets")
	add("gotls has no API to send an arbitrary alert", false, "-send-alert")
	add("gotls has no Peek", false, "-peek-then-read")
	add("gotls does not send GREASE values", false, "-enable-grease")
	add("gotls does not permute extensions", false, "-permute-extensions")
	add("gotls has no server-preference switch for cipher suites", false, "-server-preference")
	add("gotls always rejects an ALPN protocol it did not offer", false, "-allow-unknown-alpn-protos")
	add("selecting an empty ALPN protocol is not possible", false, "-select-empty-alpn")
	add("gotls has no API to limit the certificate list size", true, "-max-cert-list")
	add("gotls has no API to limit the record size it sends", true, "-max-send-fragment")
	add("gotls has no client CA list configuration", true, "-use-client-ca-list", "-expect-client-ca-list")
	add("the cipher choice by AES hardware is not observable", true, "-expect-cipher-aes", "-expect-cipher-no-aes")
	add("gotls cannot keep only a hash of the client certificate", false, "-retain-only-sha256-client-cert",
		"-expect-sha256-client-cert")
	add("SRTP is not implemented", true, "-srtp-profiles")
	add("the JDK 11 workaround is not implemented", false, "-jdk11-workaround")
	add("the server name acknowledgement cannot be suppressed", false, "-no-server-name-ack")
	add("handshake-never-done is a BoringSSL API test", false, "-handshake-never-done")
	add("fuzzer mode is BoringSSL-only", false, "-fuzzer-mode")
	add("transcript writing is not implemented", true, "-write-settings")
	return *out
}
