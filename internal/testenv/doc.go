// Package testenv is test support for gotls: certificates generated at
// test time, and real TLS peers (openssl s_server/s_client, gnutls-serv,
// gnutls-cli) run as child processes on 127.0.0.1.
//
// Every server it starts is reachable on loopback only. openssl s_server
// is told to listen on 127.0.0.1. gnutls-serv cannot be told where to
// listen and binds 0.0.0.0 and [::], so it is started in a network
// namespace of its own, which has a loopback device and nothing else, and
// the test reaches it through a relay listening on 127.0.0.1 in the
// test's namespace. That needs Linux and root (CAP_SYS_ADMIN); elsewhere
// the GnuTLS server tests are skipped, or fail when CI is "true".
//
// It is the one package under internal/ that may import os, os/exec, net
// and syscall, start goroutines and read the clock; only _test.go files may import
// it. The layering test in the module root enforces both rules.
//
// A typical interop test is a handful of lines:
//
//	ca := testenv.NewCA(t, testenv.ECDSAP256)
//	leaf := ca.Issue(t, testenv.ECDSAP256, testenv.LeafOptions{})
//	p, addr := testenv.OpenSSLServer(t, testenv.ServerOpts{Leaf: leaf, Send: testenv.ServerPayload()})
//	conn := dial(t, addr, ca) // the TLS client under test
//	testenv.RunAsClient(t, conn, p)
//
// RunAsClient sends ClientPayload (1 MiB of printable lines) while it
// reads what the peer sends, compares both directions byte for byte, closes
// the connection and checks what the peer process printed. RunAsServer is
// the mirror image for a TLS server under test and a peer client process.
package testenv
