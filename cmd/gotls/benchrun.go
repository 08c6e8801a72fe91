package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"gotls"
	"gotls/cmd/gotls/internal/stdpeer"
)

// benchKind is a workload.
type benchKind int

const (
	// kindHandshake is full handshakes: dial, handshake, close.
	kindHandshake benchKind = iota
	// kindThroughput is application data over open connections.
	kindThroughput
)

// benchEchoGrace is how long after a round ends a connection may still
// wait for its peer, before the round fails.
const benchEchoGrace = 10 * time.Second

// maxBenchWarmup bounds the unrecorded round each stack and workload runs
// first, to fill caches and size the heap.
const maxBenchWarmup = time.Second

// roundResult is one stack's result for one workload in one round.
type roundResult struct {
	// rate is handshakes per second or MB (10^6 bytes) per second.
	rate float64
	// perCPU is handshakes or MB per second of CPU time of the process,
	// which other load on the machine disturbs less than rate; zero when
	// the CPU time cannot be read.
	perCPU float64
	// allocs and allocBytes are heap allocations per handshake, of the
	// whole process; handshakes only.
	allocs, allocBytes float64
	state              negotiated
}

// negotiated is what a stack's connections agreed on.
type negotiated struct {
	Version     string `json:"version"`
	CipherSuite string `json:"cipher_suite"`
	Group       string `json:"group"`
}

// negotiatedOf reads the parameters of a connection state.
func negotiatedOf(cs gotls.ConnectionState) negotiated {
	return negotiated{
		Version:     gotls.VersionName(cs.Version),
		CipherSuite: gotls.CipherSuiteName(cs.CipherSuite),
		Group:       groupLabel(uint16(cs.CurveID)),
	}
}

// String returns the parameters on one line.
func (n negotiated) String() string {
	return n.Version + ", " + n.CipherSuite + ", group " + n.Group
}

// benchResults holds the round results by stack and workload.
type benchResults map[string]map[benchKind][]roundResult

func (r benchResults) add(stack string, k benchKind, rr roundResult) {
	if r[stack] == nil {
		r[stack] = map[benchKind][]roundResult{}
	}
	r[stack][k] = append(r[stack][k], rr)
}

// kinds returns the workloads -mode selects.
func (p *benchPlan) kinds() []benchKind {
	var ks []benchKind
	hs, tp := p.o.measures()
	if hs {
		ks = append(ks, kindHandshake)
	}
	if tp {
		ks = append(ks, kindThroughput)
	}
	return ks
}

// run warms each stack up, then runs the rounds. Within a round the
// stacks take turns at each workload, and every other round they go in
// the opposite order, so that a drift of the machine's speed during the
// run weighs on both alike.
func (p *benchPlan) run(ctx context.Context, prog *benchProgress) (*benchReport, error) {
	res := benchResults{}
	warm := min(p.o.duration/4, maxBenchWarmup)
	for _, k := range p.kinds() {
		for _, st := range p.stacks {
			if _, err := p.round(ctx, prog, k, st, warm, "warm-up"); err != nil {
				return nil, err
			}
		}
	}
	for r := range p.o.rounds {
		order := slices.Clone(p.stacks)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		what := fmt.Sprintf("round %d/%d", r+1, p.o.rounds)
		for _, k := range p.kinds() {
			for _, st := range order {
				rr, err := p.round(ctx, prog, k, st, p.o.duration, what)
				if err != nil {
					return nil, err
				}
				res.add(st.name, k, rr)
			}
		}
	}
	return p.report(res), nil
}

// round runs one workload of one stack for d.
func (p *benchPlan) round(ctx context.Context, prog *benchProgress, k benchKind, st *benchStack, d time.Duration, what string) (roundResult, error) {
	var rr roundResult
	var err error
	if k == kindHandshake {
		rr, err = p.handshakeRound(ctx, prog, st, d, what)
	} else {
		rr, err = p.throughputRound(ctx, prog, st, d, what)
	}
	if err != nil && st.srv != nil {
		if _, serr := st.srv.failure(); serr != nil {
			err = fmt.Errorf("%w (the %s server: %v)", err, st.name, serr)
		}
	}
	return rr, err
}

// handshakeRound makes full handshakes on -conns connections at a time
// for d, then waits for the in-process server to finish.
func (p *benchPlan) handshakeRound(ctx context.Context, prog *benchProgress, st *benchStack, d time.Duration, what string) (roundResult, error) {
	var count atomic.Int64
	var state negotiated
	m := startMeter(true)
	prog.begin(benchStep{what: what, stack: st.name, unit: "handshakes/s", scale: 1, count: count.Load, start: m.start})
	deadline := m.start.Add(d)
	err := parallel(ctx, p.o.conns, func(ctx context.Context, worker int) error {
		// Each worker completes at least one handshake.
		for n := 0; n == 0 || time.Now().Before(deadline); n++ {
			c, err := p.connect(ctx, st)
			if err != nil {
				return err
			}
			if worker == 0 && n == 0 {
				state = negotiatedOf(c.ConnectionState())
			}
			c.Close()
			count.Add(1)
		}
		return nil
	})
	if err == nil && st.srv != nil {
		err = st.srv.drain(ctx)
	}
	n := float64(count.Load())
	rr := m.stop(n)
	prog.end(rr.rate, err)
	if err != nil {
		return roundResult{}, err
	}
	rr.state = state
	return rr, nil
}

