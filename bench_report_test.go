package gotls_test

// TestBenchReport turns the output of the benchmarks (go test -bench,
// several -count rounds) into the table of ratios in doc/performance.md:
//
//	go test -run='^$' -bench=. -count=5 . | tee bench.txt
//	GOTLS_BENCH_REPORT=bench.txt go test -run='^TestBenchReport$' -v .
//
// Every figure is the median of the rounds; every ratio is taken between
// medians of the same run.

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// benchLine matches one result line: name, GOMAXPROCS suffix, iterations
// and the value/unit pairs.
var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// benchResults maps benchmark name and unit to the values of all rounds.
type benchResults map[string]map[string][]float64

func parseBenchOutput(path string) (benchResults, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	res := benchResults{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		fields := strings.Fields(m[2])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			if res[m[1]] == nil {
				res[m[1]] = map[string][]float64{}
			}
			res[m[1]][fields[i+1]] = append(res[m[1]][fields[i+1]], v)
		}
	}
	return res, sc.Err()
}

// median returns the median of name's unit, and whether there is one.
func (r benchResults) median(name, unit string) (float64, bool) {
	vs := slices.Clone(r[name][unit])
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, true
}

// rounds returns how many rounds name has.
func (r benchResults) rounds(name string) int {
	n := 0
	for _, vs := range r[name] {
		n = max(n, len(vs))
	}
	return n
}

// reportRow is one line of the ratio table: ratio = num/den of two medians,
// or the median of num when den names no benchmark (a ratio measured as
// such).
type reportRow struct {
	what     string
	num, den [2]string // benchmark name, unit
	// target is the bound the ratio must meet: at least it, or at most
	// it when atMost is set; 0 means none.
	target float64
	atMost bool
}

