package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// benchReport is the outcome of a bench run, as printed with -json.
type benchReport struct {
	// Target is "in-process" or the -connect address.
	Target      string        `json:"target"`
	Certificate string        `json:"certificate,omitempty"`
	Mode        string        `json:"mode"`
	Duration    string        `json:"duration"`
	Rounds      int           `json:"rounds"`
	Conns       int           `json:"conns"`
	Size        int           `json:"size"`
	GOMAXPROCS  int           `json:"gomaxprocs"`
	NumCPU      int           `json:"num_cpu"`
	GoVersion   string        `json:"go_version"`
	Platform    string        `json:"platform"`
	Stacks      []benchStackR `json:"stacks"`
	Measures    []benchMeas   `json:"measures"`
	Notes       []string      `json:"notes,omitempty"`
}

// benchStackR is what one stack negotiated.
type benchStackR struct {
	Name       string     `json:"name"`
	Negotiated negotiated `json:"negotiated"`
}

// benchMeas is one measure: each stack's values and their ratio.
type benchMeas struct {
	Name          string       `json:"name"`
	Label         string       `json:"label"`
	LowerIsBetter bool         `json:"lower_is_better,omitempty"`
	Results       []benchStats `json:"results"`
	// Ratio is the gotls median over the crypto/tls median, with
	// -compare.
	Ratio *float64 `json:"ratio,omitempty"`
}

// benchStats summarises one stack's rounds of a measure.
type benchStats struct {
	Stack  string    `json:"stack"`
	Median float64   `json:"median"`
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
	Rounds []float64 `json:"rounds"`
}

// statsOf summarises values.
func statsOf(stack string, values []float64) benchStats {
	s := slices.Clone(values)
	slices.Sort(s)
	st := benchStats{Stack: stack, Rounds: values}
	if len(s) == 0 {
		return st
	}
	st.Min, st.Max = s[0], s[len(s)-1]
	mid := len(s) / 2
	st.Median = s[mid]
	if len(s)%2 == 0 {
		st.Median = (s[mid-1] + s[mid]) / 2
	}
	return st
}

// spread is half the range of the rounds as a percentage of the median.
func (s benchStats) spread() float64 {
	if s.Median == 0 {
		return 0
	}
	return (s.Max - s.Min) / 2 / s.Median * 100
}

// report turns the round results into a report.
func (p *benchPlan) report(res benchResults) *benchReport {
	rep := &benchReport{
		Target: "in-process", Certificate: p.certificate, Mode: p.o.mode,
		Duration: p.o.duration.String(), Rounds: p.o.rounds, Conns: p.o.conns, Size: p.o.size,
		GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(),
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
	}
	if p.target != "" {
		rep.Target = p.target
	}
	for _, st := range p.stacks {
		rep.Stacks = append(rep.Stacks, benchStackR{Name: st.name, Negotiated: firstState(res[st.name])})
	}
	for _, m := range p.measureDefs(res) {
		rep.Measures = append(rep.Measures, p.measure(res, m))
	}
	rep.Notes = p.notes(rep)
	return rep
}

// firstState returns the parameters of the first round that has them.
func firstState(byKind map[benchKind][]roundResult) negotiated {
	for _, k := range []benchKind{kindHandshake, kindThroughput} {
		for _, rr := range byKind[k] {
			if rr.state.Version != "" {
				return rr.state
			}
		}
	}
	return negotiated{}
}

// measureDef says how to read one measure out of round results.
type measureDef struct {
	name, label string
	lower       bool
	kind        benchKind
	value       func(roundResult) float64
}

// measureDefs lists the measures of the workloads that ran.
func (p *benchPlan) measureDefs(res benchResults) []measureDef {
	who := "server+client"
	if p.target != "" {
		who = "client"
	}
	_, cpuOK := processCPU()
	perCPU := func(r roundResult) float64 { return r.perCPU }
	var defs []measureDef
	for _, k := range p.kinds() {
		if k == kindHandshake {
			defs = append(defs, measureDef{"handshakes/s", "full handshakes/s (" + who + ")", false, k, func(r roundResult) float64 { return r.rate }})
			if cpuOK {
				defs = append(defs, measureDef{"handshakes/CPU-s", "full handshakes per CPU second (" + who + ")", false, k, perCPU})
			}
			defs = append(defs,
				measureDef{"allocs/handshake", "allocs/handshake (" + who + ", lower is better)", true, k, func(r roundResult) float64 { return r.allocs }},
				measureDef{"KiB/handshake", "KiB allocated/handshake (" + who + ", lower is better)", true, k, func(r roundResult) float64 { return r.allocBytes / 1024 }})
			continue
		}
		what := "one way"
		if p.target != "" {
			what = "echoed"
		}
		suite := firstState(res[stackGotls]).CipherSuite
		label := fmt.Sprintf("MB/s %s (%s, %s writes)", what, aeadName(suite), sizeText(p.o.size))
		defs = append(defs, measureDef{"MB/s", label, false, k, func(r roundResult) float64 { return r.rate }})
		if cpuOK {
			defs = append(defs, measureDef{"MB/CPU-s", "MB per CPU second (" + who + ")", false, k, perCPU})
		}
	}
	return defs
}

