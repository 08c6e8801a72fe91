package main

import (
	"bytes"
	"encoding/json"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBenchFlags(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(*benchOptions) bool
	}{
		{"defaults", nil, func(o *benchOptions) bool {
			return o.duration == 5*time.Second && o.rounds == 5 && o.conns == runtime.GOMAXPROCS(0) &&
				o.size == 16384 && o.mode == benchBoth && !o.compare && !o.json && o.connect == ""
		}},
		{"two dashes", []string{"--compare", "--json", "--mode", "handshake"}, func(o *benchOptions) bool {
			return o.compare && o.json && o.mode == benchHandshake
		}},
		{"connect", []string{"-connect", "example.com:443", "-servername", "www.example.com", "-CAfile", "ca.pem", "-insecure"}, func(o *benchOptions) bool {
			return o.connect == "example.com:443" && o.servername == "www.example.com" && o.caFile == "ca.pem" && o.insecure
		}},
		{"workload", []string{"-duration", "250ms", "-rounds", "3", "-conns", "7", "-size", "1024"}, func(o *benchOptions) bool {
			return o.duration == 250*time.Millisecond && o.rounds == 3 && o.conns == 7 && o.size == 1024
		}},
		{"shared TLS flags", []string{"-tls1_2", "-groups", "P-256", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", "-ciphersuites", "TLS_AES_256_GCM_SHA384", "-key", "ed25519"}, func(o *benchOptions) bool {
			return o.common.tls12 && o.common.groups == "P-256" && o.common.cipher == "ECDHE-ECDSA-AES128-GCM-SHA256" &&
				o.common.suites == "TLS_AES_256_GCM_SHA384" && o.key == "ed25519"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, code, ok := parseBenchFlags(io.Discard, tt.args)
			if !ok {
				t.Fatalf("parse stopped with exit code %d", code)
			}
			if err := o.check(); err != nil {
				t.Fatalf("check: %v", err)
			}
			if !tt.check(o) {
				t.Errorf("options %+v", *o)
			}
		})
	}
}

func TestBenchUsageErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"help", []string{"-help"}, exitOK, "gotls bench -compare -json"},
		{"help through dispatch", []string{"--help"}, exitOK, "-mode handshake"},
		{"no rounds", []string{"-rounds", "0"}, exitUsage, "-rounds 0 is not from 1"},
		{"no conns", []string{"-conns", "0"}, exitUsage, "-conns 0 is not from 1"},
		{"empty writes", []string{"-size", "0"}, exitUsage, "-size 0 is not from 1"},
		{"huge writes", []string{"-size", "2000000"}, exitUsage, "-size 2000000"},
		{"tiny duration", []string{"-duration", "1ms"}, exitUsage, "-duration 1ms is not from"},
		{"bad duration", []string{"-duration", "soon"}, exitUsage, "invalid value"},
		{"bad mode", []string{"-mode", "resume"}, exitUsage, `unknown -mode "resume"`},
		{"bad key", []string{"-key", "dsa"}, exitUsage, `unknown -key "dsa"`},
		{"key with connect", []string{"-connect", "localhost:1", "-key", "rsa"}, exitUsage, "does not go with -connect"},
		{"insecure without connect", []string{"-insecure"}, exitUsage, "go with -connect"},
		{"bad connect", []string{"-connect", "nohost"}, exitUsage, "want HOST:PORT"},
		{"both versions", []string{"-tls1_2", "-tls1_3"}, exitUsage, "exclude each other"},
		{"bad group", []string{"-groups", "x448"}, exitUsage, `unknown group "x448"`},
		{"RSA suites need an RSA key", []string{"-cipher", "ECDHE-RSA-AES128-GCM-SHA256"}, exitUsage, "add -key rsa"},
		{"stray argument", []string{"now"}, exitUsage, `unexpected argument "now"`},
		{"connection refused", []string{"-connect", "127.0.0.1:1", "-duration", "10ms", "-rounds", "1", "-mode", "handshake"}, exitFailure, "gotls bench: dial tcp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, "", append([]string{"bench"}, tt.args...)...)
			if r.code != tt.code {
				t.Errorf("exit code %d, want %d\nstderr:\n%s", r.code, tt.code, r.stderr)
			}
			mustContain(t, "stderr", r.stderr, tt.inStderr)
		})
	}
}

