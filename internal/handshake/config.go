package handshake

import (
	"crypto"
	"crypto/x509"
	"io"
	"time"

	"gotls/internal/wire"
)

// ClientAuthType mirrors crypto/tls's ClientAuthType values one for one.
type ClientAuthType int

// Client authentication policies, in crypto/tls's order.
const (
	NoClientCert ClientAuthType = iota
	RequestClientCert
	RequireAnyClientCert
	VerifyClientCertIfGiven
	RequireAndVerifyClientCert
)

// Certificate is a certificate chain with its private key.
type Certificate struct {
	// Chain holds DER certificates, leaf first.
	Chain [][]byte
	// PrivateKey signs with the leaf's key.
	PrivateKey crypto.Signer
	// Leaf is the parsed leaf; filled on first use when nil.
	Leaf *x509.Certificate
	// OCSPStaple is a DER OCSP response to staple, if any.
	OCSPStaple []byte
	// SCTs are signed certificate timestamps to send, if any.
	SCTs [][]byte
	// SignatureSchemes, when set, restricts and orders the schemes this
	// certificate signs with.
	SignatureSchemes []wire.SignatureScheme
}

// ClientHelloInfo describes a ClientHello to certificate and config callbacks.
type ClientHelloInfo struct {
	CipherSuites      []wire.CipherSuite
	ServerName        string
	SupportedGroups   []wire.Group
	SignatureSchemes  []wire.SignatureScheme
	SupportedProtos   []string
	SupportedVersions []wire.Version
}

// CertificateRequestInfo describes a server's CertificateRequest to the
// client's certificate callback.
type CertificateRequestInfo struct {
	AcceptableCAs    [][]byte
	SignatureSchemes []wire.SignatureScheme
	Version          wire.Version
}

// Event is one step of a handshake, reported to Config.Trace.
type Event struct {
	// Client is true for events of the client role.
	Client bool
	// Step is a short name of the step, such as "send ClientHello".
	Step string
	// Detail explains the step in one or more lines.
	Detail string
}

// Config is the per-connection handshake configuration. The root package
// builds it from the public Config.
type Config struct {
	Rand io.Reader
	Time func() time.Time

	ServerName           string
	Certificates         []*Certificate
	GetCertificate       func(*ClientHelloInfo) (*Certificate, error)
	GetClientCertificate func(*CertificateRequestInfo) (*Certificate, error)

	RootCAs               *x509.CertPool
	ClientCAs             *x509.CertPool
	ClientAuth            ClientAuthType
	InsecureSkipVerify    bool
	VerifyPeerCertificate func(rawCerts [][]byte, verifiedChains [][]*x509.Certificate) error
	VerifyConnection      func(*Result) error

	// RevocationPolicy says whether a client checks the revocation status
	// of the server's certificate; see RevocationPolicy.
	RevocationPolicy RevocationPolicy
	// Revocation queries OCSP responders and fetches CRLs when the server
	// staples no usable response; nil leaves only the staple.
	Revocation RevocationChecker
	// RevocationWarning receives what RevocationSoftFail let pass.
	RevocationWarning func(*RevocationError)

	NextProtos       []string
	MinVersion       wire.Version
	MaxVersion       wire.Version
	CipherSuites     []wire.CipherSuite
	CurvePreferences []wire.Group
	// SignatureSchemes lists the signature schemes we advertise and accept,
	// in preference order; nil means the defaults.
	SignatureSchemes []wire.SignatureScheme

	// LegacyRSAKeyExchange permits the TLS 1.2 TLS_RSA_* suites, which
	// lack forward secrecy. Off by default.
	LegacyRSAKeyExchange bool
	// LegacyCBCSuites permits the TLS 1.2 CBC-SHA suites. Off by default.
	LegacyCBCSuites bool
	// InsecureAllowNoExtendedMasterSecret permits TLS 1.2 handshakes with
	// a peer that does not support RFC 7627. Off by default.
	InsecureAllowNoExtendedMasterSecret bool

	// Resumption and 0-RTT; see resumption.go.
	Resumption

	// KeyLog receives every secret in NSS key log form, if set.
	KeyLog func(label string, clientRandom, secret []byte)
	// Trace receives each handshake step, if set.
	Trace func(Event)
	// TraceSecrets adds secret values to trace events; off by default.
	TraceSecrets bool
}

func (c *Config) now() time.Time {
	if c.Time != nil {
		return c.Time()
	}
	return time.Time{}
}
