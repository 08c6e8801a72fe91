package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"gotls/session"
)

// This file is serve's side of resumption and 0-RTT: the session store,
// tickets, and early data.

// Defaults and bounds of serve's resumption flags.
const (
	// defaultMaxEarlyData is the 0-RTT limit of -early_data, as in
	// openssl s_server.
	defaultMaxEarlyData = 16384
	// maxTicketLifetime is the longest ticket lifetime RFC 8446 allows.
	maxTicketLifetime = 7 * 24 * time.Hour
	// storePingTimeout bounds the check that the store answers at start.
	storePingTimeout = time.Second
	// maxLoggedEarlyData bounds how much early data the log quotes.
	maxLoggedEarlyData = 256
	// memoryStore is the -store value of the in-memory store.
	memoryStore = "memory"
)

// serveResumeFlags are serve's resumption flags.
type serveResumeFlags struct {
	earlyData      bool
	maxEarlyData   int64
	store          string
	storeTimeout   time.Duration
	noTicket       bool
	ticketLifetime string
	noDHE          bool
}

// register adds the resumption flags to fs.
func (r *serveResumeFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&r.earlyData, "early_data", false, fmt.Sprintf("accept TLS 1.3 0-RTT data, up to %d bytes per ticket unless -max_early_data says otherwise; "+
		"each ticket's early data is accepted once (a single-use record in the -store). Early data is logged; the echo server echoes it first, "+
		"-www reads the request from it", defaultMaxEarlyData))
	fs.Int64Var(&r.maxEarlyData, "max_early_data", 0, "accept up to `N` bytes of 0-RTT data per ticket (implies -early_data)")
	fs.StringVar(&r.store, "store", memoryStore, "session store `URL`: memory (this process only), or redis://HOST:PORT[/DB] (or rediss://) "+
		"to share ticket keys, TLS 1.2 session IDs and 0-RTT single-use records with every server using the same Redis")
	fs.DurationVar(&r.storeTimeout, "store_timeout", 50*time.Millisecond, "bound each session store call by `DURATION`; a store that fails or times out costs a full handshake, never a failed one")
	fs.BoolVar(&r.noTicket, "no_ticket", false, "issue and accept no session tickets: TLS 1.2 resumes by session ID (kept in the -store), TLS 1.3 does not resume")
	fs.StringVar(&r.ticketLifetime, "ticket_lifetime", "", "how long tickets and sessions can be resumed: a `DURATION` such as 2h, or seconds; default 24h, at most 7 days")
	fs.BoolVar(&r.noDHE, "allow_no_dhe_kex", false, "also accept TLS 1.3 resumption without a key exchange (psk_ke), when the client offers it")
}

// check validates the resumption flags together with the version flags.
func (r *serveResumeFlags) check(o *commonFlags) error {
	switch {
	case r.maxEarlyData < 0 || r.maxEarlyData > 1<<32-1:
		return fmt.Errorf("-max_early_data %d is not a number from 0 to %d", r.maxEarlyData, uint32(1<<32-1))
	case (r.earlyData || r.maxEarlyData > 0) && (o.tls12 || o.noTLS13):
		return errors.New("-early_data is TLS 1.3 only: drop -tls1_2 or -no_tls1_3")
	case (r.earlyData || r.maxEarlyData > 0) && r.noTicket:
		return errors.New("-early_data needs TLS 1.3 tickets, which -no_ticket turns off")
	case r.storeTimeout <= 0:
		return errors.New("-store_timeout must be positive")
	}
	if _, err := parseTicketLifetime(r.ticketLifetime); err != nil {
		return err
	}
	return checkStore(r.store)
}

// checkStore validates a -store value.
func checkStore(s string) error {
	if s == memoryStore {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return fmt.Errorf("bad -store %q: want memory or redis://HOST:PORT", s)
	}
	return nil
}

