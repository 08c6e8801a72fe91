package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"gotls/revocation"
)

// addStapling sets up OCSP stapling for -status or -status_file and
// returns the function that stops it.
func (s *server) addStapling() (func(), error) {
	switch {
	case s.o.statusFile != "":
		return func() {}, s.addStatusFile()
	case s.o.status:
		return s.addAutoStapling()
	}
	return func() {}, nil
}

// addStatusFile staples the DER OCSP response in -status_file to the
// first certificate, reading the file again whenever it changes.
func (s *server) addStatusFile() error {
	if _, err := os.Stat(s.o.statusFile); err != nil {
		return fmt.Errorf("-status_file: %w", err)
	}
	f := &fileStapler{path: s.o.statusFile, chain: s.cfg.Certificates[0].Certificate, logf: s.logf}
	f.reloadIfChanged()
	s.cfg.OCSPStapler = f
	return nil
}

// addAutoStapling fetches a staple for each certificate from the OCSP
// responder it names, and refreshes them in the background.
func (s *server) addAutoStapling() (func(), error) {
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	st := revocation.NewStapler(revocation.StaplerOptions{Logger: s.slogger(level)})
	for _, cert := range s.cfg.Certificates {
		if err := st.Add(cert.Certificate); err != nil {
			return nil, fmt.Errorf("-status: %w (the chain in -cert must hold the issuer after the leaf, as \"gotls cert issue\" writes it; "+
				"for a certificate without a responder, use -status_file)", err)
		}
	}
	// Start fetches once before returning; its failures are retried in
	// the background with backoff, and printed below.
	st.Start()
	for _, ss := range st.Status() {
		s.logf("%s", stapleLine(ss, true))
	}
	if !s.o.quiet {
		level.Set(slog.LevelInfo)
	}
	s.cfg.OCSPStapler = st
	return st.Stop, nil
}

// slogger returns a logger that writes text lines, without timestamps, to
// the server's log.
func (s *server) slogger(level slog.Leveler) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	return slog.New(slog.NewTextHandler(logLines{s.log}, opts))
}

// logLines writes each Write as one line of a lockedWriter.
type logLines struct{ l *lockedWriter }

// Write writes p, one slog record, as a line.
func (w logLines) Write(p []byte) (int, error) {
	w.l.line(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// stapleLine describes one certificate's staple; withRefresh adds when it
// is fetched again.
func stapleLine(ss revocation.StapleStatus, withRefresh bool) string {
	if !ss.Serving {
		why := "no staple yet"
		if ss.LastError != nil {
			why = ss.LastError.Error()
		}
		return fmt.Sprintf("OCSP staple for %s from %s: NONE to serve (%s); next try %s", ss.Subject, ss.Source, why, stamp(ss.NextRefresh))
	}
	line := fmt.Sprintf("OCSP staple for %s from %s: %s, this update %s, next update %s",
		ss.Subject, ss.Source, ss.Status, stamp(ss.ThisUpdate), stamp(ss.NextUpdate))
	if withRefresh {
		line += ", next refresh " + stamp(ss.NextRefresh)
	}
	return line
}

// fileStapler serves the staple in a file, like openssl s_server
// -status_file, and reads the file again when its size or modification
// time changes. A revocation.Stapler checks each version of the file and
// never serves one that has expired.
type fileStapler struct {
	path  string
	chain [][]byte
	logf  func(format string, args ...any)

	mu      sync.Mutex
	stamp   fileStamp
	current *revocation.Stapler
	missing bool
}

// fileStamp tells versions of a file apart.
type fileStamp struct {
	mod  time.Time
	size int64
}

// OCSPStaple returns the file's staple when it is current, for the
// certificate it was set up for.
func (f *fileStapler) OCSPStaple(chain [][]byte) []byte {
	f.reloadIfChanged()
	f.mu.Lock()
	cur := f.current
	f.mu.Unlock()
	if cur == nil {
		return nil
	}
	return cur.OCSPStaple(chain)
}

// reloadIfChanged reads the file again if it changed since last time. A
// version that cannot be used is reported, and the previous one, if any,
// stays in service until it expires.
func (f *fileStapler) reloadIfChanged() {
	fi, err := os.Stat(f.path)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		if !f.missing {
			f.logf("OCSP staple file: %v; serving the previous staple while it is current", err)
		}
		f.missing = true
		return
	}
	f.missing = false
	st := fileStamp{mod: fi.ModTime(), size: fi.Size()}
	if st == f.stamp {
		return
	}
	verb := "loaded"
	if f.stamp != (fileStamp{}) {
		verb = "reloaded"
	}
	f.stamp = st
	next := revocation.NewStapler(revocation.StaplerOptions{})
	err = next.AddFile(f.chain, f.path)
	if err == nil {
		err = next.Refresh(context.Background())
	}
	if err != nil {
		f.logf("OCSP staple file %s not served: %v", f.path, err)
		return
	}
	f.current = next
	for _, ss := range next.Status() {
		f.logf("%s (%s)", stapleLine(ss, false), verb)
	}
}
