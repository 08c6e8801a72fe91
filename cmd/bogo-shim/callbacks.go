package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"

	"gotls"
)

// BoringSSL's shim drives the library through callbacks that the runner
// switches on and off with flags. gotls has hooks of its own
// (GetCertificate, GetClientCertificate, VerifyPeerCertificate); this file
// plays each BoringSSL callback with the gotls hook that runs at the same
// point of the handshake, failing with the alert BoringSSL sends.

// The alerts BoringSSL sends when its shim's verify callback fails: the
// X.509 callback's error maps to handshake_failure, while the custom
// callback (-use-custom-verify-callback) reports certificate_unknown.
const (
	verifyAlertX509   gotls.Alert = 40
	verifyAlertCustom gotls.Alert = 46
)

// alertBadCertificateStatusResponse is what BoringSSL sends when its
// client OCSP callback fails.
const alertBadCertificateStatusResponse gotls.Alert = 113

// Errors of the emulated callbacks. errCertCallback and errOCSPCallback
// carry no alert, so gotls sends internal_error, as BoringSSL does.
var (
	errCertCallback = errors.New("certificate callback failed (-fail-cert-callback)")
	errOCSPCallback = errors.New("OCSP callback failed (-fail-ocsp-callback)")
)

// peerCertificateCallback runs where BoringSSL runs its certificate
// verify callback and, on clients, its OCSP status callback.
func peerCertificateCallback(o *options) func([][]byte, [][]*x509.Certificate) error {
	verify := verifyCallback(o)
	failOCSP := !o.server && o.useOCSPCallback && o.failOCSPCallback
	if verify == nil && !failOCSP {
		return nil
	}
	return func(raw [][]byte, chains [][]*x509.Certificate) error {
		if verify != nil {
			if err := verify(raw, chains); err != nil {
				return err
			}
		}
		if failOCSP {
			return &gotls.AlertError{Alert: alertBadCertificateStatusResponse, Reason: errOCSPCallback.Error()}
		}
		return nil
	}
}

// verifyCallback emulates BoringSSL's test verify callback: it accepts
// every chain, and under -verify-fail rejects every non-empty one when
// verification is enforced (-verify-peer or
// -require-any-client-certificate; without them BoringSSL only records
// the failure). The error carries the alert BoringSSL would send.
func verifyCallback(o *options) func([][]byte, [][]*x509.Certificate) error {
	if !o.verifyFail || !(o.verifyPeer || o.requireAnyClientCert) {
		return nil
	}
	alert := verifyAlertX509
	if o.customVerify {
		alert = verifyAlertCustom
	}
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return nil
		}
		return &gotls.AlertError{Alert: alert, Reason: "certificate rejected by the test's verify callback (-verify-fail)"}
	}
}

// reverifyCallback plays -reverify-on-resume: BoringSSL runs its verify
// callback again on a resumption. gotls checks the peer's chain only in
// full handshakes, so the shim runs the same callback from
// VerifyConnection, which gotls calls at the end of every handshake.
func reverifyCallback(o *options) func(tls.ConnectionState) error {
	verify := verifyCallback(o)
	if !o.reverifyOnResume || verify == nil {
		return nil
	}
	return func(cs tls.ConnectionState) error {
		if !cs.DidResume {
			return nil
		}
		raw := make([][]byte, len(cs.PeerCertificates))
		for i, cert := range cs.PeerCertificates {
			raw[i] = cert.Raw
		}
		return verify(raw, nil)
	}
}

// serverHelloHook is the server's GetCertificate hook. It plays
// BoringSSL's early (select certificate) callback, its certificate
// callback and its server OCSP callback, then lets gotls choose among
// Config.Certificates.
func serverHelloHook(o *options) func(*gotls.ClientHelloInfo) (*tls.Certificate, error) {
	return func(info *gotls.ClientHelloInfo) (*tls.Certificate, error) {
		if o.failEarlyCallback {
			return nil, &gotls.AlertError{Alert: alertHandshakeFailure, Reason: "early callback rejected the connection (-fail-early-callback)"}
		}
		if err := checkClientHello(o, info); err != nil {
			return nil, err
		}
		if o.failCertCallback {
			return nil, errCertCallback
		}
		if o.useOCSPCallback && o.failOCSPCallback {
			return nil, errOCSPCallback
		}
		return nil, nil
	}
}

