package gotls

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"gotls/revocation"
	"gotls/session"
)

// Protocol versions, with crypto/tls's values.
const (
	VersionTLS12 = tls.VersionTLS12
	VersionTLS13 = tls.VersionTLS13
)

// Client authentication policies, re-exported from crypto/tls.
const (
	NoClientCert               = tls.NoClientCert
	RequestClientCert          = tls.RequestClientCert
	RequireAnyClientCert       = tls.RequireAnyClientCert
	VerifyClientCertIfGiven    = tls.VerifyClientCertIfGiven
	RequireAndVerifyClientCert = tls.RequireAndVerifyClientCert
)

// Named groups, re-exported from crypto/tls.
const (
	X25519         = tls.X25519
	CurveP256      = tls.CurveP256
	CurveP384      = tls.CurveP384
	CurveP521      = tls.CurveP521
	X25519MLKEM768 = tls.X25519MLKEM768
)

// ClientHelloInfo describes a ClientHello to GetCertificate.
type ClientHelloInfo struct {
	// CipherSuites lists the suites the client offered.
	CipherSuites []uint16
	// ServerName is the SNI host name, if any.
	ServerName string
	// SupportedCurves lists the client's named groups.
	SupportedCurves []tls.CurveID
	// SignatureSchemes lists the client's signature_algorithms.
	SignatureSchemes []tls.SignatureScheme
	// SupportedProtos lists the client's ALPN protocols.
	SupportedProtos []string
	// SupportedVersions lists the versions the client offered.
	SupportedVersions []uint16
}

// CertificateRequestInfo describes a server's certificate request to
// GetClientCertificate.
type CertificateRequestInfo struct {
	// AcceptableCAs holds the DER subjects of the CAs the server accepts.
	AcceptableCAs [][]byte
	// SignatureSchemes lists the schemes the server accepts.
	SignatureSchemes []tls.SignatureScheme
	// Version is the negotiated version.
	Version uint16
}

// HandshakeEvent is one step of a handshake, for Config.HandshakeTrace.
type HandshakeEvent struct {
	// Client is true for steps taken by the client.
	Client bool
	// Step names the step briefly.
	Step string
	// Detail explains the step.
	Detail string
}

