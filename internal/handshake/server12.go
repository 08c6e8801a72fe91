package handshake

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"

	"gotls/internal/msg"
	"gotls/internal/wire"
)

// This file holds the TLS 1.2 server up to its choices: the ClientHello
// checks that TLS 1.2 adds, and the negotiation of certificate, cipher
// suite, group, application protocol and extensions. server12_flight.go
// sends the server's flight; server12_client.go reads the client's.

// serverParams12 is what a TLS 1.2 server decided from the ClientHello.
type serverParams12 struct {
	suite *suite12
	// group is the ECDHE group, or 0 for RSA key transport.
	group wire.Group
	// cert is the certificate to present; cert.scheme signs the
	// ServerKeyExchange of an ECDHE suite and is unused otherwise.
	cert certChoice
	alpn string
	// ems is true: the extended master secret is used (RFC 7627). It is
	// false only when the client lacks it and the configuration allows that.
	ems bool
	// secureRenegotiation says the client signalled RFC 5746 support, so
	// the ServerHello carries an empty renegotiation_info.
	secureRenegotiation bool
	// pointFormats says the client sent ec_point_formats, so an ECDHE
	// ServerHello answers with uncompressed (RFC 8422, Section 5.2).
	pointFormats bool
	// staple is the OCSP response to send in CertificateStatus, or nil.
	staple []byte
}

// serverHello12 runs the TLS 1.2 server from a ClientHello for which
// version negotiation chose TLS 1.2: it negotiates and sends the server's
// flight, through ServerHelloDone.
func serverHello12(c *Conn, ch *msg.ClientHello) (State, error) {
	if err := checkClientHello12(c.cfg, ch); err != nil {
		return nil, err
	}
	st, err := resumeSession12(c, ch)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return serverResume12(c, ch, st)
	}
	p, err := negotiate12(c, ch)
	if err != nil {
		return nil, err
	}
	t := &transcript12{}
	t.write(ch.Raw)
	return serverFlight12(c, ch, t, p)
}

// checkClientHello12 enforces the rules a TLS 1.2 ClientHello must meet
// beyond those of version negotiation.
func checkClientHello12(cfg *Config, ch *msg.ClientHello) error {
	if !slices.Contains(ch.CompressionMethods, 0) {
		// RFC 5246, Section 7.4.1.2: the list MUST contain the null compression method.
		return wire.Fatalf(wire.AlertIllegalParameter, "client does not offer the null compression method")
	}
	if len(ch.SecureRenegotiation) != 0 {
		// RFC 5746, Section 3.6: an initial handshake MUST carry an empty renegotiated_connection.
		return wire.Fatalf(wire.AlertHandshakeFailure, "initial client hello has a non-empty renegotiation_info")
	}
	if slices.Contains(ch.Extensions, wire.ExtECPointFormats) && !slices.Contains(ch.ECPointFormats, 0) &&
		slices.ContainsFunc(ch.SupportedGroups, isECCGroup12) {
		// RFC 8422, Section 5.1.2: ec_point_formats without uncompressed from a client listing ECC curves MUST get illegal_parameter.
		return wire.Fatalf(wire.AlertIllegalParameter, "client's ec_point_formats %v lacks uncompressed points", ch.ECPointFormats)
	}
	if !ch.ExtendedMasterSecret && !cfg.InsecureAllowNoExtendedMasterSecret {
		// RFC 7627, Section 5.2: a server MAY abort a full handshake without the extension; gotls does by default.
		return wire.Fatalf(wire.AlertHandshakeFailure, "peer does not support extended master secret")
	}
	return nil
}