// throughputRound opens -conns connections, then sends data on all of
// them for d: to the in-process server, which reads and discards it, or
// to the -connect server, which must echo it.
func (p *benchPlan) throughputRound(ctx context.Context, prog *benchProgress, st *benchStack, d time.Duration, what string) (roundResult, error) {
	conns, err := p.openConns(ctx, st)
	if err != nil {
		return roundResult{}, err
	}
	defer closeConns(conns)
	stop := context.AfterFunc(ctx, func() { closeConns(conns) })
	defer stop()
	state := negotiatedOf(conns[0].ConnectionState())
	var echoed atomic.Int64
	count := echoed.Load
	if st.srv != nil {
		base := st.srv.received.Load()
		count = func() int64 { return st.srv.received.Load() - base }
	}
	m := startMeter(false)
	prog.begin(benchStep{what: what, stack: st.name, unit: "MB/s", scale: 1e-6, count: count, start: m.start})
	deadline := m.start.Add(d)
	err = parallel(ctx, len(conns), func(ctx context.Context, i int) error {
		conns[i].SetDeadline(deadline.Add(benchEchoGrace))
		if st.srv != nil {
			return p.stream(ctx, conns[i], deadline)
		}
		return p.echo(ctx, conns[i], deadline, &echoed)
	})
	if err == nil && st.srv != nil {
		err = st.srv.drain(ctx)
	}
	rr := m.stop(float64(count()) / 1e6)
	prog.end(rr.rate, err)
	if err != nil {
		return roundResult{}, err
	}
	rr.state = state
	return rr, nil
}

// roundMeter measures a round's wall time, the CPU time of the process
// and, for handshakes, its heap allocations.
type roundMeter struct {
	start   time.Time
	cpu     time.Duration
	cpuOK   bool
	withMem bool
	mem     runtime.MemStats
}

// startMeter starts measuring; withMem reads the allocation counters,
// which stops the world briefly.
func startMeter(withMem bool) *roundMeter {
	m := &roundMeter{withMem: withMem}
	if withMem {
		runtime.ReadMemStats(&m.mem)
	}
	m.cpu, m.cpuOK = processCPU()
	m.start = time.Now()
	return m
}

// stop ends the measurement of a round that did n units of work:
// handshakes, or MB of data.
func (m *roundMeter) stop(n float64) roundResult {
	elapsed := time.Since(m.start)
	cpu, cpuOK := processCPU()
	rr := roundResult{rate: n / elapsed.Seconds()}
	if m.cpuOK && cpuOK && cpu > m.cpu {
		rr.perCPU = n / (cpu - m.cpu).Seconds()
	}
	if m.withMem && n > 0 {
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		rr.allocs = float64(after.Mallocs-m.mem.Mallocs) / n
		rr.allocBytes = float64(after.TotalAlloc-m.mem.TotalAlloc) / n
	}
	return rr
}

// connect dials the stack's server and completes a handshake.
func (p *benchPlan) connect(ctx context.Context, st *benchStack) (stdpeer.Conn, error) {
	addr := p.addr(st)
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := st.client(raw)
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	if err := c.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, fmt.Errorf("%s client: handshake with %s: %w", st.name, addr, err)
	}
	return c, nil
}

// openConns opens -conns connections in parallel.
func (p *benchPlan) openConns(ctx context.Context, st *benchStack) ([]stdpeer.Conn, error) {
	conns := make([]stdpeer.Conn, p.o.conns)
	err := parallel(ctx, len(conns), func(ctx context.Context, i int) error {
		var err error
		conns[i], err = p.connect(ctx, st)
		return err
	})
	if err != nil {
		closeConns(conns)
		return nil, err
	}
	return conns, nil
}

// closeConns closes each connection that is not nil.
func closeConns(conns []stdpeer.Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

// benchPayload returns size bytes of a recognisable pattern.
func benchPayload(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

// stream writes until the deadline, at least once, then closes with
// close_notify.
func (p *benchPlan) stream(ctx context.Context, c stdpeer.Conn, deadline time.Time) error {
	buf := benchPayload(p.o.size)
	for n := 0; n == 0 || time.Now().Before(deadline); n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := c.Write(buf); err != nil {
			return fmt.Errorf("writing: %w", err)
		}
	}
	if err := c.Close(); err != nil {
		return fmt.Errorf("closing: %w", err)
	}
	return nil
}

// echo writes -size bytes and reads them back until the deadline, at
// least once. One write is in flight at a time, so that a server that
// echoes as it reads cannot fill both directions' buffers.
func (p *benchPlan) echo(ctx context.Context, c stdpeer.Conn, deadline time.Time, echoed *atomic.Int64) error {
	out, in := benchPayload(p.o.size), make([]byte, p.o.size)
	for n := 0; n == 0 || time.Now().Before(deadline); n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := c.Write(out); err != nil {
			return fmt.Errorf("writing: %w", err)
		}
		if _, err := io.ReadFull(c, in); err != nil {
			return fmt.Errorf("reading the echo: %w (throughput against -connect needs a server that echoes, such as gotls serve)", err)
		}
		if n == 0 && !bytes.Equal(in, out) {
			return fmt.Errorf("the server answered with other data than it was sent: throughput against -connect needs a server that echoes, such as gotls serve")
		}
		echoed.Add(int64(len(out)))
	}
	return nil
}

// parallel runs f for workers 0 to n-1 at once and returns the first
// error; an error cancels the context of the others.
func parallel(ctx context.Context, n int, f func(ctx context.Context, worker int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for i := range n {
		wg.Go(func() {
			if err := f(ctx, i); err != nil {
				once.Do(func() {
					first = err
					cancel()
				})
			}
		})
	}
	wg.Wait()
	return first
}
