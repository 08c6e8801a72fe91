package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"gotls"
	"gotls/internal/handshake"
	"gotls/internal/wire"
)

// This file is connect's side of resumption and 0-RTT: -reconnect,
// -sess_out, -sess_in and -early_data.

// reconnections is how many times -reconnect connects again after the
// first connection, as openssl s_client -reconnect does.
const reconnections = 5

// ticketWait bounds how long connect reads a TLS 1.3 connection it is
// about to drop, waiting for the server's NewSessionTicket, which comes
// after the handshake. Tests shorten it.
var ticketWait = time.Second

// earlyDataStep is the step the handshake reports when it sends 0-RTT
// data; the trace is the only place that says the data left.
const earlyDataStep = "send early data"

// resumeFlags are connect's resumption flags.
type resumeFlags struct {
	reconnect bool
	sessIn    string
	sessOut   string
	earlyData string
	noTicket  bool
	noDHE     bool
}

// register adds the resumption flags to fs.
func (r *resumeFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&r.reconnect, "reconnect", false, fmt.Sprintf("connect, then reconnect %d times with the session of the previous connection, printing New or Reused for each; "+
		"only the last connection carries stdin and the server's data. The exit status is 0 when every handshake succeeded and verified, "+
		"even when the server resumed none (as with openssl s_client): look for the \"Reused N/%d\" line, which is a WARNING below %d/%d", reconnections, reconnections, reconnections, reconnections))
	fs.StringVar(&r.sessOut, "sess_out", "", "save the session the server gives (TLS 1.3 ticket, TLS 1.2 ticket or session ID) to `FILE` as a \"GOTLS SESSION\" PEM block, "+
		"readable by the owner only: it holds the secret to resume the session. Without one, a warning and exit status 0")
	fs.StringVar(&r.sessIn, "sess_in", "", "resume the session saved in `FILE` by -sess_out (not an openssl session file)")
	fs.StringVar(&r.earlyData, "early_data", "", "send the contents of `FILE` as TLS 1.3 0-RTT data, with the session of -sess_in or -reconnect (then on the last connection); "+
		"prints whether the server accepted it. Rejected early data is not resent: the exit status stays 0")
	fs.BoolVar(&r.noTicket, "no_ticket", false, "offer and accept no session tickets: TLS 1.2 resumes by session ID only, TLS 1.3 does not resume")
	fs.BoolVar(&r.noDHE, "allow_no_dhe_kex", false, "also offer TLS 1.3 resumption without a key exchange (psk_ke): no forward secrecy for the resumed connection")
}

// check validates the resumption flags together with the version flags.
func (r *resumeFlags) check(o *commonFlags) error {
	if r.earlyData == "" {
		return nil
	}
	switch {
	case r.sessIn == "" && !r.reconnect:
		return errors.New("-early_data needs a session to resume: add -sess_in FILE or -reconnect")
	case o.tls12 || o.noTLS13:
		return errors.New("-early_data is TLS 1.3 only: drop -tls1_2 or -no_tls1_3")
	case r.noTicket:
		return errors.New("-early_data needs a TLS 1.3 ticket, which -no_ticket refuses")
	}
	return nil
}

// used reports whether any flag needs a session cache.
func (r *resumeFlags) used() bool {
	return r.reconnect || r.sessIn != "" || r.sessOut != ""
}

