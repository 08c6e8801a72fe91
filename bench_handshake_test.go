package gotls_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"testing"
)

// hsCase is one row of a handshake benchmark table: a TLS 1.2 row sets
// params.version, and a resumed row sets resume (the harness then primes
// a session before the timed loop).
type hsCase struct {
	name   string
	params benchParams
	resume bool
}

// benchParams returns the case's parameters with its resume setting.
func (tc hsCase) benchParams() benchParams {
	p := tc.params
	p.resume = tc.resume
	return p
}

// hsCasesTLS13 are the TLS 1.3 full handshakes the issue asks for.
var hsCasesTLS13 = []hsCase{
	{name: "ECDSA-P256-X25519", params: benchParams{key: keyECDSAP256, group: tls.X25519, version: tls.VersionTLS13}},
	{name: "RSA2048-X25519", params: benchParams{key: keyRSA2048, group: tls.X25519, version: tls.VersionTLS13}},
	{name: "ECDSA-P256-X25519MLKEM768", params: benchParams{key: keyECDSAP256, group: tls.X25519MLKEM768, version: tls.VersionTLS13}},
}

// hsCasesTLS12 are the TLS 1.2 full handshakes: ECDHE-ECDSA with a P-256
// certificate and X25519.
var hsCasesTLS12 = []hsCase{
	{name: "ECDSA-P256-X25519", params: benchParams{key: keyECDSAP256, group: tls.X25519, version: tls.VersionTLS12,
		suite: tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}},
}

// hsCasesResumed are the resumed handshakes: TLS 1.3 with a PSK and an
// X25519 exchange (psk_dhe_ke), TLS 1.2 with a session ticket. The
// session was made by a full handshake with a P-256 certificate.
var hsCasesResumed = []hsCase{
	{name: "TLS13-PSK-DHE-X25519", resume: true,
		params: benchParams{key: keyECDSAP256, group: tls.X25519, version: tls.VersionTLS13}},
	{name: "TLS12-Ticket-ECDSA-P256", resume: true,
		params: benchParams{key: keyECDSAP256, group: tls.X25519, version: tls.VersionTLS12,
			suite: tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}},
}

// BenchmarkHandshakeServerTLS13 measures the server side of full TLS 1.3
// handshakes: srv-ns/op, srv-hs/s, srv-allocs/op and srv-B/op count only
// the server's own work. The client is crypto/tls for both twins.
func BenchmarkHandshakeServerTLS13(b *testing.B) {
	runHandshakeTable(b, hsCasesTLS13, true)
}

// BenchmarkHandshakeClientTLS13 measures the client side of full TLS 1.3
// handshakes (certificate verification included) against a crypto/tls
// server: cli-ns/op, cli-hs/s, cli-allocs/op, cli-B/op.
func BenchmarkHandshakeClientTLS13(b *testing.B) {
	runHandshakeTable(b, hsCasesTLS13, false)
}

// BenchmarkHandshakeServerTLS12 measures the server side of full TLS 1.2
// ECDHE-ECDSA handshakes, as BenchmarkHandshakeServerTLS13 does for TLS
// 1.3.
func BenchmarkHandshakeServerTLS12(b *testing.B) {
	runHandshakeTable(b, hsCasesTLS12, true)
}

// BenchmarkHandshakeServerResumed measures the server side of resumed
// handshakes: the crypto/tls client's session cache is primed by one full
// handshake with the server under test before the timer starts, and each
// op is one resumed handshake.
func BenchmarkHandshakeServerResumed(b *testing.B) {
	runHandshakeTable(b, hsCasesResumed, true)
}

// BenchmarkHandshakeServerAlternatingTLS13 alternates gotls and crypto/tls
// server handshakes in one loop, so that both meet the same state of the
// machine, and reports their speed ratio (speed-ratio: gotls's server
// handshakes per CPU-second over crypto/tls's) besides each one's
// srv-ns/op. On a busy machine this ratio is steadier than the one between
// the twins of BenchmarkHandshakeServerTLS13, which run seconds apart.
func BenchmarkHandshakeServerAlternatingTLS13(b *testing.B) {
	runAlternating(b, hsCasesTLS13)
}

// BenchmarkHandshakeServerAlternatingTLS12 is
// BenchmarkHandshakeServerAlternatingTLS13 for the TLS 1.2 full
// handshakes.
func BenchmarkHandshakeServerAlternatingTLS12(b *testing.B) {
	runAlternating(b, hsCasesTLS12)
}

// BenchmarkHandshakeServerAlternatingResumed is
// BenchmarkHandshakeServerAlternatingTLS13 for the resumed handshakes;
// each server has its own primed client, since a ticket opens only on the
// server that issued it.
func BenchmarkHandshakeServerAlternatingResumed(b *testing.B) {
	runAlternating(b, hsCasesResumed)
}

