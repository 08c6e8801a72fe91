// Package stdpeer runs crypto/tls as the comparison peer of "gotls bench
// -compare". It is the one non-test place of the module that calls
// crypto/tls functions: DESIGN.md §2 allows crypto/tls as a test peer, and
// a benchmark's baseline is the same role. Keeping every such call here
// keeps the exception narrow; the layering test names this package.
package stdpeer

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
)

// Conn is a TLS connection as the benchmark drives it. Both a crypto/tls
// connection and a *gotls.Conn satisfy it.
type Conn interface {
	net.Conn
	// HandshakeContext runs the handshake, giving up when ctx is done.
	HandshakeContext(ctx context.Context) error
	// CloseWrite sends close_notify and shuts down the writing side.
	CloseWrite() error
	// ConnectionState describes the negotiated connection.
	ConnectionState() tls.ConnectionState
}

// Options are the settings a benchmark gives both stacks. They mirror the
// gotls.Config fields of the same names.
type Options struct {
	// Certificates are a server's chains.
	Certificates []tls.Certificate
	// RootCAs verifies a client's view of the server; nil means the
	// system pool.
	RootCAs *x509.CertPool
	// ServerName is the name a client verifies and sends as SNI.
	ServerName string
	// InsecureSkipVerify turns off a client's verification of the server.
	InsecureSkipVerify bool
	// MinVersion and MaxVersion bound the protocol version; zero means
	// the crypto/tls default.
	MinVersion, MaxVersion uint16
	// CurvePreferences lists the key exchange groups in preference order;
	// nil means the crypto/tls default.
	CurvePreferences []tls.CurveID
	// CipherSuites restricts the TLS 1.2 suites. crypto/tls has no way to
	// restrict the TLS 1.3 suites: it ignores them in this list.
	CipherSuites []uint16
}

// Peer makes crypto/tls connections with one configuration, built once so
// that no connection pays for it. Session tickets are off: the benchmark
// measures full handshakes, and a server that sends no ticket leaves
// nothing unread when a client closes right after its handshake.
type Peer struct {
	client, server *tls.Config
}

// New returns a Peer configured from o.
func New(o Options) *Peer {
	base := &tls.Config{
		Certificates:           o.Certificates,
		RootCAs:                o.RootCAs,
		ServerName:             o.ServerName,
		InsecureSkipVerify:     o.InsecureSkipVerify,
		MinVersion:             o.MinVersion,
		MaxVersion:             o.MaxVersion,
		CurvePreferences:       o.CurvePreferences,
		CipherSuites:           o.CipherSuites,
		SessionTicketsDisabled: true,
	}
	server := base.Clone()
	server.ServerName, server.RootCAs = "", nil
	client := base.Clone()
	client.Certificates = nil
	return &Peer{client: client, server: server}
}

// Client returns a crypto/tls client connection over raw.
func (p *Peer) Client(raw net.Conn) Conn { return tls.Client(raw, p.client) }

// Server returns a crypto/tls server connection over raw.
func (p *Peer) Server(raw net.Conn) Conn { return tls.Server(raw, p.server) }
