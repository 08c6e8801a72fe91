package handshake

import (
	"crypto/rand"
	"errors"
	"io"
	"net/netip"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sys/cpu"

	"gotls/internal/kex"
	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/wire"
)

// sessionIDLen is the length of the random legacy_session_id a client sends
// for middlebox compatibility (RFC 8446, Appendix D.4).
const sessionIDLen = 32

// clientOffer is what a client put into its ClientHello: the message as
// sent and the private halves of the key shares it carries.
type clientOffer struct {
	hello  *msg.ClientHello
	shares []kex.KeyShare
	// offered lists the extensions the ClientHello carries, which are the
	// only ones a server may answer (RFC 8446, Section 4.2).
	offered []wire.ExtensionType
	// psk is the TLS 1.3 session offered, or nil; session12 the TLS 1.2
	// one.
	psk       *clientPSK13
	session12 *SessionState
	// earlySuite is the suite of the 0-RTT data announced; earlySent is
	// set once it is sent. sentCCS records the compatibility
	// change_cipher_spec sent before the 0-RTT data.
	earlySuite *record.Suite
	earlySent  bool
	sentCCS    bool
}

// share returns the key share offered for group g, or nil.
func (o *clientOffer) share(g wire.Group) kex.KeyShare {
	for _, s := range o.shares {
		if s.Group() == g {
			return s
		}
	}
	return nil
}

// didOffer reports whether the ClientHello carried extension t.
func (o *clientOffer) didOffer(t wire.ExtensionType) bool {
	return slices.Contains(o.offered, t)
}

// startClient checks the configuration, sends the first ClientHello and
// returns the state that waits for the server's answer.
func startClient(c *Conn) (State, error) {
	if c.cfg.ServerName == "" && !c.cfg.InsecureSkipVerify {
		return nil, errors.New("tls: either ServerName or InsecureSkipVerify must be specified")
	}
	offer, err := newClientHello(c)
	if err != nil {
		return nil, err
	}
	t := keysched.NewTranscript()
	if err := sendClientHello(c, t, offer); err != nil {
		return nil, err
	}
	c.clientRandom = offer.hello.Random
	c.result.ServerName = offer.hello.ServerName
	traceClientHello(c, offer)
	return &clientExpectServerHello{offer: offer, transcript: t}, nil
}

// newClientHello builds the first ClientHello from the configuration.
// Every field of the ClientHello is decided here, so that resumption can
// later add its pre_shared_key offer in one place (see sendClientHello).
// The TLS 1.3 fields are set when TLS 1.3 is offered, the TLS 1.2 ones
// (see addTLS12Offer) when TLS 1.2 is.
func newClientHello(c *Conn) (*clientOffer, error) {
	versions, err := clientOfferVersions(c.cfg)
	if err != nil {
		return nil, err
	}
	offer13 := versions[0] == wire.VersionTLS13
	groups, err := clientGroups(c.cfg, offer13)
	if err != nil {
		return nil, err
	}
	random, err := readRandom(c.cfg, 32)
	if err != nil {
		return nil, err
	}
	ch := &msg.ClientHello{
		Version:             wire.VersionTLS12,
		Random:              random,
		CompressionMethods:  []uint8{0},
		ServerName:          clientServerName(c.cfg.ServerName),
		SupportedGroups:     groups,
		SignatureAlgorithms: c.cfg.signatureSchemes(versions[len(versions)-1], versions[0]),
		ALPNProtocols:       slices.Clone(c.cfg.NextProtos),
		OCSPStapling:        true,
		SCTs:                true,
	}
	offer := &clientOffer{hello: ch}
	if offer13 {
		if err := addTLS13Offer(c, offer, versions); err != nil {
			return nil, err
		}
	}
	if versions[len(versions)-1] == wire.VersionTLS12 {
		addTLS12Offer(c.cfg, ch)
	}
	if len(ch.CipherSuites) == 0 {
		return nil, errors.New("tls: no supported cipher suites for the configured versions")
	}
	if st := loadClientSession(c, versions); st != nil {
		switch st.Version {
		case wire.VersionTLS13:
			offerSession13(c, offer, st)
		case wire.VersionTLS12:
			if err := offerSession12(c, offer, st); err != nil {
				return nil, err
			}
		}
	}
	return offer, nil
}