// offersSecureRenegotiation reports whether the client signals RFC 5746
// support, with renegotiation_info or the SCSV (RFC 5746, Section 3.6).
func offersSecureRenegotiation(ch *msg.ClientHello) bool {
	return ch.SecureRenegotiationSupported || slices.Contains(ch.CipherSuites, wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
}

// isECCGroup12 reports whether g is one of the elliptic curves of RFC
// 8422, Section 5.1.1, to which ec_point_formats applies.
func isECCGroup12(g wire.Group) bool {
	switch g {
	case wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1, wire.GroupX25519, wire.GroupX448:
		return true
	}
	return false
}

// negotiate12 picks the certificate, then the suite consistent with it,
// the group and the application protocol, tracing each choice, and
// records them in c.result.
func negotiate12(c *Conn, ch *msg.ClientHello) (serverParams12, error) {
	offer := newOffer12(c.cfg, ch)
	cert, suite, err := selectCertificate12(c.cfg, ch, offer)
	if err != nil {
		return serverParams12{}, err
	}
	if c.tracing() {
		c.trace("choose certificate", "%s; %s", cert.why, describeCert(cert.leaf))
		c.trace("choose cipher suite", "%s", suite.why)
	}
	p := serverParams12{
		suite:               suite.suite,
		cert:                cert,
		ems:                 ch.ExtendedMasterSecret,
		secureRenegotiation: offersSecureRenegotiation(ch),
		pointFormats:        suite.suite.ecdhe() && len(ch.ECPointFormats) > 0,
	}
	if suite.suite.ecdhe() {
		p.group = offer.group
		c.trace("choose group", "%v: most preferred TLS 1.2 group both sides support", p.group)
	}
	if !p.ems {
		c.trace("extended master secret", "client does not support RFC 7627; continuing because InsecureAllowNoExtendedMasterSecret is set")
	}
	if p.alpn, err = negotiateALPN(c.cfg.NextProtos, ch.ALPNProtocols); err != nil {
		return serverParams12{}, err
	}
	if p.alpn != "" {
		c.trace("choose application protocol", "%q: first of ours %q that the client offers %q", p.alpn, c.cfg.NextProtos, ch.ALPNProtocols)
	}
	if ch.OCSPStapling && len(cert.cert.OCSPStaple) > 0 {
		p.staple = cert.cert.OCSPStaple
	}
	c.result.CipherSuite = p.suite.id
	c.result.Group = p.group
	c.result.NegotiatedProtocol = p.alpn
	c.result.ServerName = ch.ServerName
	return p, nil
}

// offer12 is what a TLS 1.2 ClientHello makes possible, with the server's
// preferences applied.
type offer12 struct {
	// suites are the suites both sides allow, in server preference order.
	suites []*suite12
	// order explains the preference order.
	order string
	// group is the most preferred mutual ECDHE group, or 0 when ECDHE is
	// impossible (no mutual group, or no uncompressed point format).
	group wire.Group
	// schemes are the client's signature_algorithms.
	schemes []wire.SignatureScheme
	// clientGroups are the client's supported_groups, which also bound the
	// curves of ECDSA certificates it accepts (RFC 8422, Section 5.1).
	clientGroups []wire.Group
}

// newOffer12 computes the mutual suites and group for ch.
func newOffer12(cfg *Config, ch *msg.ClientHello) offer12 {
	ours, order := serverSuites12(cfg, ch.CipherSuites)
	o := offer12{order: order, schemes: ch.SignatureAlgorithms, clientGroups: ch.SupportedGroups}
	for _, s := range ours {
		if slices.Contains(ch.CipherSuites, s.id) {
			o.suites = append(o.suites, s)
		}
	}
	// A client whose ec_point_formats lacks uncompressed gets no ECDHE:
	// checkClientHello12 refuses it when it lists ECC curves.
	if len(ch.ECPointFormats) > 0 && !slices.Contains(ch.ECPointFormats, 0) {
		return o
	}
	for _, g := range groups12(cfg) {
		if slices.Contains(ch.SupportedGroups, g) {
			o.group = g
			break
		}
	}
	return o
}

// suitePick12 is the chosen suite and why.
type suitePick12 struct {
	suite *suite12
	why   string
}

// pickSuite12 returns the first mutual suite, in server preference, that
// certificate cert (whose parsed leaf is leaf) can serve, or false when
// there is none; see serve.
func (o offer12) pickSuite12(cert *Certificate, leaf *x509.Certificate) (suitePick12, wire.SignatureScheme, bool) {
	pub := cert.PrivateKey.Public()
	for _, s := range o.suites {
		if !keyFitsSuite12(s, pub) {
			continue
		}
		scheme, why := o.serve(s, cert, leaf)
		if why != "" {
			continue
		}
		return suitePick12{suite: s, why: o.suiteWhy(s)}, scheme, true
	}
	return suitePick12{}, 0, false
}

// serve reports whether cert can serve suite s, whose key exchange fits
// its key: RSA key transport needs a key that can decrypt, allowed to
// encipher keys; ECDHE needs a mutual group, an ECDSA key on a curve the
// client accepts and a signature scheme the client accepts. It returns
// the scheme to sign with (ECDHE only), or why the suite cannot be served.
func (o offer12) serve(s *suite12, cert *Certificate, leaf *x509.Certificate) (wire.SignatureScheme, string) {
	if s.kx == kxRSA {
		if _, ok := cert.PrivateKey.(crypto.Decrypter); !ok {
			return 0, fmt.Sprintf("its private key (%T) is not a crypto.Decrypter, which RSA key transport needs", cert.PrivateKey)
		}
		if !keyUsageAllows(leaf, x509.KeyUsageKeyEncipherment) {
			// RFC 5246, Section 7.4.2: an RSA key transport certificate MUST allow keyEncipherment when keyUsage is present.
			return 0, "its keyUsage does not allow keyEncipherment, which RSA key transport needs"
		}
		return 0, ""
	}
	if o.group == 0 {
		return 0, "no ecdhe group in common"
	}
	pub := cert.PrivateKey.Public()
	if !o.curveAccepted(pub) {
		g, _ := ecdsaGroup(pub)
		return 0, fmt.Sprintf("its ECDSA key uses group %v, which the client's supported_groups %v do not list", g, o.clientGroups)
	}
	scheme, err := certScheme(cert, o.schemes, wire.VersionTLS12)
	if err != nil {
		return 0, fmt.Sprintf("it can sign with none of the client's signature schemes %v", o.schemes)
	}
	return scheme, ""
}

// whyNot explains why cert can serve none of the mutual suites.
func (o offer12) whyNot(cert *Certificate, leaf *x509.Certificate) string {
	pub := cert.PrivateKey.Public()
	var reasons []string
	for _, s := range o.suites {
		if !keyFitsSuite12(s, pub) {
			continue
		}
		if _, why := o.serve(s, cert, leaf); why != "" && !slices.Contains(reasons, why) {
			reasons = append(reasons, why)
		}
	}
	if len(reasons) == 0 {
		return fmt.Sprintf("its %s fits none of them", keyDescription(leaf))
	}
	return strings.Join(reasons, "; ")
}

// keyUsageAllows reports whether leaf may be used for usage: it has no
// keyUsage extension, or the extension sets the bit.
func keyUsageAllows(leaf *x509.Certificate, usage x509.KeyUsage) bool {
	return leaf.KeyUsage == 0 || leaf.KeyUsage&usage != 0
}

// curveAccepted reports whether the client's supported_groups, when sent,
// include the curve of an ECDSA key (RFC 8422, Section 5.1).
func (o offer12) curveAccepted(pub crypto.PublicKey) bool {
	g, ok := ecdsaGroup(pub)
	if !ok || len(o.clientGroups) == 0 {
		return true
	}
	return slices.Contains(o.clientGroups, g)
}

// ecdsaGroup returns the named group of an ECDSA key's curve, and false
// when pub is not an ECDSA key. A curve gotls does not name is group 0.
func ecdsaGroup(pub crypto.PublicKey) (wire.Group, bool) {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return 0, false
	}
	switch k.Curve {
	case elliptic.P256():
		return wire.GroupSecp256r1, true
	case elliptic.P384():
		return wire.GroupSecp384r1, true
	case elliptic.P521():
		return wire.GroupSecp521r1, true
	}
	return 0, true
}