// configSessions sets up the session cache, loads -sess_in and reads
// -early_data.
func (c *client) configSessions(cfg *gotls.Config) error {
	r := &c.o.resume
	cfg.SessionTicketsDisabled, cfg.PSKWithoutKeyExchange = r.noTicket, r.noDHE
	if !r.used() {
		return nil
	}
	c.cache = &sessionCache{outPath: r.sessOut}
	cfg.ClientSessionCache = c.cache
	if r.sessIn != "" {
		value, st, err := loadSessionFile(r.sessIn)
		if err != nil {
			return err
		}
		c.cache.load(value)
		if !c.o.quiet {
			fmt.Fprintf(c.e.stderr, "session loaded from %s: %s\n", r.sessIn, describeSession(st, time.Now()))
		}
		if note := nameMismatch(st.ServerName, sniName(cfg.ServerName)); note != "" {
			fmt.Fprintf(c.e.stderr, "gotls connect: warning: %s\n", note)
		}
	}
	if r.earlyData != "" {
		data, err := readEarlyData(r.earlyData)
		if err != nil {
			return err
		}
		c.early = data
	}
	return nil
}

// nameMismatch explains why a session made for server name have will not
// be offered on a connection for want, or returns "" when they match.
func nameMismatch(have, want string) string {
	switch {
	case have == want:
		return ""
	case want == "":
		return fmt.Sprintf("the session is for server name %s, and this connection sends none (-connect names an IP address): "+
			"add -servername %s to resume it", have, have)
	case have == "":
		return fmt.Sprintf("the session was made without a server name, and this connection is for %s: it will not be offered", want)
	}
	return fmt.Sprintf("the session is for server name %s, not %s: it will not be offered", have, want)
}

// verified reports whether a connection's server would pass
// verification: verified, or with -insecure, would have been.
func (c *client) verified(info connInfo) bool {
	return info.verifiedRoot() != "" || (c.o.insecure && c.insecureNote == "would pass")
}

// warmUp runs the connections that -reconnect drops: the first one and
// every reconnection but the last, which run keeps for the data. It
// returns how many of them resumed; on a failed handshake it returns
// false.
func (c *client) warmUp(ctx context.Context, cfg *gotls.Config) (int, bool) {
	reused := 0
	for i := range reconnections {
		before := c.cache.count()
		conn, err := c.dial(ctx, cfg, false)
		if err != nil {
			c.reportHandshakeError(err)
			c.reportRevocation(conn, err)
			return reused, false
		}
		info := infoOf(conn)
		if info.didResume {
			reused++
		}
		note := c.awaitSession(conn, before)
		conn.Close()
		if !c.verified(info) {
			c.unverified = true
		}
		if !c.o.quiet {
			fmt.Fprintf(c.e.stderr, "connection %d of %d: %s; %s; dropped\n", i+1, reconnections+1,
				info.brief(c.o.insecure, c.insecureNote), note)
		}
	}
	return reused, true
}

// awaitSession waits, on a TLS 1.3 connection, for a session ticket
// stored after the handshake, reading (and discarding) what the server
// sends for at most ticketWait. before is the cache's count before the
// handshake. It returns a note on the session kept.
func (c *client) awaitSession(conn *gotls.Conn, before int) string {
	if c.cache.count() == before && conn.ConnectionState().Version == gotls.VersionTLS13 {
		// A stored ticket ends the wait at once: Read is blocked on the
		// socket, and a deadline in the past wakes it.
		c.cache.setNotify(func() { conn.SetReadDeadline(time.Now()) })
		conn.SetReadDeadline(time.Now().Add(ticketWait))
		buf := make([]byte, 4096)
		for c.cache.count() == before {
			if _, err := conn.Read(buf); err != nil {
				break
			}
		}
		c.cache.setNotify(nil)
		conn.SetReadDeadline(time.Time{})
	}
	switch {
	case c.cache.count() > before:
		return "new session kept: " + sessionKind(c.cache.current())
	case c.cache.current() != nil:
		return "no new session; the cached one is kept"
	case conn.ConnectionState().Version == gotls.VersionTLS13:
		return fmt.Sprintf("NO session ticket within %s", ticketWait)
	}
	return "NO session to keep (the server sent neither a ticket nor a session ID)"
}

