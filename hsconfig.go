package gotls

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"gotls/internal/handshake"
	"gotls/internal/keysched"
	"gotls/internal/wire"
)

// handshakeConfig translates the public Config into the handshake's own
// configuration for one connection.
func (c *Config) handshakeConfig(conn *Conn) (*handshake.Config, error) {
	certs, err := c.handshakeCertificates()
	if err != nil {
		return nil, err
	}
	hc := &handshake.Config{
		Rand:                  c.rand(),
		Time:                  c.now(),
		ServerName:            c.ServerName,
		Certificates:          certs,
		RootCAs:               c.RootCAs,
		ClientCAs:             c.ClientCAs,
		ClientAuth:            handshake.ClientAuthType(c.ClientAuth),
		InsecureSkipVerify:    c.InsecureSkipVerify,
		VerifyPeerCertificate: c.VerifyPeerCertificate,
		NextProtos:            c.NextProtos,
		MinVersion:            wire.Version(c.MinVersion),
		MaxVersion:            wire.Version(c.MaxVersion),
		TraceSecrets:          c.TraceSecrets,

		LegacyRSAKeyExchange:                c.LegacyRSAKeyExchange,
		LegacyCBCSuites:                     c.LegacyCBCSuites,
		InsecureAllowNoExtendedMasterSecret: c.InsecureAllowNoExtendedMasterSecret,
	}
	if c.OCSPStapler != nil {
		// Staples are per connection: staple copies, not the shared cache.
		stapled := make([]*handshake.Certificate, len(certs))
		for i, cert := range certs {
			cp := *cert
			c.staple(&cp)
			stapled[i] = &cp
		}
		hc.Certificates = stapled
	}
	c.addRevocation(hc)
	c.addResumption(hc, conn)
	for _, s := range c.CipherSuites {
		hc.CipherSuites = append(hc.CipherSuites, wire.CipherSuite(s))
	}
	for _, g := range c.CurvePreferences {
		hc.CurvePreferences = append(hc.CurvePreferences, wire.Group(g))
	}
	hc.SignatureSchemes = convertSchemes(c.SignatureSchemes)
	c.addCallbacks(hc, conn)
	return hc, nil
}

// addCallbacks wires the public callbacks to the handshake's types.
func (c *Config) addCallbacks(hc *handshake.Config, conn *Conn) {
	if c.GetCertificate != nil {
		hc.GetCertificate = func(info *handshake.ClientHelloInfo) (*handshake.Certificate, error) {
			cert, err := c.GetCertificate(publicHelloInfo(info))
			if err != nil || cert == nil {
				return nil, err
			}
			hc, err := convertCertificate(cert)
			c.staple(hc)
			return hc, err
		}
	}
	if c.GetClientCertificate != nil {
		hc.GetClientCertificate = func(info *handshake.CertificateRequestInfo) (*handshake.Certificate, error) {
			cert, err := c.GetClientCertificate(publicRequestInfo(info))
			if err != nil || cert == nil {
				return nil, err
			}
			if len(cert.Certificate) == 0 {
				return &handshake.Certificate{}, nil
			}
			return convertCertificate(cert)
		}
	}
	if c.VerifyConnection != nil {
		hc.VerifyConnection = func(r *handshake.Result) error {
			return c.VerifyConnection(conn.stateFrom(r, true))
		}
	}
	if c.KeyLogWriter != nil {
		hc.KeyLog = func(label string, clientRandom, secret []byte) {
			line := keysched.KeyLogLine(label, clientRandom, secret)
			c.keyLogMu.Lock()
			defer c.keyLogMu.Unlock()
			c.KeyLogWriter.Write([]byte(line))
		}
	}
	if c.HandshakeTrace != nil {
		hc.Trace = func(ev handshake.Event) {
			c.HandshakeTrace(HandshakeEvent{Client: ev.Client, Step: ev.Step, Detail: ev.Detail})
		}
	}
}

func publicHelloInfo(info *handshake.ClientHelloInfo) *ClientHelloInfo {
	p := &ClientHelloInfo{ServerName: info.ServerName, SupportedProtos: info.SupportedProtos}
	for _, s := range info.CipherSuites {
		p.CipherSuites = append(p.CipherSuites, uint16(s))
	}
	for _, g := range info.SupportedGroups {
		p.SupportedCurves = append(p.SupportedCurves, tls.CurveID(g))
	}
	for _, s := range info.SignatureSchemes {
		p.SignatureSchemes = append(p.SignatureSchemes, tls.SignatureScheme(s))
	}
	for _, v := range info.SupportedVersions {
		p.SupportedVersions = append(p.SupportedVersions, uint16(v))
	}
	return p
}