// suiteWhy explains the choice of s.
func (o offer12) suiteWhy(s *suite12) string {
	return fmt.Sprintf("%v: first in server preference that the client offers and the certificate can serve; %s; %s",
		s.id, s.describe(), o.order)
}

// selectCertificate12 picks the certificate to present, then the suite
// consistent with it. GetCertificate's answer wins when it gives one.
// Otherwise the first configured certificate valid for the requested
// server name that can serve a mutual suite is used, else the first that
// can serve one.
func selectCertificate12(cfg *Config, ch *msg.ClientHello, o offer12) (certChoice, suitePick12, error) {
	if cfg.GetCertificate != nil {
		cert, err := cfg.GetCertificate(helloInfo(ch))
		if err != nil {
			return certChoice{}, suitePick12{}, fatalOr(err, wire.AlertInternalError, "certificate callback failed")
		}
		if cert != nil {
			return certFromCallback12(cert, ch, o)
		}
	}
	if len(cfg.Certificates) == 0 {
		return certChoice{}, suitePick12{}, wire.Fatalf(wire.AlertHandshakeFailure, "no certificate configured")
	}
	var fallback *certChoice
	var fallbackSuite suitePick12
	for i, cert := range cfg.Certificates {
		leaf, err := ownLeaf(cert)
		if err != nil {
			continue
		}
		pick, scheme, ok := o.pickSuite12(cert, leaf)
		if !ok {
			continue
		}
		choice := certChoice{cert: cert, leaf: leaf, scheme: scheme}
		if ch.ServerName != "" && leaf.VerifyHostname(ch.ServerName) == nil {
			choice.usedSNI = true
			choice.why = fmt.Sprintf("certificate #%d (%s): valid for the requested name %q and can serve %v", i+1, leaf.Subject, ch.ServerName, pick.suite.id)
			return choice, pick, nil
		}
		if fallback == nil {
			choice.why = fmt.Sprintf("certificate #%d (%s): %s; the first one that can serve a suite the client offers", i+1, leaf.Subject, sniNote(ch.ServerName))
			fallback, fallbackSuite = &choice, pick
		}
	}
	if fallback == nil {
		return certChoice{}, suitePick12{}, noSuite12(ch, o, cfg.Certificates)
	}
	return *fallback, fallbackSuite, nil
}

