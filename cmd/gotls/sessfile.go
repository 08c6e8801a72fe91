package main

import (
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"gotls"
	"gotls/internal/handshake"
	"gotls/internal/wire"
)

// This file is connect's client session cache: the sessions that
// -reconnect reuses, that -sess_out saves to a file and -sess_in loads
// from one. A saved session is the library's opaque encoded session,
// PEM-armoured under a gotls-specific type: it is not interchangeable with
// openssl's "SSL SESSION PARAMETERS" files.

// sessionPEMType is the PEM block type of a saved session.
const sessionPEMType = "GOTLS SESSION"

// openSSLSessionPEMType is the block type openssl's -sess_out writes.
const openSSLSessionPEMType = "SSL SESSION PARAMETERS"

// maxSessionFile bounds what -sess_in reads: an encoded session holds the
// server's certificate chains, which the library caps at 1 MiB, and
// base64 adds a third.
const maxSessionFile = 2 << 20

// sessionCache is a gotls.ClientSessionCache with a single slot, since
// connect talks to one server: whatever the handshake stores replaces
// the slot and, with -sess_out, is written to the file at once. The key
// is not compared: the handshake itself declines a session made for
// another server name.
type sessionCache struct {
	mu      sync.Mutex
	value   []byte
	stored  int
	outPath string
	saveErr error
	// notify, when set, is called after each stored session, outside
	// the lock, from the goroutine that runs the handshake or Read.
	notify func()
}

var _ gotls.ClientSessionCache = (*sessionCache)(nil)

// Get returns the session in the slot.
func (s *sessionCache) Get(string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.value, s.value != nil
}

// Put replaces the session in the slot and saves it with -sess_out; a nil
// value empties the slot but leaves the file alone.
func (s *sessionCache) Put(_ string, value []byte) {
	s.mu.Lock()
	if value == nil {
		s.value = nil
		s.mu.Unlock()
		return
	}
	s.value = append([]byte(nil), value...)
	s.stored++
	if s.outPath != "" {
		s.saveErr = writeSessionFile(s.outPath, s.value)
	}
	notify := s.notify
	s.mu.Unlock()
	if notify != nil {
		notify()
	}
}

// load puts a session into the slot without counting it as stored.
func (s *sessionCache) load(value []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.value = value
}

// count returns how many sessions the handshakes stored so far.
func (s *sessionCache) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stored
}

// current returns the session in the slot, or nil.
func (s *sessionCache) current() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.value
}

// setNotify sets the function called after each stored session.
func (s *sessionCache) setNotify(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notify = f
}

// lastSaveError returns the error of the latest write of -sess_out.
func (s *sessionCache) lastSaveError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveErr
}

// encodeSession armours an encoded session as PEM. The headers repeat a
// few fields for people reading the file; loading ignores them.
func encodeSession(value []byte) []byte {
	block := &pem.Block{Type: sessionPEMType, Bytes: value}
	if st, err := handshake.ParseSessionState(value); err == nil {
		block.Headers = map[string]string{
			"Protocol":       gotls.VersionName(uint16(st.Version)),
			"Cipher":         gotls.CipherSuiteName(uint16(st.CipherSuite)),
			"Server-Name":    orNone(st.ServerName),
			"Received":       st.CreatedAt.UTC().Format(time.RFC3339),
			"Lifetime":       strconv.FormatUint(uint64(st.Lifetime), 10) + "s",
			"Max-Early-Data": strconv.FormatUint(uint64(st.MaxEarlyData), 10),
		}
	}
	return pem.EncodeToMemory(block)
}

// writeSessionFile saves a session to path, readable by the owner only
// since it holds the secret to resume the session. It writes a temporary
// file and renames it, so that the file is never seen half written.
func writeSessionFile(path string, value []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".gotls-session-*")
	if err != nil {
		return err
	}
	_, err = f.Write(encodeSession(value))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// loadSessionFile reads a session saved by -sess_out.
func loadSessionFile(path string) ([]byte, *handshake.SessionState, error) {
	data, err := readFileLimited(path, maxSessionFile)
	if err != nil {
		return nil, nil, err
	}
	return parseSessionPEM(path, data)
}

// readFileLimited reads the file at path, refusing one larger than limit
// bytes without reading more than limit+1.
func readFileLimited(path string, limit int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return data, nil
}

// parseSessionPEM decodes the first PEM block of a session file.
func parseSessionPEM(path string, data []byte) ([]byte, *handshake.SessionState, error) {
	block, _ := pem.Decode(data)
	switch {
	case block == nil:
		return nil, nil, fmt.Errorf("%s: no %q PEM block (write one with gotls connect -sess_out)", path, sessionPEMType)
	case block.Type == openSSLSessionPEMType:
		return nil, nil, fmt.Errorf("%s: an openssl session file; gotls reads only its own %q files", path, sessionPEMType)
	case block.Type != sessionPEMType:
		return nil, nil, fmt.Errorf("%s: PEM block %q, want %q", path, block.Type, sessionPEMType)
	}
	st, err := handshake.ParseSessionState(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if !st.Client {
		return nil, nil, fmt.Errorf("%s: a server's session state, not a client's", path)
	}
	return block.Bytes, st, nil
}

// describeSession says in one line what a saved session is and whether
// it can still be used at now.
func describeSession(st *handshake.SessionState, now time.Time) string {
	p := []string{
		gotls.VersionName(uint16(st.Version)),
		gotls.CipherSuiteName(uint16(st.CipherSuite)),
		"server name " + orNone(st.ServerName),
	}
	switch {
	case len(st.Ticket) > 0:
		p = append(p, fmt.Sprintf("ticket of %d bytes", len(st.Ticket)))
	case len(st.SessionID) > 0:
		p = append(p, "session ID")
	}
	age := now.Sub(st.CreatedAt).Round(time.Second)
	left := st.CreatedAt.Add(time.Duration(st.Lifetime) * time.Second).Sub(now).Round(time.Second)
	if left > 0 {
		p = append(p, fmt.Sprintf("received %s ago, resumable for %s more", age, left))
	} else {
		p = append(p, fmt.Sprintf("received %s ago, EXPIRED (lifetime %ds): a full handshake follows", age, st.Lifetime))
	}
	if st.Version == wire.VersionTLS13 {
		if st.MaxEarlyData > 0 {
			p = append(p, fmt.Sprintf("0-RTT up to %d bytes", st.MaxEarlyData))
		} else {
			p = append(p, "no 0-RTT")
		}
	}
	return strings.Join(p, ", ")
}

// sniName is the server name a client session is bound to for a
// configured ServerName: none for an IP address, which is not sent.
func sniName(name string) string {
	host := strings.TrimSuffix(strings.TrimPrefix(name, "["), "]")
	if _, err := netip.ParseAddr(host); err == nil {
		return ""
	}
	return strings.TrimSuffix(name, ".")
}

// maxEarlyDataFile bounds -early_data: far above any server's limit, and
// a file larger than its ticket allows is not sent at all.
const maxEarlyDataFile = 1 << 20

// readEarlyData reads the -early_data file.
func readEarlyData(path string) ([]byte, error) {
	data, err := readFileLimited(path, maxEarlyDataFile)
	switch {
	case err != nil:
		return nil, err
	case len(data) == 0:
		return nil, errors.New(path + ": empty: there is no early data to send")
	}
	return data, nil
}