// Config configures a client or server. Its fields keep crypto/tls's names
// and meanings. A Config may be shared by many connections once in use; do
// not modify it then.
type Config struct {
	// Rand is the source of randomness; nil means crypto/rand.
	Rand io.Reader
	// Time returns the current time; nil means time.Now.
	Time func() time.Time

	// Certificates holds chains to present to the peer.
	Certificates []tls.Certificate
	// GetCertificate picks a server certificate from the ClientHello.
	GetCertificate func(*ClientHelloInfo) (*tls.Certificate, error)
	// GetClientCertificate picks a client certificate for a request.
	GetClientCertificate func(*CertificateRequestInfo) (*tls.Certificate, error)

	// RootCAs verifies server certificates; nil means the system pool.
	RootCAs *x509.CertPool
	// ServerName is the host name the client checks and sends as SNI.
	ServerName string
	// NextProtos lists ALPN protocols in preference order.
	NextProtos []string

	// ClientAuth is the server's policy for client certificates.
	ClientAuth tls.ClientAuthType
	// ClientCAs verifies client certificates.
	ClientCAs *x509.CertPool

	// RevocationPolicy says whether a client checks that the server's
	// certificate has not been revoked: RevocationOff (the default),
	// RevocationSoftFail or RevocationHardFail.
	RevocationPolicy RevocationPolicy
	// RevocationChecker queries OCSP responders and downloads CRLs when
	// the server staples no usable response; nil means a
	// revocation.Checker that this Config keeps, with its CRL cache.
	RevocationChecker RevocationChecker
	// RevocationTimeout bounds each OCSP query or CRL download; zero
	// means 5 seconds.
	RevocationTimeout time.Duration
	// RevocationWarning receives, as a *RevocationError, each check that
	// RevocationSoftFail let pass without an answer; when nil, Logger
	// gets a warning instead.
	RevocationWarning func(error)
	// OCSPStapler supplies a server's OCSP staples at each handshake,
	// such as a *revocation.Stapler that refreshes them. Its staple
	// replaces Certificate.OCSPStaple when it has one.
	OCSPStapler OCSPStapler

	// InsecureSkipVerify turns off verification of the server's
	// certificate. It makes the connection open to active attackers.
	InsecureSkipVerify bool
	// VerifyPeerCertificate is called after normal verification.
	VerifyPeerCertificate func(rawCerts [][]byte, verifiedChains [][]*x509.Certificate) error
	// VerifyConnection is called at the end of every handshake.
	VerifyConnection func(tls.ConnectionState) error

	// CipherSuites restricts the suites; TLS 1.3 suites in it restrict
	// TLS 1.3, and a list with no TLS 1.3 suite leaves TLS 1.3's defaults.
	CipherSuites []uint16
	// MinVersion and MaxVersion bound the protocol version.
	MinVersion uint16
	MaxVersion uint16
	// CurvePreferences lists named groups in preference order.
	CurvePreferences []tls.CurveID
	// SignatureSchemes lists the signature schemes advertised to and
	// accepted from the peer, in preference order; nil means the defaults.
	// A gotls addition.
	SignatureSchemes []tls.SignatureScheme

	// LegacyRSAKeyExchange enables the TLS 1.2 suites that transport the
	// pre-master secret under the server's RSA key (TLS_RSA_WITH_AES_*_GCM).
	// They have no forward secrecy; off by default.
	LegacyRSAKeyExchange bool
	// LegacyCBCSuites enables the TLS 1.2 AES-CBC-SHA suites; off by default.
	LegacyCBCSuites bool
	// InsecureAllowNoExtendedMasterSecret lets TLS 1.2 proceed with a peer
	// that lacks the extended master secret (RFC 7627), which exposes the
	// connection to triple-handshake attacks. Off by default.
	InsecureAllowNoExtendedMasterSecret bool

	// ClientSessionCache keeps a client's sessions so that later
	// connections to the same server resume them; nil turns client-side
	// resumption off. session.NewLRUClientCache is the usual cache.
	ClientSessionCache ClientSessionCache
	// SessionTicketsDisabled turns session tickets off: a server issues
	// and accepts none, a client offers none. TLS 1.2 session IDs still
	// resume through SessionStore.
	SessionTicketsDisabled bool
	// SessionStore is a server's store for TLS 1.2 sessions by session ID
	// and for the single-use records of 0-RTT anti-replay. A store shared
	// by a fleet, such as a session.RedisStore, also shares the ticket
	// keys, so that every server resumes the others' sessions. Nil means
	// an in-memory store of this Config.
	SessionStore session.Store
	// StoreTimeout bounds each call to SessionStore; zero means 50 ms. A
	// store that fails or times out only costs a full handshake.
	StoreTimeout time.Duration
	// TicketLifetime is how long a server's tickets and sessions can be
	// resumed; zero means 24 hours. It is capped at 7 days and at how long
	// the ticket keys open tickets. A gotls addition.
	TicketLifetime time.Duration
	// PSKWithoutKeyExchange lets TLS 1.3 resumption skip the (EC)DHE
	// exchange (psk_ke): cheaper, but the resumed connection has no
	// forward secrecy with respect to the ticket's secret. Off by default:
	// only psk_dhe_ke is offered and accepted. A gotls addition.
	PSKWithoutKeyExchange bool
	// MaxEarlyData enables TLS 1.3 0-RTT data on a server: the tickets it
	// issues allow this many bytes of early data, each ticket once. Zero
	// refuses early data. Accepted early data is returned by
	// Conn.EarlyData, never by Read. A gotls addition.
	MaxEarlyData uint32
	// WrapSession, when set, turns a server's encoded session state into
	// the ticket sent to the client, instead of EncryptTicket.
	WrapSession func(state []byte) ([]byte, error)
	// UnwrapSession, when set, turns a ticket back into the encoded
	// session state, instead of DecryptTicket. An error, or a nil state,
	// means a full handshake.
	UnwrapSession func(ticket []byte) ([]byte, error)

	// KeyLogWriter receives secrets in NSS key log format. It makes
	// recorded traffic decryptable; use it only for debugging.
	KeyLogWriter io.Writer

	// HandshakeTimeout bounds a handshake that has no deadline or context
	// of its own; zero means no bound.
	HandshakeTimeout time.Duration
	// Logger receives debug records about handshakes; nil is silent.
	// Secrets are never logged.
	Logger *slog.Logger
	// HandshakeTrace receives each handshake step as it happens.
	HandshakeTrace func(HandshakeEvent)
	// TraceSecrets adds secret values to HandshakeTrace events. It makes
	// recorded traffic decryptable; use it only for teaching and debugging.
	TraceSecrets bool

	keyLogMu sync.Mutex
	// revocationOnce makes defaultChecker, the checker used when
	// RevocationChecker is nil.
	revocationOnce sync.Once
	defaultChecker *revocation.Checker
	// sessions holds the ticket keys and the default session store,
	// made on first use and shared with clones (see resume.go).
	sessions atomic.Pointer[sessionShared]
	// certs caches Certificates converted for the handshake (hsconfig.go);
	// clones start without it.
	certs atomic.Pointer[convertedCerts]
}