// certFromCallback12 checks that the certificate GetCertificate returned
// can serve a mutual suite.
func certFromCallback12(cert *Certificate, ch *msg.ClientHello, o offer12) (certChoice, suitePick12, error) {
	leaf, err := ownLeaf(cert)
	if err != nil {
		return certChoice{}, suitePick12{}, err
	}
	pick, scheme, ok := o.pickSuite12(cert, leaf)
	if !ok {
		return certChoice{}, suitePick12{}, noSuite12(ch, o, []*Certificate{cert})
	}
	return certChoice{
		cert:    cert,
		leaf:    leaf,
		scheme:  scheme,
		usedSNI: ch.ServerName != "",
		why:     fmt.Sprintf("certificate %s from the GetCertificate callback for name %q", leaf.Subject, ch.ServerName),
	}, pick, nil
}

// noSuite12 explains why no suite could be negotiated with certs. A
// client without signature_algorithms accepts only SHA-1 signatures in TLS
// 1.2 (RFC 5246, Section 7.4.1.4.1); gotls makes none (RFC 9155 deprecates
// them), so such a client can only use RSA key transport, when that is
// enabled. Otherwise each certificate says why it cannot serve.
func noSuite12(ch *msg.ClientHello, o offer12, certs []*Certificate) error {
	rsaKX := slices.ContainsFunc(o.suites, func(s *suite12) bool { return s.kx == kxRSA })
	switch {
	case len(o.suites) == 0:
		return wire.Fatalf(wire.AlertHandshakeFailure, "no tls 1.2 cipher suite in common (client offered %v)", ch.CipherSuites)
	case len(ch.SignatureAlgorithms) == 0 && !rsaKX:
		return wire.Fatalf(wire.AlertHandshakeFailure, "client sent no signature_algorithms, so it accepts only sha-1 signatures, which gotls does not make")
	case o.group == 0 && !rsaKX:
		return wire.Fatalf(wire.AlertHandshakeFailure, "no ecdhe group in common (client offered %v)", ch.SupportedGroups)
	}
	var why []string
	for i, cert := range certs {
		leaf, err := ownLeaf(cert)
		if err != nil {
			why = append(why, fmt.Sprintf("certificate #%d: %v", i+1, err))
			continue
		}
		why = append(why, fmt.Sprintf("certificate #%d (%s): %s", i+1, leaf.Subject, o.whyNot(cert, leaf)))
	}
	return wire.Fatalf(wire.AlertHandshakeFailure, "no certificate can serve a cipher suite the client offers (%v) with its signature schemes %v: %s",
		suiteIDs12(o.suites), ch.SignatureAlgorithms, strings.Join(why, "; "))
}

// rsaDecrypter returns the certificate's key as an RSA decrypter, for
// RSA key transport.
func rsaDecrypter(cert *Certificate) (crypto.Decrypter, error) {
	d, ok := cert.PrivateKey.(crypto.Decrypter)
	if !ok {
		return nil, wire.Fatalf(wire.AlertInternalError, "certificate key cannot decrypt")
	}
	if _, ok := d.Public().(*rsa.PublicKey); !ok {
		return nil, wire.Fatalf(wire.AlertInternalError, "certificate key is not an rsa key")
	}
	return d, nil
}
