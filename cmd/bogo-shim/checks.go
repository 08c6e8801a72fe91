package main

import (
	"bytes"
	"crypto/tls"
	"fmt"
)

// checkHandshake makes every check of the completed handshake.
func (c *shimConn) checkHandshake() error {
	cs := c.conn.ConnectionState()
	if err := checkHandshake(cs, c.o, c.use); err != nil {
		return err
	}
	if err := checkPeerSignature(c.conn.PeerSignatureScheme(), c.o); err != nil {
		return err
	}
	if err := checkResumption(cs, c.o, c.isResume); err != nil {
		return err
	}
	// In TLS 1.2 the session comes with the handshake; a resumption
	// makes none unless the ticket is renewed.
	if !c.o.server && cs.Version < tls.VersionTLS13 {
		want := !c.o.expectNoSession && !cs.DidResume
		return c.checkStored(want)
	}
	return nil
}

// checkNewSession checks, at the end of a TLS 1.3 client connection,
// that a NewSessionTicket arrived unless -expect-no-session or
// -shim-shuts-down (no reads, so no ticket) say otherwise.
func (c *shimConn) checkNewSession() error {
	if c.o.server || c.o.implicitHandshake || c.conn.ConnectionState().Version != tls.VersionTLS13 {
		return nil
	}
	return c.checkStored(!c.o.expectNoSession && !c.o.shimShutsDown)
}

// checkStored compares whether this connection stored a client session
// with want.
func (c *shimConn) checkStored(want bool) error {
	if got := c.st.cache.stored() > c.storedBefore; got != want {
		return fmt.Errorf("new session was cached: %t, but we expected %t", got, want)
	}
	return nil
}

// checkResumption checks that a resumption connection resumed, unless
// -expect-session-miss, and that a first connection did not.
func checkResumption(cs tls.ConnectionState, o *options, isResume bool) error {
	want := isResume && !o.expectSessionMiss
	if cs.DidResume != want {
		return fmt.Errorf("session was reused: %t, but we expected %t", cs.DidResume, want)
	}
	return nil
}

// checkHandshake compares the finished handshake with the test's
// expectations, in the manner of BoringSSL's CheckHandshakeProperties.
func checkHandshake(cs tls.ConnectionState, o *options, use *credentialUse) error {
	checks := []func(tls.ConnectionState, *options) error{
		checkVersionAndGroup, checkNames, checkALPN, checkPeerCertificates, checkStaples,
	}
	for _, check := range checks {
		if err := check(cs, o); err != nil {
			return err
		}
	}
	if o.expectSelectedCred != nil && *o.expectSelectedCred != use.selected() {
		return fmt.Errorf("credential %d was used, wanted %d", use.selected(), *o.expectSelectedCred)
	}
	return nil
}

// checkVersionAndGroup checks -expect-version, -expect-cipher,
// -expect-curve-id, -expect-hrr and -expect-no-hrr.
func checkVersionAndGroup(cs tls.ConnectionState, o *options) error {
	if o.expectVersion != 0 && cs.Version != o.expectVersion {
		return fmt.Errorf("want version %04x, got %04x", o.expectVersion, cs.Version)
	}
	if o.expectCipher != 0 && cs.CipherSuite != o.expectCipher {
		return fmt.Errorf("cipher ID was %04x, wanted %04x", cs.CipherSuite, o.expectCipher)
	}
	if o.expectCurveID != 0 && uint16(cs.CurveID) != o.expectCurveID {
		return fmt.Errorf("curve_id was %04x, wanted %04x", uint16(cs.CurveID), o.expectCurveID)
	}
	if o.expectHRR && !cs.HelloRetryRequest || o.expectNoHRR && cs.HelloRetryRequest {
		return fmt.Errorf("got HelloRetryRequest=%t, but wanted the opposite", cs.HelloRetryRequest)
	}
	return nil
}

// checkNames checks the server name the client sent.
func checkNames(cs tls.ConnectionState, o *options) error {
	if o.expectServerName != "" && cs.ServerName != o.expectServerName {
		return fmt.Errorf("servername mismatch (got %q; want %q)", cs.ServerName, o.expectServerName)
	}
	if o.expectNoServerName && cs.ServerName != "" {
		return fmt.Errorf("expected no server name but got %q", cs.ServerName)
	}
	return nil
}

// checkALPN checks the negotiated protocol: on a server, the one
// -select-alpn chose; on a client, -expect-alpn. An empty expectation
// means no protocol may have been negotiated.
func checkALPN(cs tls.ConnectionState, o *options) error {
	want := o.expectALPN
	if o.server {
		want = o.selectALPN
		if o.declineALPN || o.rejectALPN {
			want = ""
		}
	}
	if cs.NegotiatedProtocol != want {
		return fmt.Errorf("negotiated alpn proto mismatch: got %q, want %q", cs.NegotiatedProtocol, want)
	}
	return nil
}

// checkPeerCertificates checks the peer's chain: present when it must be
// (always for a client, and for a server that required one), absent
// under -expect-no-peer-cert, equal to -expect-peer-cert-file.
func checkPeerCertificates(cs tls.ConnectionState, o *options) error {
	switch {
	case o.expectNoPeerCert:
		if len(cs.PeerCertificates) > 0 {
			return fmt.Errorf("received unexpected peer certificate")
		}
	case !o.server || o.requireAnyClientCert:
		if len(cs.PeerCertificates) == 0 {
			return fmt.Errorf("received no peer certificate but expected one")
		}
	}
	if o.expectPeerCertFile == "" {
		return nil
	}
	want, err := readPEMChain(o.expectPeerCertFile)
	if err != nil {
		return err
	}
	if !sameChain(cs.PeerCertificates, want) {
		return fmt.Errorf("received a different certificate chain than %s", o.expectPeerCertFile)
	}
	return nil
}

// checkStaples checks the OCSP response and SCT list the server stapled.
func checkStaples(cs tls.ConnectionState, o *options) error {
	if o.expectOCSP != nil && !bytes.Equal(cs.OCSPResponse, o.expectOCSP) {
		return fmt.Errorf("OCSP response mismatch")
	}
	if o.expectSCTList != nil && !bytes.Equal(marshalSCTList(cs.SignedCertificateTimestamps), o.expectSCTList) {
		return fmt.Errorf("SCT list mismatch")
	}
	return nil
}

// checkPeerSignature checks -expect-peer-signature-algorithm against the
// scheme the peer signed the handshake with.
func checkPeerSignature(got tls.SignatureScheme, o *options) error {
	if o.expectPeerSigAlg != 0 && uint16(got) != o.expectPeerSigAlg {
		return fmt.Errorf("peer signature algorithm was %04x, wanted %04x", uint16(got), o.expectPeerSigAlg)
	}
	return nil
}
