package main

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"gotls"
)

// ANSI styles the printer uses.
const (
	styleBold    = "1"
	styleDim     = "2"
	styleRed     = "31"
	styleGreen   = "32"
	styleYellow  = "33"
	styleMagenta = "35"
	styleCyan    = "36"
)

// palette applies ANSI styles when colour is on, and nothing otherwise.
type palette struct{ on bool }

// paint wraps s in the given style.
func (p palette) paint(style, s string) string {
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + style + "m" + s + "\x1b[0m"
}

// printer writes the lines of a trace. Events arrive from the client's and
// the server's goroutines; the mutex keeps each event's lines together.
type printer struct {
	mu  sync.Mutex
	w   io.Writer
	pal palette
}

func newPrinter(w io.Writer, color bool) *printer {
	return &printer{w: w, pal: palette{on: color}}
}

// gutter is the left column naming who speaks.
func (p *printer) gutter(client bool) string {
	if client {
		return p.pal.paint(styleCyan, "client │ ")
	}
	return p.pal.paint(styleMagenta, "server │ ")
}

// blankGutter continues an entry on the following lines.
func (p *printer) blankGutter(client bool) string {
	if client {
		return p.pal.paint(styleCyan, "       │ ")
	}
	return p.pal.paint(styleMagenta, "       │ ")
}

// heading starts a section.
func (p *printer) heading(title string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\n%s\n", p.pal.paint(styleBold, "▸ "+title))
}

// plain writes one line without a gutter, indented under a heading.
func (p *printer) plain(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "  %s\n", fmt.Sprintf(format, args...))
}

// event writes one handshake step: the step on the first line, each line
// of the detail indented below it.
func (p *printer) event(ev gotls.HandshakeEvent) { p.annotated(ev, nil) }

// annotated writes one handshake step followed by notes that explain it,
// all under one lock so that the other side's events cannot come between.
func (p *printer) annotated(ev gotls.HandshakeEvent, notes []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%s%s\n", p.gutter(ev.Client), p.pal.paint(styleBold, ev.Step))
	for _, line := range detailLines(ev.Detail) {
		fmt.Fprintf(p.w, "%s  %s\n", p.blankGutter(ev.Client), line)
	}
	for _, note := range notes {
		for _, line := range wrapWords(note, wrapWidth-2, "") {
			fmt.Fprintf(p.w, "%s  %s %s\n", p.blankGutter(ev.Client), p.pal.paint(styleYellow, noteMark), line)
		}
	}
}

// noteMark starts each line of an explanatory note.
const noteMark = "┆"

// say writes one line for one side.
func (p *printer) say(client bool, format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%s%s\n", p.gutter(client), fmt.Sprintf(format, args...))
}

// wire writes a dim line about records one side put on the wire.
func (p *printer) wire(client bool, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%s%s\n", p.gutter(client), p.pal.paint(styleDim, text))
}

// result writes a line that says whether something worked.
func (p *printer) result(ok bool, format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	mark, style := "✓", styleGreen
	if !ok {
		mark, style = "✗", styleRed
	}
	text := strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", "\n    ")
	fmt.Fprintf(p.w, "  %s %s\n", p.pal.paint(style, mark), text)
}

// wrapWidth is the width detail lines are wrapped to, not counting the
// gutter.
const wrapWidth = 88

// detailLines splits a detail into lines for display: at newlines, then
// long lines at "; " between items, then at spaces. Continuation lines are
// indented.
func detailLines(detail string) []string {
	detail = strings.TrimRight(detail, "\n ")
	if detail == "" {
		return nil
	}
	var out []string
	for _, line := range strings.Split(detail, "\n") {
		if len(line) <= wrapWidth {
			out = append(out, line)
			continue
		}
		for _, item := range strings.Split(line, "; ") {
			out = append(out, wrapWords(item, wrapWidth, "    ")...)
		}
	}
	return out
}

// wrapWords breaks s at spaces into lines of at most width bytes where it
// can; lines after the first start with indent.
func wrapWords(s string, width int, indent string) []string {
	var lines []string
	for len(s) > width {
		cut := strings.LastIndexByte(s[:width], ' ')
		if cut <= len(indent) {
			break
		}
		lines = append(lines, s[:cut])
		s = indent + strings.TrimLeft(s[cut:], " ")
	}
	return append(lines, s)
}
