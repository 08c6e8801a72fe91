package main

import (
	"crypto/tls"
	"fmt"
	"os"

	"golang.org/x/crypto/cryptobyte"

	"gotls"
)

// rejectALPNProtocol is a protocol no runner offers: a server configured
// with only it refuses every ALPN offer with no_application_protocol, as
// BoringSSL's callback does under -reject-alpn.
const rejectALPNProtocol = "\x00gotls-bogo-shim-rejects-alpn"

// traceEnv names the environment variable that, when set, makes the shim
// write gotls's handshake trace to stderr. It is off by default: the
// runner matches expected errors against all of stderr.
const traceEnv = "BOGO_SHIM_TRACE"

// traceToStderr writes one handshake step to stderr.
func traceToStderr(ev gotls.HandshakeEvent) {
	role := "server"
	if ev.Client {
		role = "client"
	}
	fmt.Fprintf(os.Stderr, "trace %s: %s: %s\n", role, ev.Step, ev.Detail)
}

// buildConfig turns one connection's options into a gotls.Config. The
// shim's certificate checks follow BoringSSL's shim: chains are never
// path-verified (its verify callback accepts everything), and -verify-fail
// makes the callback fail, which matters only when the peer's certificate
// is required or requested.
func buildConfig(o *options, use *credentialUse, st *shimState) (*gotls.Config, error) {
	certs, err := loadCredentials(o, use)
	if err != nil {
		return nil, err
	}
	lo, hi, _ := o.usableVersions()
	cfg := &gotls.Config{
		Certificates:           certs,
		MinVersion:             lo,
		MaxVersion:             hi,
		InsecureSkipVerify:     true,
		VerifyPeerCertificate:  peerCertificateCallback(o),
		VerifyConnection:       reverifyCallback(o),
		CipherSuites:           o.suites,
		Time:                   st.clock.now,
		SessionTicketsDisabled: o.noTicket,
	}
	if os.Getenv(traceEnv) != "" {
		cfg.HandshakeTrace = traceToStderr
	}
	for _, g := range o.curves {
		cfg.CurvePreferences = append(cfg.CurvePreferences, tls.CurveID(g))
	}
	for _, s := range o.verifyPrefs {
		cfg.SignatureSchemes = append(cfg.SignatureSchemes, tls.SignatureScheme(s))
	}
	if o.server {
		configureServer(cfg, o)
		// The store holds TLS 1.2 sessions; the fixed key opens the
		// tickets of earlier connections.
		cfg.SessionStore = st.store
		cfg.SetSessionTicketKeys([][32]byte{st.ticketKey})
		if o.enableEarlyData {
			cfg.MaxEarlyData = maxEarlyData
		}
		return cfg, nil
	}
	cfg.ClientSessionCache = st.cache
	cfg.ServerName = o.hostName
	if len(o.advertiseALPN) > 0 {
		protos, err := parseALPNList(o.advertiseALPN)
		if err != nil {
			return nil, err
		}
		cfg.NextProtos = protos
	}
	if len(o.expectPeerVerifyPrefs) > 0 || o.failCertCallback {
		cfg.GetClientCertificate = clientCertificateHook(o, certs)
	}
	return cfg, nil
}

// configureServer sets the server side: client authentication, ALPN
// selection and the early checks BoringSSL's shim makes in its certificate
// selection callback.
func configureServer(cfg *gotls.Config, o *options) {
	switch {
	case o.verifyPeer:
		// SSL_VERIFY_PEER: ask for a certificate, accept none.
		cfg.ClientAuth = gotls.RequestClientCert
	case o.requireAnyClientCert:
		cfg.ClientAuth = gotls.RequireAnyClientCert
	}
	switch {
	case o.declineALPN:
	case o.rejectALPN:
		cfg.NextProtos = []string{rejectALPNProtocol}
	case o.selectALPN != "":
		cfg.NextProtos = []string{o.selectALPN}
	}
	if o.useOCSPCallback && o.declineOCSPCallback {
		// The callback declines: act as if the client had not asked.
		for i := range cfg.Certificates {
			cfg.Certificates[i].OCSPStaple = nil
		}
	}
	cfg.GetCertificate = serverHelloHook(o)
}

// parseALPNList splits a wire-format protocol_name_list (RFC 7301, Section
// 3.1) without its outer length.
func parseALPNList(b []byte) ([]string, error) {
	s := cryptobyte.String(b)
	var out []string
	for !s.Empty() {
		var p cryptobyte.String
		if !s.ReadUint8LengthPrefixed(&p) || len(p) == 0 {
			return nil, fmt.Errorf("invalid -advertise-alpn list %q", b)
		}
		out = append(out, string(p))
	}
	return out, nil
}

// marshalALPNList is the inverse of parseALPNList; a protocol name too
// long for the wire makes the result nil.
func marshalALPNList(protos []string) []byte {
	var b cryptobyte.Builder
	for _, p := range protos {
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(p)) })
	}
	out, err := b.Bytes()
	if err != nil {
		return nil
	}
	return out
}