// reportRows lists the rows of doc/performance.md's table.
func reportRows() []reportRow {
	var rows []reportRow
	srv, cli := "HandshakeServerTLS13/", "HandshakeClientTLS13/"
	for _, c := range hsCasesTLS13 {
		target := 1.05
		if c.name == "RSA2048-X25519" {
			target = 0
		}
		rows = append(rows,
			reportRow{"server hs/s, gotls ÷ crypto/tls, alternating in one loop, " + c.name,
				[2]string{"HandshakeServerAlternatingTLS13/" + c.name, "speed-ratio"}, [2]string{"", ""}, target, false},
			reportRow{"server hs/s, gotls ÷ crypto/tls, " + c.name,
				[2]string{srv + c.name + "/gotls", "srv-hs/s"}, [2]string{srv + c.name + "/cryptotls", "srv-hs/s"}, target, false},
			reportRow{"server, share of the primitive ceiling, gotls, " + c.name,
				[2]string{"HandshakeCeilingTLS13/" + c.name, "cpu-ns/op"}, [2]string{srv + c.name + "/gotls", "srv-ns/op"}, 0.92, false},
			reportRow{"server, share of the primitive ceiling, crypto/tls, " + c.name,
				[2]string{"HandshakeCeilingTLS13/" + c.name, "cpu-ns/op"}, [2]string{srv + c.name + "/cryptotls", "srv-ns/op"}, 0, false},
			reportRow{"server allocs/handshake, gotls ÷ crypto/tls, " + c.name,
				[2]string{srv + c.name + "/gotls", "srv-allocs/op"}, [2]string{srv + c.name + "/cryptotls", "srv-allocs/op"}, 0.25, true},
			reportRow{"server bytes/handshake, gotls ÷ crypto/tls, " + c.name,
				[2]string{srv + c.name + "/gotls", "srv-B/op"}, [2]string{srv + c.name + "/cryptotls", "srv-B/op"}, 0, false},
			reportRow{"client hs/s, gotls ÷ crypto/tls, " + c.name,
				[2]string{cli + c.name + "/gotls", "cli-hs/s"}, [2]string{cli + c.name + "/cryptotls", "cli-hs/s"}, 0, false},
		)
	}
	rows = append(rows, serverRows("HandshakeServerTLS12/", "HandshakeServerAlternatingTLS12/", hsCasesTLS12,
		func(hsCase) float64 { return 0 })...)
	rows = append(rows, serverRows("HandshakeServerResumed/", "HandshakeServerAlternatingResumed/", hsCasesResumed,
		func(c hsCase) float64 {
			if c.params.version == tls.VersionTLS12 {
				return 2.0
			}
			return 1.10
		})...)
	for _, s := range bulkSuites {
		b := "Bulk/" + s.name + "/"
		rows = append(rows,
			reportRow{"bulk in memory, CPU per 16 KiB, crypto/tls ÷ gotls, " + s.name,
				[2]string{b + "cryptotls", "cpu-ns/op"}, [2]string{b + "gotls", "cpu-ns/op"}, 1.10, false},
			reportRow{"bulk in memory, share of AEAD + one copy, gotls, " + s.name,
				[2]string{"BulkCeiling/" + s.name, "cpu-ns/op"}, [2]string{b + "gotls", "cpu-ns/op"}, 0.90, false},
			reportRow{"bulk in memory, share of AEAD + one copy, crypto/tls, " + s.name,
				[2]string{"BulkCeiling/" + s.name, "cpu-ns/op"}, [2]string{b + "cryptotls", "cpu-ns/op"}, 0, false},
			reportRow{"bulk loopback TCP MB/s, gotls ÷ crypto/tls, " + s.name,
				[2]string{"BulkTCP/" + s.name + "/gotls", "MB/s"}, [2]string{"BulkTCP/" + s.name + "/cryptotls", "MB/s"}, 0, false},
		)
	}
	rows = append(rows,
		reportRow{"idle heap beyond plain TCP after 16 KiB echo, gotls ÷ crypto/tls",
			[2]string{"IdleConnHeap/gotls", "echo-over-tcp-heap-B/conn"}, [2]string{"IdleConnHeap/cryptotls", "echo-over-tcp-heap-B/conn"}, 0.25, true},
		reportRow{"handshakes/s on 2 cores ÷ 1 core, gotls",
			[2]string{"HandshakeScalingTLS13/gotls/procs=2", "hs/s"}, [2]string{"HandshakeScalingTLS13/gotls/procs=1", "hs/s"}, 1.8, false},
		reportRow{"handshakes/s on 2 cores ÷ 1 core, crypto/tls",
			[2]string{"HandshakeScalingTLS13/cryptotls/procs=2", "hs/s"}, [2]string{"HandshakeScalingTLS13/cryptotls/procs=1", "hs/s"}, 0, false},
		reportRow{"handshakes per CPU-second, 2 procs ÷ 1 proc, gotls",
			[2]string{"HandshakeScalingTLS13/gotls/procs=2", "hs/cpu-s"}, [2]string{"HandshakeScalingTLS13/gotls/procs=1", "hs/cpu-s"}, 0.9, false},
		reportRow{"handshakes per CPU-second, 2 procs ÷ 1 proc, crypto/tls",
			[2]string{"HandshakeScalingTLS13/cryptotls/procs=2", "hs/cpu-s"}, [2]string{"HandshakeScalingTLS13/cryptotls/procs=1", "hs/cpu-s"}, 0, false},
	)
	return rows
}

