package testenv

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"gotls/internal/wire"
)

// OpenSSLServer starts "openssl s_server" on 127.0.0.1 and returns it with
// the address it listens on, once it listens.
//
// The server runs with -quiet, so its standard output holds exactly the
// application data it received and no commands are read from its standard
// input; it sends opts.Send (fed to its standard input, which stays open:
// end-of-file would make it drop the connection). It serves one connection
// (-naccept 1) and exits when the client closes it. Note that s_server,
// once it has sent its first 16 KiB, blocks reading until the client
// sends something, so a client must send data whenever opts.Send is set.
func OpenSSLServer(t testing.TB, opts ServerOpts) (*Proc, string) {
	t.Helper()
	if opts.Leaf == nil {
		t.Fatalf("testenv: OpenSSLServer needs ServerOpts.Leaf")
	}
	naccept := 1
	if !canSeeListeners() {
		naccept = 2 // the connect probe of waitBound takes one
	}
	args := opensslServerArgs(t, opts, naccept)
	return startServer(t, serverSpec{
		name: "openssl",
		args: func(port int) []string {
			return append([]string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port)}, args...)
		},
		wait: waitOpenSSLServer,
		started: func(p *Proc) {
			p.peer = peerRole{sends: opts.Send, prints: true}
			if len(opts.Send) > 0 {
				p.Feed(opts.Send)
			}
		},
	})
}

// waitOpenSSLServer waits until s_server listens. s_server prints nothing
// with -quiet, so the socket table is checked; a server that exits because
// its port was taken is reported as errPortTaken.
func waitOpenSSLServer(p *Proc, port int) error {
	err := waitBound(p, port, StartTimeout)
	if errors.Is(err, errExited) && strings.Contains(p.Stderr(), "in use") {
		return errPortTaken
	}
	return err
}

// opensslServerArgs builds the s_server flags after -accept.
func opensslServerArgs(t testing.TB, opts ServerOpts, naccept int) []string {
	args := []string{
		"-naccept", strconv.Itoa(naccept),
		"-quiet",
		"-cert", opts.Leaf.CertFile,
		"-key", opts.Leaf.KeyFile,
	}
	if opts.Leaf.IntermediatesFile != "" {
		args = append(args, "-cert_chain", opts.Leaf.IntermediatesFile)
	}
	if opts.ClientCA != nil {
		args = append(args, "-CAfile", opts.ClientCA.File, "-Verify", "1", "-verify_return_error")
	}
	args = append(args, opensslCommonArgs(t, opts.Version, opts.Groups, opts.CipherSuites)...)
	return append(args, opts.Args...)
}

// OpenSSLClient starts "openssl s_client" connecting to addr. It verifies
// the server certificate against opts.CA and the name opts.ServerName, and
// fails the handshake if either check fails.
//
// The client runs with -quiet, which also means -ign_eof: its standard
// output holds exactly the application data it received, it sends
// opts.Send, and it exits when the server closes the connection.
func OpenSSLClient(t testing.TB, addr string, opts ClientOpts) *Proc {
	t.Helper()
	if opts.CA == nil {
		t.Fatalf("testenv: OpenSSLClient needs ClientOpts.CA")
	}
	args := []string{"s_client", "-connect", addr, "-quiet", "-CAfile", opts.CA.File, "-verify_return_error"}
	name := opts.serverName()
	if net.ParseIP(name) != nil {
		args = append(args, "-noservername", "-verify_ip", name)
	} else {
		args = append(args, "-servername", name, "-verify_hostname", name)
	}
	if opts.Leaf != nil {
		args = append(args, "-cert", opts.Leaf.CertFile, "-key", opts.Leaf.KeyFile)
		if opts.Leaf.IntermediatesFile != "" {
			args = append(args, "-cert_chain", opts.Leaf.IntermediatesFile)
		}
	}
	args = append(args, opensslCommonArgs(t, opts.Version, opts.Groups, opts.CipherSuites)...)
	p := Start(t, "openssl", append(args, opts.Args...)...)
	p.peer = peerRole{sends: opts.Send, prints: true}
	if len(opts.Send) > 0 {
		p.Feed(opts.Send)
	}
	return p
}

// opensslCommonArgs renders the version, group and suite choices shared by
// s_server and s_client.
func opensslCommonArgs(t testing.TB, v wire.Version, groups []wire.Group, suites []wire.CipherSuite) []string {
	var args []string
	switch v {
	case 0:
	case wire.VersionTLS13:
		args = append(args, "-tls1_3")
	case wire.VersionTLS12:
		args = append(args, "-tls1_2")
	default:
		t.Fatalf("testenv: no openssl flag for version %v", v)
	}
	if len(groups) > 0 {
		names := make([]string, len(groups))
		for i, g := range groups {
			names[i] = opensslGroupName(t, g)
		}
		args = append(args, "-groups", strings.Join(names, ":"))
	}
	tls13, tls12 := splitSuites(suites)
	if len(tls13) > 0 {
		args = append(args, "-ciphersuites", joinSuites(tls13))
	}
	if len(tls12) > 0 {
		args = append(args, "-cipher", joinSuites(tls12))
	}
	return args
}

// opensslGroupName returns the name OpenSSL's -groups flag uses for g.
func opensslGroupName(t testing.TB, g wire.Group) string {
	switch g {
	case wire.GroupSecp256r1:
		return "P-256"
	case wire.GroupSecp384r1:
		return "P-384"
	case wire.GroupSecp521r1:
		return "P-521"
	case wire.GroupX25519:
		return "X25519"
	case wire.GroupX448:
		return "X448"
	case wire.GroupFFDHE2048:
		return "ffdhe2048"
	case wire.GroupX25519MLKEM768, wire.GroupSecP256r1MLKEM768, wire.GroupSecP384r1MLKEM1024:
		return g.String() // OpenSSL 3.5 and later only
	}
	t.Fatalf("testenv: no openssl name for group %v", g)
	return ""
}

// joinSuites renders suites as an OpenSSL colon-separated list.
func joinSuites(suites []wire.CipherSuite) string {
	names := make([]string, len(suites))
	for i, s := range suites {
		names[i] = s.OpenSSLName()
	}
	return strings.Join(names, ":")
}