// decodeBenchReport runs bench with -json and decodes its output.
func decodeBenchReport(t *testing.T, args ...string) *benchReport {
	t.Helper()
	r := runCmd(t, "", append([]string{"bench", "-json"}, args...)...)
	if r.code != exitOK {
		t.Fatalf("exit code %d\nstderr:\n%s", r.code, r.stderr)
	}
	if r.stderr != "" {
		t.Errorf("-json wrote to stderr:\n%s", r.stderr)
	}
	var rep benchReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, r.stdout)
	}
	return &rep
}

// measureOf returns the measure named name, failing the test without it.
func measureOf(t *testing.T, rep *benchReport, name string) benchMeas {
	t.Helper()
	for _, m := range rep.Measures {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no measure %q in %+v", name, rep.Measures)
	return benchMeas{}
}

// checkStacks checks that each measure has a positive median for each of
// the stacks wanted, and a positive ratio exactly when there are two.
func checkStacks(t *testing.T, rep *benchReport, rounds int, stacks ...string) {
	t.Helper()
	if len(rep.Stacks) != len(stacks) {
		t.Fatalf("stacks %+v, want %q", rep.Stacks, stacks)
	}
	for _, m := range rep.Measures {
		for i, r := range m.Results {
			if r.Stack != stacks[i] || r.Median <= 0 || len(r.Rounds) != rounds || r.Min > r.Median || r.Median > r.Max {
				t.Errorf("%s: result %+v, want stack %s with %d rounds and a positive median", m.Name, r, stacks[i], rounds)
			}
		}
		if (m.Ratio != nil) != (len(stacks) == 2) || (m.Ratio != nil && *m.Ratio <= 0) {
			t.Errorf("%s: ratio %v with %d stacks", m.Name, m.Ratio, len(stacks))
		}
	}
}

func TestBenchInProcessCompareJSON(t *testing.T) {
	rep := decodeBenchReport(t, "-duration", "200ms", "-rounds", "2", "-compare")
	checkStacks(t, rep, 2, stackGotls, stackStdlib)
	if rep.Target != "in-process" || rep.Certificate != "ECDSA P-256" || rep.Rounds != 2 || rep.Mode != benchBoth {
		t.Errorf("report header %+v", rep)
	}
	names := []string{"handshakes/s", "allocs/handshake", "KiB/handshake", "MB/s"}
	if _, ok := processCPU(); ok {
		names = append(names, "handshakes/CPU-s", "MB/CPU-s")
	}
	for _, name := range names {
		m := measureOf(t, rep, name)
		if m.Ratio == nil {
			t.Errorf("%s has no ratio", name)
		}
	}
	if l := measureOf(t, rep, "MB/s").Label; !strings.Contains(l, "AES-128-GCM, 16 KiB writes") {
		t.Errorf("throughput label %q", l)
	}
	for _, st := range rep.Stacks {
		if st.Negotiated.Version != "TLSv1.3" {
			t.Errorf("%s negotiated %+v", st.Name, st.Negotiated)
		}
	}
}

func TestBenchInProcessWorkloads(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		stacks   []string
		measures []string
		want     negotiated // of gotls; empty fields are not checked
		label    string     // in a measure's label
	}{
		{"throughput, ChaCha20", []string{"-mode", "throughput", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256", "-size", "4096"},
			[]string{stackGotls}, []string{"MB/s", "MB/CPU-s"}, negotiated{CipherSuite: "TLS_CHACHA20_POLY1305_SHA256"}, "ChaCha20-Poly1305, 4 KiB writes"},
		{"handshakes, TLS 1.2, P-256", []string{"-mode", "handshake", "-tls1_2", "-groups", "P-256", "-compare"},
			[]string{stackGotls, stackStdlib}, []string{"handshakes/s", "handshakes/CPU-s", "allocs/handshake", "KiB/handshake"},
			negotiated{Version: "TLSv1.2", Group: "secp256r1"}, "KiB allocated/handshake"},
		{"TLS 1.2 throughput, RSA", []string{"-mode", "throughput", "-tls1_2", "-key", "rsa", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384", "-compare", "-conns", "1"},
			[]string{stackGotls, stackStdlib}, []string{"MB/s", "MB/CPU-s"}, negotiated{CipherSuite: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}, "AES-256-GCM"},
		{"handshakes, Ed25519", []string{"-mode", "handshake", "-key", "ed25519", "-groups", "X25519"},
			[]string{stackGotls}, []string{"handshakes/s", "handshakes/CPU-s", "allocs/handshake", "KiB/handshake"}, negotiated{Group: "x25519"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := decodeBenchReport(t, append([]string{"-duration", "100ms", "-rounds", "1"}, tt.args...)...)
			checkStacks(t, rep, 1, tt.stacks...)
			var names []string
			for _, m := range rep.Measures {
				names = append(names, m.Name)
			}
			if _, ok := processCPU(); !ok {
				tt.measures = slices.DeleteFunc(tt.measures, func(n string) bool { return strings.HasSuffix(n, "/CPU-s") })
			}
			if strings.Join(names, ",") != strings.Join(tt.measures, ",") {
				t.Errorf("measures %q, want %q", names, tt.measures)
			}
			for _, st := range rep.Stacks {
				got := st.Negotiated
				if (tt.want.Version != "" && got.Version != tt.want.Version) || (tt.want.CipherSuite != "" && got.CipherSuite != tt.want.CipherSuite) ||
					(tt.want.Group != "" && got.Group != tt.want.Group) {
					t.Errorf("%s negotiated %+v, want %+v", st.Name, got, tt.want)
				}
			}
			var labels []string
			for _, m := range rep.Measures {
				labels = append(labels, m.Label)
			}
			mustContain(t, "labels", strings.Join(labels, "\n"), tt.label)
		})
	}
}

func TestBenchConnectToServe(t *testing.T) {
	pki := newTestPKI(t)
	srv := startServe(t, "-cert", pki.serverCert, "-key", pki.serverKey, "-quiet")
	rep := decodeBenchReport(t, "-connect", srv.addr, "-CAfile", pki.caFile, "-servername", "localhost",
		"-compare", "-duration", "100ms", "-rounds", "1", "-size", "2048")
	checkStacks(t, rep, 1, stackGotls, stackStdlib)
	if rep.Target != srv.addr || rep.Certificate != "" {
		t.Errorf("target %q, certificate %q", rep.Target, rep.Certificate)
	}
	mustContain(t, "handshake label", measureOf(t, rep, "handshakes/s").Label, "(client)")
	mustContain(t, "throughput label", measureOf(t, rep, "MB/s").Label, "MB/s echoed", "2 KiB writes")
}

func TestBenchConnectNeedsEcho(t *testing.T) {
	pki := newTestPKI(t)
	srv := startServe(t, "-cert", pki.serverCert, "-key", pki.serverKey, "-quiet", "-www")
	r := runCmd(t, "", "bench", "-connect", srv.addr, "-insecure", "-mode", "throughput", "-duration", "50ms", "-rounds", "1", "-conns", "1")
	if r.code != exitFailure {
		t.Fatalf("exit code %d, want %d\nstderr:\n%s", r.code, exitFailure, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, "needs a server that echoes")
}

func TestBenchTableOutput(t *testing.T) {
	r := runCmd(t, "", "bench", "-duration", "50ms", "-rounds", "1", "-compare", "-mode", "handshake", "-groups", "X25519")
	if r.code != exitOK {
		t.Fatalf("exit code %d\nstderr:\n%s", r.code, r.stderr)
	}
	mustContain(t, "stdout", r.stdout,
		"gotls bench: both ends in this process over 127.0.0.1, ECDSA P-256 certificate\n",
		"1 round of 50ms per stack and measure",
		"  gotls:      TLSv1.3, TLS_AES_128_GCM_SHA256, group x25519\n",
		"  crypto/tls: TLSv1.3, TLS_AES_128_GCM_SHA256, group x25519\n",
		"median of rounds (± half the range)",
		"gotls/crypto/tls\n",
		"full handshakes/s (server+client)")
	// Not a terminal: one line per step, and no carriage returns.
	mustContain(t, "stderr", r.stderr, "gotls bench: gotls and crypto/tls, both ends in this process, 1 round of 50ms, about ",
		"warm-up     gotls", "round 1/1   crypto/tls", "handshakes/s\n")
	if strings.Contains(r.stderr, "\r") {
		t.Errorf("stderr has carriage returns off a terminal:\n%q", r.stderr)
	}
}

// sampleReport is a fixed report for the formatting tests.
func sampleReport() *benchReport {
	ratio := 1.25
	return &benchReport{
		Target: "in-process", Certificate: "ECDSA P-256", Mode: benchHandshake, Duration: "5s", Rounds: 5, Conns: 2,
		GOMAXPROCS: 2, NumCPU: 2, GoVersion: "go1.26", Platform: "linux/amd64",
		Stacks: []benchStackR{
			{stackGotls, negotiated{"TLSv1.3", "TLS_AES_128_GCM_SHA256", "x25519"}},
			{stackStdlib, negotiated{"TLSv1.3", "TLS_AES_128_GCM_SHA256", "x25519"}},
		},
		Measures: []benchMeas{{
			Name: "handshakes/s", Label: "full handshakes/s (server+client)", Ratio: &ratio,
			Results: []benchStats{
				statsOf(stackGotls, []float64{1250, 1200, 1300, 1240, 1260}),
				statsOf(stackStdlib, []float64{1000, 990, 1010, 1000, 1000}),
			},
		}},
		Notes: []string{"an example"},
	}
}

func TestBenchWriteTable(t *testing.T) {
	var b bytes.Buffer
	sampleReport().writeTable(&b)
	want := `gotls bench: both ends in this process over 127.0.0.1, ECDSA P-256 certificate
5 rounds of 5s per stack and measure, 2 connections at a time, GOMAXPROCS 2 of 2 CPUs, go1.26 linux/amd64
  gotls:      TLSv1.3, TLS_AES_128_GCM_SHA256, group x25519
  crypto/tls: TLSv1.3, TLS_AES_128_GCM_SHA256, group x25519

median of rounds (± half the range)      gotls   crypto/tls   gotls/crypto/tls
full handshakes/s (server+client)     1250 ±4%     1000 ±1%               1.25
note: an example
`
	if got := b.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}

func TestBenchStats(t *testing.T) {
	tests := []struct {
		values           []float64
		median, min, max float64
	}{
		{[]float64{3}, 3, 3, 3},
		{[]float64{5, 1, 3}, 3, 1, 5},
		{[]float64{4, 1, 3, 2}, 2.5, 1, 4},
		{nil, 0, 0, 0},
	}
	for _, tt := range tests {
		s := statsOf("x", tt.values)
		if s.Median != tt.median || s.Min != tt.min || s.Max != tt.max {
			t.Errorf("statsOf(%v) = %+v, want median %v, min %v, max %v", tt.values, s, tt.median, tt.min, tt.max)
		}
	}
	if got := statsOf("x", []float64{90, 100, 110}).spread(); got != 10 {
		t.Errorf("spread = %v, want 10", got)
	}
}

func TestBenchFormatting(t *testing.T) {
	tests := []struct{ got, want string }{
		{formatValue(1234.5), "1234"},
		{formatValue(12.345), "12.3"},
		{formatValue(1.2345), "1.23"},
		{sizeText(16384), "16 KiB"},
		{sizeText(1000), "1000 B"},
		{aeadName("TLS_AES_256_GCM_SHA384"), "AES-256-GCM"},
		{aeadName("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"), "ChaCha20-Poly1305"},
		{aeadName("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"), "AES-128-CBC-SHA1"},
		{aeadName(""), "?"},
		{plural(1, "round"), "1 round"},
		{plural(3, "round"), "3 rounds"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestBenchProgress(t *testing.T) {
	tests := []struct {
		name      string
		tty       bool
		silent    bool
		want      string // a substring of the output
		wantEmpty bool
	}{
		{"terminal", true, false, "\r\x1b[Kround 1/2   gotls             500 handshakes/s", false},
		{"log", false, false, "round 1/2   gotls             500 handshakes/s\n", false},
		{"json", false, true, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newSyncBuffer()
			p := newBenchProgress(b, tt.tty, tt.silent)
			p.begin(benchStep{what: "round 1/2", stack: stackGotls, unit: "handshakes/s", scale: 1,
				count: func() int64 { return 7 }, start: time.Now()})
			if tt.tty {
				time.Sleep(2 * benchTick)
			}
			p.end(500, nil)
			p.finish()
			out := b.String()
			if tt.wantEmpty != (out == "") || !strings.Contains(out, tt.want) {
				t.Errorf("progress output %q, want it to contain %q", out, tt.want)
			}
			if tt.tty && !strings.HasSuffix(out, "\r\x1b[K") {
				t.Errorf("terminal output %q does not end by clearing the line", out)
			}
		})
	}
}