func TestBenchReport(t *testing.T) {
	path := os.Getenv("GOTLS_BENCH_REPORT")
	if path == "" {
		t.Skip("set GOTLS_BENCH_REPORT to a file of benchmark output")
	}
	res, err := parseBenchOutput(path)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintln(&b, "| quantity | numerator | denominator | ratio | target | met |")
	fmt.Fprintln(&b, "|---|---:|---:|---:|---:|:-:|")
	for _, r := range reportRows() {
		num, ok1 := res.median(r.num[0], r.num[1])
		den, ok2 := 1.0, true
		if r.den[0] != "" {
			den, ok2 = res.median(r.den[0], r.den[1])
		}
		if !ok1 || !ok2 || den == 0 {
			continue
		}
		ratio := num / den
		target, met := "", ""
		if r.target != 0 {
			cmp, ok := "≥ ", ratio >= r.target
			if r.atMost {
				cmp, ok = "≤ ", ratio <= r.target
			}
			target, met = cmp+strconv.FormatFloat(r.target, 'f', 2, 64), map[bool]string{true: "yes", false: "no"}[ok]
		}
		fmt.Fprintf(&b, "| %s | %.4g | %.4g | %.2f | %s | %s |\n", r.what, num, den, ratio, target, met)
	}
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "| absolute | value | target |")
	fmt.Fprintln(&b, "|---|---:|---:|")
	for _, a := range []struct{ what, name, unit, target string }{
		{"gotls server allocs, full TLS 1.3 handshake (ECDSA-P256-X25519)", srvCase("ECDSA-P256-X25519"), "srv-allocs/op", "≤ 100"},
		{"crypto/tls server allocs, same", srvCaseStack("ECDSA-P256-X25519", "cryptotls"), "srv-allocs/op", ""},
		{"gotls idle heap beyond plain TCP after a 16 KiB echo, B/conn", "IdleConnHeap/gotls", "echo-over-tcp-heap-B/conn", "≤ 4000"},
		{"crypto/tls idle heap beyond plain TCP after a 16 KiB echo, B/conn", "IdleConnHeap/cryptotls", "echo-over-tcp-heap-B/conn", ""},
		{"gotls idle goroutine stack, B/conn", "IdleConnHeap/gotls", "echo-stack-B/conn", "≤ 4096"},
		{"crypto/tls idle goroutine stack, B/conn", "IdleConnHeap/cryptotls", "echo-stack-B/conn", ""},
		{"plain TCP idle goroutine stack, B/conn", "IdleConnHeap/plaintcp", "echo-stack-B/conn", ""},
		{"gotls server allocs, full TLS 1.2 handshake (ECDSA-P256-X25519)", "HandshakeServerTLS12/ECDSA-P256-X25519/gotls", "srv-allocs/op", ""},
		{"crypto/tls server allocs, same", "HandshakeServerTLS12/ECDSA-P256-X25519/cryptotls", "srv-allocs/op", ""},
		{"gotls server allocs, resumed TLS 1.3 handshake", "HandshakeServerResumed/TLS13-PSK-DHE-X25519/gotls", "srv-allocs/op", ""},
		{"crypto/tls server allocs, same", "HandshakeServerResumed/TLS13-PSK-DHE-X25519/cryptotls", "srv-allocs/op", ""},
		{"gotls server allocs, resumed TLS 1.2 handshake", "HandshakeServerResumed/TLS12-Ticket-ECDSA-P256/gotls", "srv-allocs/op", ""},
		{"crypto/tls server allocs, same", "HandshakeServerResumed/TLS12-Ticket-ECDSA-P256/cryptotls", "srv-allocs/op", ""},
	} {
		if v, ok := res.median(a.name, a.unit); ok {
			fmt.Fprintf(&b, "| %s | %.0f | %s |\n", a.what, v, a.target)
		}
	}
	rounds := 0
	for name := range res {
		rounds = max(rounds, res.rounds(name))
	}
	fmt.Fprintf(&b, "\nrounds per benchmark: %d\n", rounds)
	t.Log("\n" + b.String())
}

// serverRows are the rows of a server handshake table other than TLS 1.3
// full handshakes (which also have a ceiling and a client side): the
// alternating speed ratio and the twins' hs/s ratio, both with the target
// hsTarget gives, and the allocation and byte ratios.
func serverRows(srv, alt string, cases []hsCase, hsTarget func(hsCase) float64) []reportRow {
	var rows []reportRow
	for _, c := range cases {
		what := c.name
		if !c.resume {
			what = "TLS 1.2 " + c.name
		} else {
			what = "resumed " + c.name
		}
		rows = append(rows,
			reportRow{"server hs/s, gotls ÷ crypto/tls, alternating in one loop, " + what,
				[2]string{alt + c.name, "speed-ratio"}, [2]string{"", ""}, hsTarget(c), false},
			reportRow{"server hs/s, gotls ÷ crypto/tls, " + what,
				[2]string{srv + c.name + "/gotls", "srv-hs/s"}, [2]string{srv + c.name + "/cryptotls", "srv-hs/s"}, hsTarget(c), false},
			reportRow{"server allocs/handshake, gotls ÷ crypto/tls, " + what,
				[2]string{srv + c.name + "/gotls", "srv-allocs/op"}, [2]string{srv + c.name + "/cryptotls", "srv-allocs/op"}, 0.25, true},
			reportRow{"server bytes/handshake, gotls ÷ crypto/tls, " + what,
				[2]string{srv + c.name + "/gotls", "srv-B/op"}, [2]string{srv + c.name + "/cryptotls", "srv-B/op"}, 0, false},
		)
	}
	return rows
}

func srvCase(name string) string { return srvCaseStack(name, "gotls") }

func srvCaseStack(name, stack string) string {
	return "HandshakeServerTLS13/" + name + "/" + stack
}