// sessionKind names what a cached session resumes with.
func sessionKind(value []byte) string {
	st, err := handshake.ParseSessionState(value)
	switch {
	case err != nil:
		return "unreadable"
	case st.Version == wire.VersionTLS13 && st.MaxEarlyData > 0:
		return fmt.Sprintf("TLS 1.3 ticket, 0-RTT up to %d bytes", st.MaxEarlyData)
	case st.Version == wire.VersionTLS13:
		return "TLS 1.3 ticket"
	case len(st.Ticket) > 0:
		return "TLS 1.2 session ticket"
	}
	return "TLS 1.2 session ID"
}

// reportReconnects prints the tally of -reconnect: a WARNING, even with
// -quiet, when the server did not resume every reconnection.
func (c *client) reportReconnects(info connInfo, reused int) {
	if !c.o.quiet {
		fmt.Fprintf(c.e.stderr, "connection %d of %d: %s\n", reconnections+1, reconnections+1, info.brief(c.o.insecure, c.insecureNote))
	}
	if reused == reconnections {
		if !c.o.quiet {
			fmt.Fprintf(c.e.stderr, "Reused %d/%d reconnections\n", reused, reconnections)
		}
		return
	}
	fmt.Fprintf(c.e.stderr, "WARNING: Reused %d/%d reconnections: the server did not resume %d of them "+
		"(it may issue no tickets, keep no sessions, or refuse them); the exit status does not depend on it, as with openssl s_client -reconnect\n",
		reused, reconnections, reconnections-reused)
}

// reportEarlyData says what became of -early_data and returns it in a
// word or two for the summary line.
func (c *client) reportEarlyData(conn *gotls.Conn) string {
	if c.early == nil {
		return ""
	}
	var line, short string
	switch {
	case conn.EarlyDataAccepted():
		line = fmt.Sprintf("Early data was accepted (%d bytes)", len(c.early))
		short = "accepted"
	case c.earlySent.Load():
		line = fmt.Sprintf("Early data was rejected: the server read none of its %d bytes; gotls does not send it again (as with openssl s_client)", len(c.early))
		short = "rejected"
	default:
		line = "Early data was not sent: " + notSentReason(c.offered, len(c.early))
		short = "not sent"
	}
	if !c.o.quiet {
		fmt.Fprintln(c.e.stderr, line)
	}
	return short
}

// notSentReason explains why early data of n bytes was not sent with the
// session offered.
func notSentReason(offered []byte, n int) string {
	if offered == nil {
		return "there was no session to resume"
	}
	st, err := handshake.ParseSessionState(offered)
	switch {
	case err != nil:
		return "the session could not be read"
	case st.Version != wire.VersionTLS13:
		return "the session is " + gotls.VersionName(uint16(st.Version)) + ", and 0-RTT exists only in TLS 1.3"
	case st.MaxEarlyData == 0:
		return "the session's ticket allows no 0-RTT data (is the server run with -early_data?)"
	case uint64(n) > uint64(st.MaxEarlyData):
		return fmt.Sprintf("%d bytes exceed the %d the session's ticket allows", n, st.MaxEarlyData)
	}
	return "the session could not be offered (expired, another server name, or a cipher suite or ALPN protocol that does not match)"
}

// reportSaved says what -sess_out holds at the end. It returns false
// when the file could not be written.
func (c *client) reportSaved() bool {
	path := c.o.resume.sessOut
	if path == "" {
		return true
	}
	if err := c.cache.lastSaveError(); err != nil {
		fmt.Fprintf(c.e.stderr, "gotls connect: -sess_out: %v\n", err)
		return false
	}
	if c.cache.count() == 0 {
		fmt.Fprintf(c.e.stderr, "gotls connect: warning: no session to save in %s: the server sent no session ticket or session ID\n", path)
		return true
	}
	if !c.o.quiet {
		if st, err := handshake.ParseSessionState(c.cache.current()); err == nil {
			fmt.Fprintf(c.e.stderr, "session saved to %s: %s\n", path, describeSession(st, time.Now()))
		}
	}
	return true
}