// runAlternating runs every case with gotls and crypto/tls servers in
// turn, against crypto/tls clients.
func runAlternating(b *testing.B, cases []hsCase) {
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			p := tc.benchParams()
			ours, _ := gotlsConfigs(b, p)
			theirs, clientTheirs := cryptoTLSConfigs(b, p)
			clientOurs := clientTheirs
			if p.resume {
				_, clientOurs = cryptoTLSConfigs(b, p)
			}
			primeResumption(b, p, ours, clientOurs)
			primeResumption(b, p, theirs, clientTheirs)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			mOurs, mTheirs := newSideMeter(false), newSideMeter(false)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := meteredHandshake(ours, clientOurs, mOurs, true); err != nil {
					b.Fatal(err)
				}
				if err := meteredHandshake(theirs, clientTheirs, mTheirs, true); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if mOurs.busy > 0 {
				b.ReportMetric(float64(mTheirs.busy)/float64(mOurs.busy), "speed-ratio")
			}
			b.ReportMetric(float64(mOurs.busy.Nanoseconds())/float64(b.N), "gotls-srv-ns/op")
			b.ReportMetric(float64(mTheirs.busy.Nanoseconds())/float64(b.N), "cryptotls-srv-ns/op")
			assertResumed(b, p, ours, clientOurs)
			assertResumed(b, p, theirs, clientTheirs)
		})
	}
}

// primeResumption, for a resumed case, fills the client's session cache
// with one full handshake with server, then checks that the next
// handshake between them resumes (Fatal if not). It does nothing for a
// full-handshake case.
func primeResumption(b testing.TB, p benchParams, server, client func(net.Conn) tlsConn) {
	b.Helper()
	if !p.resume {
		return
	}
	sEnd, cEnd := memPipe(false, 0)
	s, c := server(sEnd), client(cEnd)
	done := make(chan error, 1)
	go func() {
		err := c.Handshake()
		if err == nil {
			// A TLS 1.3 client stores the ticket when it reads it, after
			// the handshake; the server's close ends the read.
			_, err = io.Copy(io.Discard, c)
		}
		done <- err
	}()
	err := s.Handshake()
	s.Close()
	if err = errors.Join(err, <-done); err != nil {
		b.Fatalf("priming handshake: %v", err)
	}
	assertResumed(b, p, server, client)
}

// assertResumed, for a resumed case, runs one handshake between server
// and client and fails the benchmark unless both sides report DidResume.
func assertResumed(b testing.TB, p benchParams, server, client func(net.Conn) tlsConn) {
	b.Helper()
	if !p.resume {
		return
	}
	sEnd, cEnd := memPipe(false, 0)
	defer sEnd.Close()
	s, c := server(sEnd), client(cEnd)
	done := make(chan error, 1)
	go func() { done <- c.Handshake() }()
	if err := errors.Join(s.Handshake(), <-done); err != nil {
		b.Fatalf("resumed handshake: %v", err)
	}
	if !connState(s).DidResume || !connState(c).DidResume {
		b.Fatalf("handshake did not resume (server %v, client %v)", connState(s).DidResume, connState(c).DidResume)
	}
}

// connState returns the connection state of either stack's connection.
func connState(c tlsConn) tls.ConnectionState {
	return c.(interface{ ConnectionState() tls.ConnectionState }).ConnectionState()
}

// runHandshakeTable runs every case on both stacks. The side under test
// uses the stack; the other side is always crypto/tls, so the twins meet
// the same peer.
func runHandshakeTable(b *testing.B, cases []hsCase, serverSide bool) {
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			p := tc.benchParams()
			_, peerClient := cryptoTLSConfigs(b, p)
			peerServer, _ := cryptoTLSConfigs(b, p)
			for _, st := range benchStacks {
				b.Run(st.name, func(b *testing.B) {
					server, client := st.configs(b, p)
					if p.resume {
						// A ticket opens only on the server that issued
						// it: each twin gets a client of its own.
						_, peerClient = cryptoTLSConfigs(b, p)
						peerServer, _ = cryptoTLSConfigs(b, p)
					}
					if serverSide {
						client = peerClient
					} else {
						server = peerServer
					}
					primeResumption(b, p, server, client)
					benchHandshakes(b, server, client, serverSide)
					assertResumed(b, p, server, client)
				})
			}
		})
	}
}

// allocRuns is how many extra handshakes count the metered side's
// allocations after the timed ones.
const allocRuns = 20

// benchHandshakes runs b.N handshakes over lockstep in-memory pipes and
// reports the metered side's CPU time besides the usual ns/op and
// allocs/op of the whole handshake (both sides), then counts the metered
// side's allocations in a few more handshakes.
func benchHandshakes(b *testing.B, server, client func(net.Conn) tlsConn, serverSide bool) {
	prefix := "cli"
	if serverSide {
		prefix = "srv"
	}
	// The meter reads the CPU time of this goroutine's thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	m := newSideMeter(false)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := meteredHandshake(server, client, m, serverSide); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	m.reportTime(b, prefix, b.N)
	counter := newSideMeter(true)
	for i := 0; i < allocRuns; i++ {
		if err := meteredHandshake(server, client, counter, serverSide); err != nil {
			b.Fatal(err)
		}
	}
	counter.reportAllocs(b, prefix, allocRuns)
}