// parseTicketLifetime parses -ticket_lifetime: a Go duration or a number
// of seconds; "" means the library's default.
func parseTicketLifetime(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if n, nerr := strconv.ParseUint(s, 10, 32); nerr == nil {
		d, err = time.Duration(n)*time.Second, nil
	}
	switch {
	case err != nil:
		return 0, fmt.Errorf("bad -ticket_lifetime %q: want a duration such as 2h, or seconds", s)
	case d <= 0 || d > maxTicketLifetime:
		return 0, fmt.Errorf("-ticket_lifetime %s is not between 1s and 7 days (RFC 8446, Section 4.6.1)", d)
	}
	return d, nil
}

// configureResumption applies the resumption flags to the Config and
// opens the session store. The returned function closes the store.
func (s *server) configureResumption(ctx context.Context) (func(), error) {
	r, cfg := &s.o.resume, s.cfg
	cfg.SessionTicketsDisabled, cfg.PSKWithoutKeyExchange = r.noTicket, r.noDHE
	cfg.StoreTimeout = r.storeTimeout
	cfg.TicketLifetime, _ = parseTicketLifetime(r.ticketLifetime)
	switch {
	case r.maxEarlyData > 0:
		cfg.MaxEarlyData = uint32(r.maxEarlyData)
	case r.earlyData:
		cfg.MaxEarlyData = defaultMaxEarlyData
	}
	// The library reports store failures as warnings: they belong in the
	// log, even with -quiet.
	cfg.Logger = s.slogger(slog.LevelWarn)
	if r.store == memoryStore {
		if cfg.MaxEarlyData > 0 && !s.o.quiet {
			s.logf("0-RTT: up to %d bytes per ticket, each ticket once; the in-memory store knows only this process's tickets", cfg.MaxEarlyData)
		}
		return func() {}, nil
	}
	return s.openRedis(ctx)
}

// openRedis opens the -store Redis and checks that it answers. A Redis
// that does not answer is no reason to stop: handshakes go on without
// it, and it is used again as soon as it answers.
func (s *server) openRedis(ctx context.Context) (func(), error) {
	r := &s.o.resume
	rs, err := session.NewRedisStore(session.RedisOptions{URL: r.store, Timeout: r.storeTimeout})
	if err != nil {
		return nil, err
	}
	s.cfg.SessionStore = rs
	// The library's warnings say in the server's log what go-redis would
	// print of failed dials on the process's stderr.
	redis.SetLogger(silentRedisLog{})
	name := redactedURL(r.store)
	if err := pingStore(ctx, rs); err != nil {
		s.logf("warning: session store %s does not answer (%v): until it does, this server's tickets resume only here, "+
			"TLS 1.2 session IDs are not kept and 0-RTT is refused; no handshake fails for it", name, err)
	} else if !s.o.quiet {
		s.logf("session store %s: ticket keys, TLS 1.2 session IDs and 0-RTT single-use records are shared with the servers using it", name)
	}
	return func() { rs.Close() }, nil
}

// pingStore asks the store to answer. Each ping is bounded by the
// store's short timeout, which a first connection may exceed on a busy
// machine, so pings that time out are tried again for up to
// storePingTimeout; a refusal is final.
func pingStore(ctx context.Context, rs *session.RedisStore) error {
	ctx, cancel := context.WithTimeout(ctx, storePingTimeout)
	defer cancel()
	for {
		err := rs.Ping(ctx)
		if err == nil || ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// silentRedisLog discards go-redis's log messages.
type silentRedisLog struct{}

// Printf discards a message.
func (silentRedisLog) Printf(context.Context, string, ...any) {}

// redactedURL returns a store URL without its password, for the log.
func redactedURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(bad URL)"
	}
	return u.Redacted()
}

// noteEarlyData logs the early data a connection delivered and returns
// the words for its summary, or "" when there was none.
func (s *server) noteEarlyData(peer string, early []byte) string {
	if len(early) == 0 {
		return ""
	}
	shown := early[:min(len(early), maxLoggedEarlyData)]
	more := ""
	if len(shown) < len(early) {
		more = fmt.Sprintf(" (first %d bytes)", len(shown))
	}
	s.logf("%s: early data (0-RTT, may be a replay): %d bytes%s: %q", peer, len(early), more, shown)
	return fmt.Sprintf("accepted, %d bytes", len(early))
}