// checkClientHello makes the checks of BoringSSL's early callback on what
// the client offered. Returning no certificate lets gotls pick one from
// Config.Certificates.
func checkClientHello(o *options, info *gotls.ClientHelloInfo) error {
	if o.expectNoServerName && info.ServerName != "" {
		return fmt.Errorf("expected no server name but got %q", info.ServerName)
	}
	if o.expectServerName != "" && info.ServerName != o.expectServerName {
		return fmt.Errorf("server name mismatch in early callback: got %q, want %q", info.ServerName, o.expectServerName)
	}
	// BoringSSL checks the offer in its ALPN callback, which runs only
	// when the client offers ALPN and the test selects a protocol.
	if o.expectAdvertisedALPN != nil && len(info.SupportedProtos) > 0 && o.selectALPN != "" && !o.rejectALPN && !o.declineALPN {
		if got := marshalALPNList(info.SupportedProtos); !bytes.Equal(got, o.expectAdvertisedALPN) {
			return fmt.Errorf("bad ALPN select callback inputs: got %q, want %q", got, o.expectAdvertisedALPN)
		}
	}
	if len(o.expectPeerVerifyPrefs) > 0 {
		if err := checkSchemes(info.SignatureSchemes, o.expectPeerVerifyPrefs); err != nil {
			return err
		}
	}
	return nil
}

// clientCertificateHook is the client's GetClientCertificate hook, set
// when a test needs BoringSSL's client certificate callback: it fails
// under -fail-cert-callback, checks the server's signature_algorithms
// under -expect-peer-verify-pref, then picks a certificate the way
// BoringSSL does: the first credential whose key can sign with a scheme
// the server accepts.
func clientCertificateHook(o *options, certs []tls.Certificate) func(*gotls.CertificateRequestInfo) (*tls.Certificate, error) {
	return func(info *gotls.CertificateRequestInfo) (*tls.Certificate, error) {
		if o.failCertCallback {
			return nil, errCertCallback
		}
		if len(o.expectPeerVerifyPrefs) > 0 {
			if err := checkSchemes(info.SignatureSchemes, o.expectPeerVerifyPrefs); err != nil {
				return nil, err
			}
		}
		for i := range certs {
			if slices.ContainsFunc(info.SignatureSchemes, func(s tls.SignatureScheme) bool {
				return canSign(certs[i], s, info.Version)
			}) {
				return &certs[i], nil
			}
		}
		return &tls.Certificate{}, nil
	}
}

// checkSchemes compares the peer's signature_algorithms with the list the
// test expects.
func checkSchemes(got []tls.SignatureScheme, want []uint16) error {
	if len(got) != len(want) {
		return fmt.Errorf("peer signature algorithms %v, want %v", got, want)
	}
	for i := range got {
		if uint16(got[i]) != want[i] {
			return fmt.Errorf("peer signature algorithms %v, want %v", got, want)
		}
	}
	return nil
}

// canSign reports whether cert's key can produce scheme in version: in
// TLS 1.3 RSA keys sign only with PSS and ECDSA schemes name the curve
// (RFC 8446, Section 4.2.3); TLS 1.2 also allows PKCS #1 v1.5 and any
// curve.
func canSign(cert tls.Certificate, scheme tls.SignatureScheme, version uint16) bool {
	signer, ok := cert.PrivateKey.(crypto.Signer)
	if !ok {
		return false
	}
	pss := []tls.SignatureScheme{tls.PSSWithSHA256, tls.PSSWithSHA384, tls.PSSWithSHA512}
	pkcs1 := []tls.SignatureScheme{tls.PKCS1WithSHA256, tls.PKCS1WithSHA384, tls.PKCS1WithSHA512, tls.PKCS1WithSHA1}
	ecdsaAny := []tls.SignatureScheme{tls.ECDSAWithP256AndSHA256, tls.ECDSAWithP384AndSHA384, tls.ECDSAWithP521AndSHA512, tls.ECDSAWithSHA1}
	switch pub := signer.Public().(type) {
	case *rsa.PublicKey:
		return slices.Contains(pss, scheme) || version < versionTLS13 && slices.Contains(pkcs1, scheme)
	case *ecdsa.PublicKey:
		if version < versionTLS13 {
			return slices.Contains(ecdsaAny, scheme)
		}
		switch pub.Curve {
		case elliptic.P256():
			return scheme == tls.ECDSAWithP256AndSHA256
		case elliptic.P384():
			return scheme == tls.ECDSAWithP384AndSHA384
		case elliptic.P521():
			return scheme == tls.ECDSAWithP521AndSHA512
		}
	case ed25519.PublicKey:
		return scheme == tls.Ed25519
	}
	return false
}