// meteredHandshake runs one handshake. The metered side runs on the
// calling goroutine and starts only once its peer is blocked, so that no
// work of the peer falls inside the meter's windows.
func meteredHandshake(server, client func(net.Conn) tlsConn, m *sideMeter, serverSide bool) error {
	sEnd, cEnd := memPipe(true, 0)
	defer sEnd.Close()
	defer cEnd.Close()
	near, far := sEnd, cEnd
	mine, theirs := server, client
	if !serverSide {
		near, far = cEnd, sEnd
		mine, theirs = client, server
	}
	done := make(chan error, 1)
	go func() {
		c := theirs(far)
		err := c.Handshake()
		far.Flush()
		done <- err
	}()
	// The peer is blocked once it waits for what the metered side writes
	// (a server waits for the ClientHello; a client, having sent it, for
	// the server's flight). Without a meter there is nothing to keep apart.
	if m != nil {
		near.out.waitBlocked()
	}
	near.meter = m
	m.resume()
	err := mine(near).Handshake()
	m.pause()
	near.meter = nil
	near.Flush()
	if err != nil {
		near.Close()
	}
	perr := <-done
	if err != nil || perr != nil {
		return fmt.Errorf("handshake: %w", errors.Join(err, perr))
	}
	return nil
}

// BenchmarkHandshakeScalingTLS13 runs whole handshakes (both sides, the
// client being the same stack) on every available core with GOMAXPROCS 1
// and 2; the ratio of the two hs/s figures shows how serving handshakes
// scales with cores. That needs two idle cores; hs/cpu-s, handshakes per
// second of the process's CPU time, does not: if it holds at GOMAXPROCS 2,
// nothing serialises the handshakes and two cores give twice as many.
func BenchmarkHandshakeScalingTLS13(b *testing.B) {
	tc := hsCasesTLS13[0]
	for _, st := range benchStacks {
		b.Run(st.name, func(b *testing.B) {
			server, client := st.configs(b, tc.params)
			for _, procs := range []int{1, 2} {
				b.Run(fmt.Sprintf("procs=%d", procs), func(b *testing.B) {
					if procs > runtime.NumCPU() {
						b.Skipf("needs %d CPUs", procs)
					}
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
					b.ReportAllocs()
					cpu0, cpuOK := processCPUTime()
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := meteredHandshake(server, client, nil, true); err != nil {
								b.Error(err)
								return
							}
						}
					})
					b.StopTimer()
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hs/s")
					if cpu1, _ := processCPUTime(); cpuOK && cpu1 > cpu0 {
						b.ReportMetric(float64(b.N)/(cpu1-cpu0).Seconds(), "hs/cpu-s")
					}
				})
			}
		})
	}
}

// TestBenchTwinsAgree checks that the twins of each server handshake
// benchmark negotiate the same version, suite, group and signature, and
// resume or not alike, so that their figures are comparable.
func TestBenchTwinsAgree(t *testing.T) {
	for _, tc := range slices.Concat(hsCasesTLS13, hsCasesTLS12, hsCasesResumed) {
		p := tc.benchParams()
		var states []tls.ConnectionState
		for _, st := range benchStacks {
			server, _ := st.configs(t, p)
			_, client := cryptoTLSConfigs(t, p)
			primeResumption(t, p, server, client)
			sEnd, cEnd := memPipe(false, 0)
			s, c := server(sEnd), client(cEnd)
			done := make(chan error, 1)
			go func() { done <- c.Handshake() }()
			if err := errors.Join(s.Handshake(), <-done); err != nil {
				t.Fatalf("%s/%s: %v", tc.name, st.name, err)
			}
			states = append(states, connState(c))
			sEnd.Close()
		}
		a, z := states[0], states[1]
		if a.Version != z.Version || a.CipherSuite != z.CipherSuite || a.CurveID != z.CurveID || a.DidResume != z.DidResume {
			t.Errorf("%s: twins negotiated %x/%x/%v/resumed %v and %x/%x/%v/resumed %v", tc.name,
				a.Version, a.CipherSuite, a.CurveID, a.DidResume, z.Version, z.CipherSuite, z.CurveID, z.DidResume)
		}
		if a.CurveID != p.group || a.Version != p.version || a.DidResume != p.resume {
			t.Errorf("%s: negotiated version %x, group %v, resumed %v", tc.name, a.Version, a.CurveID, a.DidResume)
		}
		if p.suite != 0 && a.CipherSuite != p.suite {
			t.Errorf("%s: negotiated suite %s", tc.name, tls.CipherSuiteName(a.CipherSuite))
		}
	}
}
