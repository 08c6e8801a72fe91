package testenv

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gotls/internal/wire"
)

// GnuTLSServer starts "gnutls-serv --echo" and returns it with an address
// on 127.0.0.1 to reach it, once it accepts connections. The server sends
// back whatever it receives, serves any number of connections and runs
// until the test ends.
//
// gnutls-serv has no listen-address option: it binds 0.0.0.0 and [::].
// So that it is reachable on loopback only, it is started in a network
// namespace of its own (Linux, root), whose only device is a loopback
// device, and listens there on port 4433; nothing outside the namespace
// can reach that. The returned address belongs to a bridge in the test's
// own namespace that relays each TCP connection to the server, so callers
// dial it as they would dial the server itself. Where network namespaces
// are unavailable the test is skipped, or fails when CI is "true".
func GnuTLSServer(t testing.TB, opts ServerOpts) (*Proc, string) {
	t.Helper()
	if opts.Leaf == nil {
		t.Fatalf("testenv: GnuTLSServer needs ServerOpts.Leaf")
	}
	if len(opts.Send) > 0 {
		t.Fatalf("testenv: gnutls-serv echoes what it receives; ServerOpts.Send must be empty")
	}
	args := []string{"--port", strconv.Itoa(confinedPort), "--echo", "--quiet",
		"--x509certfile", opts.Leaf.ChainFile, "--x509keyfile", opts.Leaf.KeyFile}
	if opts.ClientCA != nil {
		args = append(args, "--x509cafile", opts.ClientCA.File, "--require-client-cert", "--verify-client-cert")
	} else {
		args = append(args, "--disable-client-cert")
	}
	if prio := gnutlsPriority(t, opts.Version, opts.Groups, opts.CipherSuites); prio != "" {
		args = append(args, "--priority", prio)
	}
	p, addr := startConfinedServer(t, "gnutls-serv", append(args, opts.Args...))
	p.peer = peerRole{echoes: true}
	return p, addr
}

// GnuTLSClient starts "gnutls-cli" connecting to addr. It verifies the
// server certificate against opts.CA and the name opts.ServerName and
// fails the handshake if either check fails. Its standard output holds
// exactly the application data it received (informational messages go to
// standard error), it sends opts.Send, and it exits when the server closes
// the connection. It writes what it receives one byte per system call, so
// a megabyte takes it a second or more.
func GnuTLSClient(t testing.TB, addr string, opts ClientOpts) *Proc {
	t.Helper()
	if opts.CA == nil {
		t.Fatalf("testenv: GnuTLSClient needs ClientOpts.CA")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("testenv: GnuTLSClient address %q: %v", addr, err)
	}
	name := opts.serverName()
	args := []string{host, "--port", port, "--x509cafile", opts.CA.File, "--verify-hostname", name, "--logfile", "/dev/stderr"}
	if net.ParseIP(name) != nil {
		args = append(args, "--disable-sni")
	} else {
		args = append(args, "--sni-hostname", name)
	}
	if opts.Leaf != nil {
		args = append(args, "--x509certfile", opts.Leaf.ChainFile, "--x509keyfile", opts.Leaf.KeyFile)
	}
	if prio := gnutlsPriority(t, opts.Version, opts.Groups, opts.CipherSuites); prio != "" {
		args = append(args, "--priority", prio)
	}
	p := Start(t, "gnutls-cli", append(args, opts.Args...)...)
	p.peer = peerRole{sends: opts.Send, prints: true}
	if len(opts.Send) > 0 {
		p.Feed(opts.Send)
	}
	return p
}

// gnutlsPriority builds a GnuTLS priority string that restricts NORMAL to
// the given version, groups and suites; "" when nothing is restricted.
// GnuTLS configures suites by parts, so for several TLS 1.2 suites it
// allows every combination of their key exchanges, ciphers and MACs.
func gnutlsPriority(t testing.TB, v wire.Version, groups []wire.Group, suites []wire.CipherSuite) string {
	var parts []string
	switch v {
	case 0:
	case wire.VersionTLS13:
		parts = append(parts, "-VERS-ALL", "+VERS-TLS1.3")
	case wire.VersionTLS12:
		parts = append(parts, "-VERS-ALL", "+VERS-TLS1.2")
	default:
		t.Fatalf("testenv: no gnutls priority for version %v", v)
	}
	if len(groups) > 0 {
		parts = append(parts, "-GROUP-ALL")
		for _, g := range groups {
			parts = append(parts, "+GROUP-"+gnutlsGroupName(t, g))
		}
	}
	if len(suites) > 0 {
		parts = append(parts, gnutlsSuiteParts(t, suites)...)
	}
	if len(parts) == 0 {
		return ""
	}
	return "NORMAL:" + strings.Join(parts, ":")
}

