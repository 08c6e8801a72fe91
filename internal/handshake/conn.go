package handshake

import (
	"crypto/x509"
	"fmt"
	"slices"

	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/wire"
)

// Link is what the engine lends the handshake: a way to send messages and
// to switch record protection. Handshake code never touches bytes on the
// wire any other way.
type Link interface {
	// WriteHandshake queues one encoded handshake message under the
	// current write protection.
	WriteHandshake(m []byte)
	// WriteChangeCipherSpec queues a change_cipher_spec record.
	WriteChangeCipherSpec()
	// SetReadProtector installs protection for records read from now on.
	SetReadProtector(p record.Protector)
	// SetWriteProtector sends what is queued under the old protection,
	// then protects later records with p.
	SetWriteProtector(p record.Protector)
}

// State is one point of a handshake: the message it expects next decides
// what happens.
type State interface {
	// Name names the state for traces and tests.
	Name() string
	// Handle consumes one message and returns the next state.
	Handle(c *Conn, m msg.Message) (State, error)
}

// Result is what a finished handshake agreed on.
type Result struct {
	Version            wire.Version
	CipherSuite        wire.CipherSuite
	Group              wire.Group
	NegotiatedProtocol string
	ServerName         string
	PeerCertificates   []*x509.Certificate
	VerifiedChains     [][]*x509.Certificate
	DidResume          bool
	HelloRetry         bool
	OCSPResponse       []byte
	SCTs               [][]byte
	// SignatureScheme is the scheme the peer signed with, if it signed.
	SignatureScheme wire.SignatureScheme
	// EarlyData reports that the server accepted the client's 0-RTT data.
	EarlyData bool
}

// Conn holds one connection's handshake: configuration, the link to the
// engine, the current state and what has been agreed so far.
type Conn struct {
	cfg    *Config
	link   Link
	client bool
	state  State
	done   bool
	// history lists the names of the states passed through, for tests.
	history []string

	result   Result
	exporter *keysched.ExporterMasterSecret
	// tls12 is the completed TLS 1.2 session (master secret and randoms),
	// set when a TLS 1.2 handshake completes; it serves the exporter.
	tls12 *session12
	// clientRandom is kept for key log lines.
	clientRandom []byte
	// earlyDataSkip is how many more bytes of declined 0-RTT records a
	// server may drop (RFC 8446, Section 4.2.10); see SkipRejectedEarlyData.
	earlyDataSkip     int
	skippingEarlyData bool

	// resumed is the session this handshake resumes, or nil.
	resumed *SessionState
	// earlyData is the 0-RTT data a server accepted, at most
	// earlyDataLimit bytes; earlyOut is the 0-RTT data a client is about
	// to send (see TakeEarlyData).
	earlyData      []byte
	earlyDataLimit int
	earlyOut       []byte
}

// NewConn returns a handshake for one role. Call Start before feeding
// messages.
func NewConn(cfg *Config, link Link, client bool) *Conn {
	return &Conn{cfg: cfg, link: link, client: client}
}

// Start begins the handshake: a client sends its ClientHello, a server
// waits for one.
func (c *Conn) Start() error {
	if c.client {
		st, err := startClient(c)
		if err != nil {
			return err
		}
		c.setState(st)
		return nil
	}
	c.setState(expectClientHello{})
	return nil
}

// Handle parses one complete handshake message and runs it through the
// current state.
func (c *Conn) Handle(raw []byte) error {
	m, err := msg.Parse(raw, c.result.Version)
	if err != nil {
		return err
	}
	if c.state == nil {
		return wire.Fatalf(wire.AlertUnexpectedMessage, "unexpected %s message", m.Type())
	}
	next, err := c.state.Handle(c, m)
	if err != nil {
		return err
	}
	c.setState(next)
	return nil
}

func (c *Conn) setState(s State) {
	c.state = s
	// A state that handles a message and stays (post-handshake messages
	// such as KeyUpdate) is recorded once, so the history stays bounded.
	if n := len(c.history); n > 0 && c.history[n-1] == s.Name() {
		return
	}
	c.history = append(c.history, s.Name())
}

// Client reports whether this is the client side.
func (c *Conn) Client() bool { return c.client }

// Done reports whether the handshake has completed.
func (c *Conn) Done() bool { return c.done }

// Version returns the negotiated version, or 0 before ServerHello.
func (c *Conn) Version() wire.Version { return c.result.Version }

// MayBeTLS12 reports whether the connection uses TLS 1.2 or, while the
// version is not yet known, may still negotiate it. Until then the record
// layer must accept what TLS 1.2 allows, such as warning alerts.
func (c *Conn) MayBeTLS12() bool {
	switch c.result.Version {
	case wire.VersionTLS12:
		return true
	case 0:
		return slices.Contains(serverVersions(c.cfg), wire.VersionTLS12)
	}
	return false
}