func publicRequestInfo(info *handshake.CertificateRequestInfo) *CertificateRequestInfo {
	p := &CertificateRequestInfo{AcceptableCAs: info.AcceptableCAs, Version: uint16(info.Version)}
	for _, s := range info.SignatureSchemes {
		p.SignatureSchemes = append(p.SignatureSchemes, tls.SignatureScheme(s))
	}
	return p
}

// convertedCerts is Certificates converted once and shared by every
// connection of a Config, with what identifies the slice it came from.
type convertedCerts struct {
	first *tls.Certificate // &Certificates[0], nil for an empty slice
	certs []*handshake.Certificate
}

// handshakeCertificates returns c.Certificates in the handshake's form,
// converting them only when the slice differs from the one last converted
// (its first element, its length or any chain was replaced). The result
// is shared between connections and must not be modified.
func (c *Config) handshakeCertificates() ([]*handshake.Certificate, error) {
	in := c.Certificates
	if cached := c.certs.Load(); cached != nil && cached.matches(in) {
		return cached.certs, nil
	}
	certs, err := convertCertificates(in)
	if err != nil {
		return nil, err
	}
	cc := &convertedCerts{certs: certs}
	if len(in) > 0 {
		cc.first = &in[0]
	}
	c.certs.Store(cc)
	return certs, nil
}

// matches reports whether in is the slice cc was converted from.
func (cc *convertedCerts) matches(in []tls.Certificate) bool {
	if len(in) != len(cc.certs) {
		return false
	}
	if len(in) == 0 {
		return true
	}
	if &in[0] != cc.first {
		return false
	}
	for i := range in {
		chain := in[i].Certificate
		if len(chain) != len(cc.certs[i].Chain) || len(chain) == 0 || &chain[0] != &cc.certs[i].Chain[0] ||
			in[i].Leaf != cc.certs[i].Leaf {
			return false
		}
	}
	return true
}

func convertCertificates(in []tls.Certificate) ([]*handshake.Certificate, error) {
	out := make([]*handshake.Certificate, 0, len(in))
	for i := range in {
		hc, err := convertCertificate(&in[i])
		if err != nil {
			return nil, err
		}
		out = append(out, hc)
	}
	return out, nil
}

// convertCertificate checks that a tls.Certificate can be used and turns
// it into the handshake's form.
func convertCertificate(c *tls.Certificate) (*handshake.Certificate, error) {
	if len(c.Certificate) == 0 {
		return nil, errors.New("tls: certificate has an empty chain")
	}
	signer, ok := c.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("tls: certificate private key of type %T is not a crypto.Signer", c.PrivateKey)
	}
	return &handshake.Certificate{
		Chain:      c.Certificate,
		PrivateKey: signer,
		Leaf:       c.Leaf,
		OCSPStaple: c.OCSPStaple,
		SCTs:       c.SignedCertificateTimestamps,

		SignatureSchemes: convertSchemes(c.SupportedSignatureAlgorithms),
	}, nil
}

func convertSchemes(in []tls.SignatureScheme) []wire.SignatureScheme {
	var out []wire.SignatureScheme
	for _, s := range in {
		out = append(out, wire.SignatureScheme(s))
	}
	return out
}

// stateFrom builds a tls.ConnectionState from a handshake result.
func (c *Conn) stateFrom(r *handshake.Result, complete bool) tls.ConnectionState {
	var chains [][]*x509.Certificate
	if len(r.VerifiedChains) > 0 {
		chains = r.VerifiedChains
	}
	return tls.ConnectionState{
		Version:                     uint16(r.Version),
		HandshakeComplete:           complete,
		DidResume:                   r.DidResume,
		CipherSuite:                 uint16(r.CipherSuite),
		CurveID:                     tls.CurveID(r.Group),
		NegotiatedProtocol:          r.NegotiatedProtocol,
		NegotiatedProtocolIsMutual:  true,
		ServerName:                  r.ServerName,
		PeerCertificates:            r.PeerCertificates,
		VerifiedChains:              chains,
		SignedCertificateTimestamps: r.SCTs,
		OCSPResponse:                r.OCSPResponse,
		HelloRetryRequest:           r.HelloRetry,
	}
}