// addTLS13Offer adds what only TLS 1.3 uses: the TLS 1.3 cipher suites,
// supported_versions, key shares, psk_key_exchange_modes and a random
// legacy_session_id for middlebox compatibility.
func addTLS13Offer(c *Conn, o *clientOffer, versions []wire.Version) error {
	sessionID, err := readRandom(c.cfg, sessionIDLen)
	if err != nil {
		return err
	}
	shares, err := generateShares(c.cfg, initialShareGroups(o.hello.SupportedGroups))
	if err != nil {
		return err
	}
	ch := o.hello
	ch.SessionID = sessionID
	ch.CipherSuites = append(ch.CipherSuites, clientSuites13(c.cfg)...)
	ch.SupportedVersions = versions
	ch.KeyShares = publicShares(shares)
	ch.PSKModes = slices.Clone(c.cfg.pskModes())
	o.shares = shares
	return nil
}

// sendClientHello encodes the offer's ClientHello, adds it to the
// transcript and queues it.
func sendClientHello(c *Conn, t *keysched.Transcript, o *clientOffer) error {
	if _, err := o.hello.Marshal(); err != nil {
		return wire.Fatal(wire.AlertInternalError, "cannot encode client_hello", err)
	}
	if o.psk != nil {
		// RFC 8446, Section 4.2.11.2: the binders cover the ClientHello up
		// to the binders list, and are written before it enters the transcript.
		if err := writeBinders(o, t); err != nil {
			return err
		}
	}
	raw := o.hello.Raw
	o.offered = slices.Clone(o.hello.Extensions)
	t.Write(raw)
	c.link.WriteHandshake(raw)
	if o.hello.EarlyData {
		return startEarlyData(c, o, raw)
	}
	return nil
}

// retryClientHello builds the second ClientHello after a
// HelloRetryRequest (RFC 8446, Section 4.1.2): the same message with the
// cookie echoed and, when the server named a group, a single new key share
// for that group.
func retryClientHello(c *Conn, prev *clientOffer, hrr *msg.ServerHello) (*clientOffer, error) {
	ch := *prev.hello
	ch.Raw = nil
	ch.Extensions = nil
	ch.Cookie = slices.Clone(hrr.Cookie)
	shares := prev.shares
	if hrr.SelectedGroup != 0 {
		var err error
		shares, err = generateShares(c.cfg, []wire.Group{hrr.SelectedGroup})
		if err != nil {
			return nil, err
		}
	}
	ch.KeyShares = publicShares(shares)
	// RFC 8446, Section 4.1.2: early_data MUST be removed from the second ClientHello.
	ch.EarlyData = false
	offer := &clientOffer{hello: &ch, shares: shares, psk: prev.psk}
	retryPSK13(c, offer, record.Suite13(hrr.CipherSuite))
	return offer, nil
}

// clientOfferVersions lists the versions the client offers, highest
// first: TLS 1.3 and TLS 1.2 as MinVersion and MaxVersion allow.
func clientOfferVersions(cfg *Config) ([]wire.Version, error) {
	lo, hi := cfg.MinVersion, cfg.MaxVersion
	if hi == 0 {
		hi = wire.VersionTLS13
	}
	if lo == 0 {
		lo = wire.VersionTLS12
	}
	var vs []wire.Version
	for _, v := range []wire.Version{wire.VersionTLS13, wire.VersionTLS12} {
		if v >= lo && v <= hi {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return nil, errors.New("tls: no supported versions satisfy MinVersion and MaxVersion")
	}
	return vs, nil
}

// clientServerName returns the host name to send in server_name: none for
// an IP literal (RFC 6066, Section 3), without a trailing dot otherwise.
func clientServerName(name string) string {
	host := strings.TrimSuffix(strings.TrimPrefix(name, "["), "]")
	if _, err := netip.ParseAddr(host); err == nil {
		return ""
	}
	return strings.TrimSuffix(name, ".")
}

// clientSuites13 lists the TLS 1.3 cipher suites to offer: those of
// cfg.CipherSuites that gotls implements, or the defaults with ChaCha20
// first on CPUs without AES-GCM instructions.
func clientSuites13(cfg *Config) []wire.CipherSuite {
	var suites []wire.CipherSuite
	for _, s := range cfg.CipherSuites {
		if s.IsTLS13() && record.Suite13(s) != nil && !slices.Contains(suites, s) {
			suites = append(suites, s)
		}
	}
	if len(suites) > 0 {
		return suites
	}
	if hasAESGCMHardware() {
		return []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_AES_256_GCM_SHA384, wire.TLS_CHACHA20_POLY1305_SHA256}
	}
	return []wire.CipherSuite{wire.TLS_CHACHA20_POLY1305_SHA256, wire.TLS_AES_128_GCM_SHA256, wire.TLS_AES_256_GCM_SHA384}
}

