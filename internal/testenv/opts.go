package testenv

import (
	"gotls/internal/wire"
)

// ServerOpts configures a peer server process (OpenSSLServer,
// GnuTLSServer). Zero fields leave the tool's defaults.
type ServerOpts struct {
	// Leaf is the certificate chain and key the server presents. Required.
	Leaf *Leaf
	// ClientCA, when set, makes the server demand a client certificate
	// that chains to it, and fail the handshake without one.
	ClientCA *CA
	// Version limits the server to one protocol version (VersionTLS12 or
	// VersionTLS13); zero allows both.
	Version wire.Version
	// Groups lists the key exchange groups the server accepts, in
	// preference order.
	Groups []wire.Group
	// CipherSuites lists the cipher suites the server accepts; TLS 1.3 and
	// TLS 1.2 suites may be mixed.
	CipherSuites []wire.CipherSuite
	// Send is the application data the server sends to its client after
	// the handshake (OpenSSL only: GnuTLS echoes what it receives).
	Send []byte
	// Args are extra command-line arguments, appended last.
	Args []string
}

// ClientOpts configures a peer client process (OpenSSLClient,
// GnuTLSClient). Zero fields leave the tool's defaults.
type ClientOpts struct {
	// ServerName is sent as SNI and checked against the server
	// certificate; empty means "localhost".
	ServerName string
	// CA is the root the server certificate must chain to. Required.
	CA *CA
	// Leaf, when set, is the client certificate chain and key.
	Leaf *Leaf
	// Version limits the client to one protocol version; zero allows both.
	Version wire.Version
	// Groups lists the key exchange groups the client offers, in
	// preference order; OpenSSL sends a key share for the first only.
	Groups []wire.Group
	// CipherSuites lists the cipher suites the client offers.
	CipherSuites []wire.CipherSuite
	// Send is the application data the client sends after the handshake.
	Send []byte
	// Args are extra command-line arguments, appended last.
	Args []string
}

// serverName returns the name the client asks for and verifies.
func (o ClientOpts) serverName() string {
	if o.ServerName == "" {
		return "localhost"
	}
	return o.ServerName
}

// splitSuites separates TLS 1.3 suites from TLS 1.2 ones, keeping order.
func splitSuites(suites []wire.CipherSuite) (tls13, tls12 []wire.CipherSuite) {
	for _, s := range suites {
		if s.IsTLS13() {
			tls13 = append(tls13, s)
		} else {
			tls12 = append(tls12, s)
		}
	}
	return tls13, tls12
}