// gnutlsGroupName returns the GnuTLS name of g, without "GROUP-".
func gnutlsGroupName(t testing.TB, g wire.Group) string {
	switch g {
	case wire.GroupSecp256r1:
		return "SECP256R1"
	case wire.GroupSecp384r1:
		return "SECP384R1"
	case wire.GroupSecp521r1:
		return "SECP521R1"
	case wire.GroupX25519:
		return "X25519"
	case wire.GroupX448:
		return "X448"
	case wire.GroupFFDHE2048:
		return "FFDHE2048"
	case wire.GroupX25519MLKEM768:
		return "X25519-MLKEM768" // GnuTLS 3.8.9 and later only
	}
	t.Fatalf("testenv: no gnutls name for group %v", g)
	return ""
}

// gnutlsSuite is a cipher suite split into GnuTLS priority parts; kx is
// empty for TLS 1.3 suites.
type gnutlsSuite struct{ kx, cipher, mac string }

// gnutlsSuites maps the suites gotls knows to GnuTLS priority parts.
var gnutlsSuites = map[wire.CipherSuite]gnutlsSuite{
	wire.TLS_AES_128_GCM_SHA256:                        {"", "AES-128-GCM", "AEAD"},
	wire.TLS_AES_256_GCM_SHA384:                        {"", "AES-256-GCM", "AEAD"},
	wire.TLS_CHACHA20_POLY1305_SHA256:                  {"", "CHACHA20-POLY1305", "AEAD"},
	wire.TLS_RSA_WITH_AES_128_CBC_SHA:                  {"RSA", "AES-128-CBC", "SHA1"},
	wire.TLS_RSA_WITH_AES_256_CBC_SHA:                  {"RSA", "AES-256-CBC", "SHA1"},
	wire.TLS_RSA_WITH_AES_128_GCM_SHA256:               {"RSA", "AES-128-GCM", "AEAD"},
	wire.TLS_RSA_WITH_AES_256_GCM_SHA384:               {"RSA", "AES-256-GCM", "AEAD"},
	wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA:          {"ECDHE-ECDSA", "AES-128-CBC", "SHA1"},
	wire.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA:          {"ECDHE-ECDSA", "AES-256-CBC", "SHA1"},
	wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:            {"ECDHE-RSA", "AES-128-CBC", "SHA1"},
	wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA:            {"ECDHE-RSA", "AES-256-CBC", "SHA1"},
	wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:       {"ECDHE-ECDSA", "AES-128-GCM", "AEAD"},
	wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:       {"ECDHE-ECDSA", "AES-256-GCM", "AEAD"},
	wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:         {"ECDHE-RSA", "AES-128-GCM", "AEAD"},
	wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:         {"ECDHE-RSA", "AES-256-GCM", "AEAD"},
	wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:   {"ECDHE-RSA", "CHACHA20-POLY1305", "AEAD"},
	wire.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: {"ECDHE-ECDSA", "CHACHA20-POLY1305", "AEAD"},
}

// gnutlsSuiteParts renders suites as "-CIPHER-ALL:+..." priority parts.
// Key exchanges are restricted only when a TLS 1.2 suite is listed.
func gnutlsSuiteParts(t testing.TB, suites []wire.CipherSuite) []string {
	var kxs, ciphers, macs []string
	for _, s := range suites {
		g, ok := gnutlsSuites[s]
		if !ok {
			t.Fatalf("testenv: no gnutls priority for suite %v", s)
		}
		kxs = appendNew(kxs, g.kx)
		ciphers = appendNew(ciphers, g.cipher)
		macs = appendNew(macs, g.mac)
	}
	parts := []string{"-CIPHER-ALL"}
	for _, c := range ciphers {
		parts = append(parts, "+"+c)
	}
	parts = append(parts, "-MAC-ALL")
	for _, m := range macs {
		parts = append(parts, "+"+m)
	}
	if len(kxs) > 0 {
		parts = append(parts, "-KX-ALL")
		for _, k := range kxs {
			parts = append(parts, "+"+k)
		}
	}
	return parts
}

// appendNew appends s to list unless s is empty or already present.
func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
