package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// benchTick is how often the live progress line is redrawn.
const benchTick = 250 * time.Millisecond

// benchStep is the part of a bench run that is running now.
type benchStep struct {
	what  string // "warm-up" or "round 2/5"
	stack string
	unit  string // "handshakes/s" or "MB/s"
	// scale turns the count into the unit's quantity.
	scale float64
	count func() int64
	start time.Time
}

// line describes the step with a rate.
func (s benchStep) line(rate float64) string {
	return fmt.Sprintf("%-11s %-10s %10s %s", s.what, s.stack, formatValue(rate), s.unit)
}

// rate is the step's rate so far.
func (s benchStep) rate() float64 {
	el := time.Since(s.start).Seconds()
	if el <= 0 {
		return 0
	}
	return float64(s.count()) * s.scale / el
}

// benchProgress shows a bench run's progress on stderr: on a terminal, a
// line redrawn in place with the current rate; otherwise a line at the end
// of each step; with -json, nothing.
type benchProgress struct {
	w   io.Writer // nil when silent
	tty bool

	mu   sync.Mutex
	step benchStep
	stop chan struct{}
	done chan struct{}
}

// newBenchProgress returns a progress display on w, which is a terminal
// when tty is set; silent shows nothing.
func newBenchProgress(w io.Writer, tty, silent bool) *benchProgress {
	if silent {
		return &benchProgress{}
	}
	return &benchProgress{w: w, tty: tty}
}

// isTerminalWriter reports whether w is a terminal.
func isTerminalWriter(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}

// begin starts showing a step.
func (p *benchProgress) begin(s benchStep) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	p.step = s
	p.mu.Unlock()
	if !p.tty {
		return
	}
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go p.redraw(p.stop, p.done)
}

// redraw rewrites the progress line until stop is closed.
func (p *benchProgress) redraw(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(benchTick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.mu.Lock()
			fmt.Fprintf(p.w, "\r\x1b[K%s", p.step.line(p.step.rate()))
			p.mu.Unlock()
		}
	}
}

// end finishes the current step with its final rate, or with nothing
// when it failed.
func (p *benchProgress) end(rate float64, err error) {
	if p.w == nil {
		return
	}
	if p.tty {
		close(p.stop)
		<-p.done
		if err != nil {
			return
		}
		p.mu.Lock()
		fmt.Fprintf(p.w, "\r\x1b[K%s", p.step.line(rate))
		p.mu.Unlock()
		return
	}
	if err != nil {
		return
	}
	p.mu.Lock()
	fmt.Fprintf(p.w, "%s\n", p.step.line(rate))
	p.mu.Unlock()
}

// finish clears the live line.
func (p *benchProgress) finish() {
	if p.w != nil && p.tty {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
