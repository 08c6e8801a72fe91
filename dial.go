package gotls

import (
	"context"
	"errors"
	"net"
	"strings"
)

// Dialer dials TLS connections, in the manner of crypto/tls's Dialer.
type Dialer struct {
	// NetDialer dials the transport; nil means a zero net.Dialer.
	NetDialer *net.Dialer
	// Config configures the client; nil means a zero Config.
	Config *Config
}

// Dial connects to addr on network and runs the handshake.
func (d *Dialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

// DialContext connects to addr and runs the handshake, giving up when ctx
// is done. The returned net.Conn is a *Conn.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	nd := d.NetDialer
	if nd == nil {
		nd = &net.Dialer{}
	}
	if nd.Timeout != 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, nd.Timeout)
		defer cancel()
	}
	if !nd.Deadline.IsZero() {
		// Like Timeout, the dialer's Deadline covers the handshake too.
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, nd.Deadline)
		defer cancel()
	}
	raw, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cfg := clientConfigFor(d.Config, addr)
	conn := Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	return conn, nil
}

// clientConfigFor fills in ServerName from addr when the Config has none,
// as crypto/tls does.
func clientConfigFor(cfg *Config, addr string) *Config {
	if cfg == nil {
		cfg = &Config{}
	}
	if cfg.ServerName != "" {
		return cfg
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	c := cfg.Clone()
	c.ServerName = strings.TrimSuffix(host, ".")
	return c
}

// Dial connects to addr on network with a zero net.Dialer and runs the
// handshake.
func Dial(network, addr string, config *Config) (*Conn, error) {
	return DialWithDialer(&net.Dialer{}, network, addr, config)
}

// DialWithDialer connects with dialer and runs the handshake. The
// dialer's Timeout covers the handshake too.
func DialWithDialer(dialer *net.Dialer, network, addr string, config *Config) (*Conn, error) {
	d := &Dialer{NetDialer: dialer, Config: config}
	c, err := d.Dial(network, addr)
	if err != nil {
		return nil, err
	}
	return c.(*Conn), nil
}

// listener wraps a net.Listener, making each accepted connection a server
// Conn.
type listener struct {
	net.Listener
	config *Config
}

// Accept waits for the next connection and wraps it. The handshake runs on
// first use of the Conn.
func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return Server(c, l.config), nil
}

// NewListener returns a listener whose connections are TLS servers using
// config.
func NewListener(inner net.Listener, config *Config) net.Listener {
	return &listener{Listener: inner, config: config}
}

// Listen listens on laddr and returns a TLS listener. The Config must hold
// a certificate or a GetCertificate callback.
func Listen(network, laddr string, config *Config) (net.Listener, error) {
	if config == nil || (len(config.Certificates) == 0 && config.GetCertificate == nil) {
		return nil, errors.New("tls: neither Certificates nor GetCertificate set in Config")
	}
	l, err := net.Listen(network, laddr)
	if err != nil {
		return nil, err
	}
	return NewListener(l, config), nil
}