// Clone returns a shallow copy of c that is safe to modify.
func (c *Config) Clone() *Config {
	if c == nil {
		return nil
	}
	clone := &Config{
		Rand: c.Rand, Time: c.Time,
		Certificates: c.Certificates, GetCertificate: c.GetCertificate,
		GetClientCertificate: c.GetClientCertificate,
		RootCAs:              c.RootCAs, ServerName: c.ServerName, NextProtos: c.NextProtos,
		ClientAuth: c.ClientAuth, ClientCAs: c.ClientCAs,
		InsecureSkipVerify: c.InsecureSkipVerify, VerifyPeerCertificate: c.VerifyPeerCertificate,
		VerifyConnection: c.VerifyConnection, CipherSuites: c.CipherSuites,
		MinVersion: c.MinVersion, MaxVersion: c.MaxVersion, CurvePreferences: c.CurvePreferences,
		SignatureSchemes:     c.SignatureSchemes,
		LegacyRSAKeyExchange: c.LegacyRSAKeyExchange, LegacyCBCSuites: c.LegacyCBCSuites,
		InsecureAllowNoExtendedMasterSecret: c.InsecureAllowNoExtendedMasterSecret,
		KeyLogWriter:                        c.KeyLogWriter, HandshakeTimeout: c.HandshakeTimeout, Logger: c.Logger,
		HandshakeTrace: c.HandshakeTrace, TraceSecrets: c.TraceSecrets,
		RevocationPolicy: c.RevocationPolicy, RevocationChecker: c.RevocationChecker,
		RevocationTimeout: c.RevocationTimeout, RevocationWarning: c.RevocationWarning,
		OCSPStapler: c.OCSPStapler,

		ClientSessionCache: c.ClientSessionCache, SessionTicketsDisabled: c.SessionTicketsDisabled,
		SessionStore: c.SessionStore, StoreTimeout: c.StoreTimeout, TicketLifetime: c.TicketLifetime,
		PSKWithoutKeyExchange: c.PSKWithoutKeyExchange, MaxEarlyData: c.MaxEarlyData,
		WrapSession: c.WrapSession, UnwrapSession: c.UnwrapSession,
	}
	clone.sessions.Store(c.sharedSessions())
	return clone
}

func (c *Config) rand() io.Reader {
	if c.Rand != nil {
		return c.Rand
	}
	return rand.Reader
}

func (c *Config) now() func() time.Time {
	if c.Time != nil {
		return c.Time
	}
	return time.Now
}