// Result returns what the handshake agreed on so far.
func (c *Conn) Result() *Result { return &c.result }

// StateName names the current state.
func (c *Conn) StateName() string {
	if c.state == nil {
		return "none"
	}
	return c.state.Name()
}

// History lists the states the handshake has passed through.
func (c *Conn) History() []string { return c.history }

// InEarlyHandshake reports whether a TLS 1.3 middlebox-compatibility
// change_cipher_spec may still arrive: after the first ClientHello and
// before the peer's Finished (RFC 8446, Section 5).
func (c *Conn) InEarlyHandshake() bool {
	if c.done || c.state == nil {
		return false
	}
	_, initial := c.state.(expectClientHello)
	return !initial
}

// ChangeCipherSpec handles a TLS 1.2 change_cipher_spec message: only a
// state that expects one (ccsReceiver) may take it.
func (c *Conn) ChangeCipherSpec() error {
	r, ok := c.state.(ccsReceiver)
	if !ok {
		return wire.Fatalf(wire.AlertUnexpectedMessage, "unexpected change_cipher_spec in state %s", c.StateName())
	}
	next, err := r.changeCipherSpec(c)
	if err != nil {
		return err
	}
	c.setState(next)
	return nil
}

// ccsReceiver is implemented by TLS 1.2 states that expect the peer's
// change_cipher_spec; they install the pending read protection.
type ccsReceiver interface {
	changeCipherSpec(c *Conn) (State, error)
}

// ExportKeyingMaterial derives keying material as RFC 8446, Section 7.5
// describes, or for TLS 1.2 as RFC 5705 does (only with the extended
// master secret of RFC 7627).
func (c *Conn) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	if c.done && c.tls12 != nil {
		return c.tls12.exportKeyingMaterial(label, context, length)
	}
	if !c.done || c.exporter == nil {
		return nil, fmt.Errorf("tls: exporter is not available before the handshake completes")
	}
	if err := keysched.ValidateExport(c.exporter.Hash(), label, context, length); err != nil {
		return nil, err
	}
	return c.exporter.Export(label, context, length), nil
}

// KeyUpdate sends a KeyUpdate message and switches our write keys. When
// requestPeer is true the peer is asked to update its keys too.
func (c *Conn) KeyUpdate(requestPeer bool) error {
	u, ok := c.state.(keyUpdater)
	if !c.done || !ok {
		return fmt.Errorf("tls: key update is not possible in state %s", c.StateName())
	}
	return u.sendKeyUpdate(c, requestPeer)
}

// FlushKeyUpdate answers the peer's pending KeyUpdate requests with one
// KeyUpdate. The engine calls it after each batch of input.
func (c *Conn) FlushKeyUpdate() error {
	if u, ok := c.state.(keyUpdater); ok && c.done {
		return u.flushKeyUpdate(c)
	}
	return nil
}

// keyUpdater is implemented by the connected state of TLS 1.3.
type keyUpdater interface {
	sendKeyUpdate(c *Conn, requestPeer bool) error
	flushKeyUpdate(c *Conn) error
}

// send encodes m, adds it to the transcript t (when not nil) and queues it.
func (c *Conn) send(t *keysched.Transcript, m msg.Message) error {
	b, err := m.Marshal()
	if err != nil {
		return wire.Fatal(wire.AlertInternalError, "cannot encode "+m.Type().String(), err)
	}
	if t != nil {
		t.Write(b)
	}
	c.link.WriteHandshake(b)
	return nil
}

// tracing reports whether a Trace function is configured. Callers check it
// before building costly trace arguments: a call to trace allocates its
// arguments even when it then does nothing.
func (c *Conn) tracing() bool { return c.cfg.Trace != nil }

// tracing reports whether cfg has a Trace function, for code that builds
// trace text from a Config alone.
func (cfg *Config) tracing() bool { return cfg.Trace != nil }

// logsSecrets reports whether logSecret would do anything: whether a key log
// or a trace is configured. Callers check it before copying secrets out.
func (c *Conn) logsSecrets() bool { return c.cfg.KeyLog != nil || c.cfg.Trace != nil }

// trace reports one handshake step to the configured Trace function.
func (c *Conn) trace(step, format string, args ...any) {
	if c.cfg.Trace == nil {
		return
	}
	c.cfg.Trace(Event{Client: c.client, Step: step, Detail: fmt.Sprintf(format, args...)})
}

// logKey writes a key log line through the configured function.
func (c *Conn) logKey(label string, secret []byte) {
	if c.cfg.KeyLog != nil {
		c.cfg.KeyLog(label, c.clientRandom, secret)
	}
}

// unexpected returns the error for a message the state did not expect.
func unexpected(state string, m msg.Message) error {
	return wire.Fatalf(wire.AlertUnexpectedMessage, "unexpected %s message in state %s", m.Type(), state)
}