// measure gathers one measure of every stack.
func (p *benchPlan) measure(res benchResults, m measureDef) benchMeas {
	out := benchMeas{Name: m.name, Label: m.label, LowerIsBetter: m.lower}
	for _, st := range p.stacks {
		var values []float64
		for _, rr := range res[st.name][m.kind] {
			values = append(values, m.value(rr))
		}
		out.Results = append(out.Results, statsOf(st.name, values))
	}
	if len(out.Results) == 2 && out.Results[1].Median != 0 {
		r := out.Results[0].Median / out.Results[1].Median
		out.Ratio = &r
	}
	return out
}

// notes explains what may make the comparison uneven.
func (p *benchPlan) notes(rep *benchReport) []string {
	var notes []string
	if len(rep.Stacks) == 2 && rep.Stacks[0].Negotiated != rep.Stacks[1].Negotiated {
		notes = append(notes, "the stacks negotiated different parameters, so the comparison is uneven")
	}
	for _, st := range p.stacks {
		if st.srv == nil {
			continue
		}
		if n, err := st.srv.failure(); n > 0 {
			notes = append(notes, fmt.Sprintf("the %s in-process server saw %d failed connections; the first: %v", st.name, n, err))
		}
	}
	return notes
}

// aeadName names the record protection of a cipher suite, such as
// "AES-128-GCM", or returns the suite's name.
func aeadName(suite string) string {
	for _, a := range []struct{ in, out string }{
		{"AES_128_GCM", "AES-128-GCM"}, {"AES_256_GCM", "AES-256-GCM"},
		{"CHACHA20_POLY1305", "ChaCha20-Poly1305"},
		{"AES_128_CBC_SHA", "AES-128-CBC-SHA1"}, {"AES_256_CBC_SHA", "AES-256-CBC-SHA1"},
	} {
		if strings.Contains(suite, a.in) {
			return a.out
		}
	}
	if suite == "" {
		return "?"
	}
	return suite
}

// sizeText writes a byte count as KiB when it is a whole number of them.
func sizeText(n int) string {
	if n >= 1024 && n%1024 == 0 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d B", n)
}

// formatValue writes a measured value with three significant digits or
// more.
func formatValue(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// estimate says how long the run will take, roughly.
func (p *benchPlan) estimate() time.Duration {
	per := time.Duration(p.o.rounds)*p.o.duration + min(p.o.duration/4, maxBenchWarmup)
	return per * time.Duration(len(p.stacks)*len(p.kinds()))
}

// benchTableHead heads the table's first column.
const benchTableHead = "median of rounds (± half the range)"

// writeTable prints the report for people.
func (rep *benchReport) writeTable(w io.Writer) {
	where := "both ends in this process over 127.0.0.1, " + rep.Certificate + " certificate"
	if rep.Target != "in-process" {
		where = "client against " + rep.Target
	}
	fmt.Fprintf(w, "gotls bench: %s\n", where)
	fmt.Fprintf(w, "%s of %s per stack and measure, %s at a time, GOMAXPROCS %d of %s, %s %s\n",
		plural(rep.Rounds, "round"), rep.Duration, plural(rep.Conns, "connection"), rep.GOMAXPROCS, plural(rep.NumCPU, "CPU"), rep.GoVersion, rep.Platform)
	for _, st := range rep.Stacks {
		fmt.Fprintf(w, "  %-11s %s\n", st.Name+":", st.Negotiated)
	}
	fmt.Fprintln(w)
	writeColumns(w, rep.tableRows())
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// tableRows returns the table's cells, the heading first.
func (rep *benchReport) tableRows() [][]string {
	head := []string{benchTableHead}
	for _, st := range rep.Stacks {
		head = append(head, st.Name)
	}
	if len(rep.Stacks) == 2 {
		head = append(head, rep.Stacks[0].Name+"/"+rep.Stacks[1].Name)
	}
	rows := [][]string{head}
	for _, m := range rep.Measures {
		row := []string{m.Label}
		for _, r := range m.Results {
			row = append(row, fmt.Sprintf("%s ±%.0f%%", formatValue(r.Median), r.spread()))
		}
		if m.Ratio != nil {
			row = append(row, fmt.Sprintf("%.2f", *m.Ratio))
		}
		rows = append(rows, row)
	}
	return rows
}

// writeColumns prints rows as columns three spaces apart: the first
// aligned left, the others right.
func writeColumns(w io.Writer, rows [][]string) {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if i == 0 {
				b.WriteString(cell + pad)
			} else {
				b.WriteString("   " + pad + cell)
			}
		}
		fmt.Fprintln(w, b.String())
	}
}