// hasAESGCMHardware reports whether this CPU has instructions that make
// AES-GCM fast and constant-time.
func hasAESGCMHardware() bool {
	switch runtime.GOARCH {
	case "amd64", "386":
		return cpu.X86.HasAES && cpu.X86.HasPCLMULQDQ
	case "arm64":
		return cpu.ARM64.HasAES && cpu.ARM64.HasPMULL
	case "s390x":
		return cpu.S390X.HasAES && cpu.S390X.HasAESCBC && cpu.S390X.HasAESCTR &&
			(cpu.S390X.HasGHASH || cpu.S390X.HasAESGCM)
	case "ppc64", "ppc64le":
		return true
	}
	return false
}

// clientGroups lists the groups to offer in supported_groups, most
// preferred first. Without TLS 1.3 in the offer, the groups that exist
// only in TLS 1.3 are left out.
func clientGroups(cfg *Config, offer13 bool) ([]wire.Group, error) {
	var groups []wire.Group
	if len(cfg.CurvePreferences) == 0 {
		groups = kex.DefaultGroups()
	}
	for _, g := range cfg.CurvePreferences {
		if kex.Supported(g) && !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	if !offer13 {
		groups = slices.DeleteFunc(groups, func(g wire.Group) bool { return !ecdheGroup12(g) })
	}
	if len(groups) == 0 {
		return nil, errors.New("tls: no supported groups in CurvePreferences")
	}
	return groups, nil
}

// initialShareGroups picks the groups to send key shares for in the first
// ClientHello: the most preferred one, plus X25519 next to the hybrid
// X25519MLKEM768 so that servers without post-quantum support need no
// HelloRetryRequest.
func initialShareGroups(groups []wire.Group) []wire.Group {
	first := groups[0]
	if first == wire.GroupX25519MLKEM768 && slices.Contains(groups, wire.GroupX25519) {
		return []wire.Group{first, wire.GroupX25519}
	}
	return []wire.Group{first}
}

// generateShares creates one key share per group.
func generateShares(cfg *Config, groups []wire.Group) ([]kex.KeyShare, error) {
	shares := make([]kex.KeyShare, 0, len(groups))
	for _, g := range groups {
		s, err := kex.Generate(g, randReader(cfg))
		if err != nil {
			return nil, wire.Fatal(wire.AlertInternalError, "cannot generate a key share for "+g.String(), err)
		}
		shares = append(shares, s)
	}
	return shares, nil
}

// publicShares returns the key_share entries to send for shares.
func publicShares(shares []kex.KeyShare) []msg.KeyShare {
	out := make([]msg.KeyShare, len(shares))
	for i, s := range shares {
		out[i] = msg.KeyShare{Group: s.Group(), Data: s.Public()}
	}
	return out
}

// randReader returns the configured source of randomness, or the
// operating system's when none is configured.
func randReader(cfg *Config) io.Reader {
	if cfg.Rand != nil {
		return cfg.Rand
	}
	return rand.Reader
}

// readRandom returns n random bytes.
func readRandom(cfg *Config, n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(randReader(cfg), b); err != nil {
		return nil, wire.Fatal(wire.AlertInternalError, "cannot read random bytes", err)
	}
	return b, nil
}
