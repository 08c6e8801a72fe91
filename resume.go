package gotls

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"gotls/internal/handshake"
	"gotls/internal/wire"
	"gotls/session"
)

// This file connects the handshake's resumption to the session package:
// a Config's ticket keys and default store, made on first use and shared
// with its clones, and the adapters that bound every store call with
// StoreTimeout and log what fails.

// ClientSessionCache keeps a client's sessions between connections, by
// server name (or address when there is no name). Values are opaque
// encoded sessions, which may be saved to a file and put back later.
// session.LRUClientCache implements it. It must be safe for concurrent
// use.
type ClientSessionCache interface {
	// Get returns the session stored under key.
	Get(key string) ([]byte, bool)
	// Put stores a session under key; a nil value deletes the entry.
	Put(key string, value []byte)
}

// defaultStoreTimeout bounds each session store call when the Config sets
// no StoreTimeout.
const defaultStoreTimeout = 50 * time.Millisecond

// sessionShared is what a Config and its clones share for resumption:
// the ticket keys and the in-memory store used when SessionStore is nil.
type sessionShared struct {
	once   sync.Once
	keys   *session.TicketKeys
	keyErr error
	memory *session.MemoryStore
}

// sharedSessions returns the Config's shared resumption state, creating
// the (still empty) holder on first use.
func (c *Config) sharedSessions() *sessionShared {
	for {
		if s := c.sessions.Load(); s != nil {
			return s
		}
		c.sessions.CompareAndSwap(nil, &sessionShared{})
	}
}

// sessionDefaults returns the shared state with its ticket keys and
// memory store made.
func (c *Config) sessionDefaults() *sessionShared {
	s := c.sharedSessions()
	s.once.Do(func() {
		opts := session.TicketKeyOptions{Clock: c.now(), Rand: c.Rand, Timeout: c.storeTimeout()}
		if c.SessionStore != nil {
			if _, ok := c.SessionStore.(session.Adder); ok {
				opts.Store = c.SessionStore
			} else {
				c.logSession("session store cannot share ticket keys (it does not implement session.Adder); keys stay local")
			}
		}
		s.keys, s.keyErr = session.NewTicketKeys(opts)
		s.memory = session.NewMemoryStore(c.now())
	})
	return s
}

// storeTimeout returns the bound of each session store call.
func (c *Config) storeTimeout() time.Duration {
	if c.StoreTimeout > 0 {
		return c.StoreTimeout
	}
	return defaultStoreTimeout
}

// store returns the session store in use: SessionStore or the Config's
// in-memory one.
func (c *Config) store() session.Store {
	if c.SessionStore != nil {
		return c.SessionStore
	}
	return c.sessionDefaults().memory
}

// SetSessionTicketKeys sets the keys a server seals and opens tickets
// with: the first seals, all open. It turns automatic rotation off, for
// fleets that distribute keys themselves; an empty list turns it back on.
// It is safe to call while the server runs.
func (c *Config) SetSessionTicketKeys(keys [][32]byte) {
	s := c.sessionDefaults()
	if s.keyErr == nil {
		s.keys.SetKeys(keys)
	}
}

// EncryptTicket seals an encoded session state into a ticket with the
// Config's ticket keys. A WrapSession hook may call it to add its own
// layer.
func (c *Config) EncryptTicket(state []byte) ([]byte, error) {
	s := c.sessionDefaults()
	if s.keyErr != nil {
		return nil, s.keyErr
	}
	return s.keys.Seal(state)
}

// DecryptTicket opens a ticket sealed by EncryptTicket, under any key
// still in the rotation window.
func (c *Config) DecryptTicket(ticket []byte) ([]byte, error) {
	s := c.sessionDefaults()
	if s.keyErr != nil {
		return nil, s.keyErr
	}
	return s.keys.Open(ticket)
}

// addResumption fills in the handshake's resumption configuration for
// one connection.
func (c *Config) addResumption(hc *handshake.Config, conn *Conn) {
	hc.SessionTicketsDisabled = c.SessionTicketsDisabled
	hc.TicketLifetime = c.TicketLifetime
	hc.MaxEarlyData = c.MaxEarlyData
	if c.PSKWithoutKeyExchange {
		hc.PSKModes = []wire.PSKKeyExchangeMode{wire.PSKModeDHEKE, wire.PSKModeKE}
	}
	if conn.isClient {
		if c.ClientSessionCache != nil {
			hc.ClientSessions = c.ClientSessionCache
			hc.SessionKey = clientSessionKey(c, conn)
		}
		hc.EarlyData = conn.early
		return
	}
	hc.SessionStore = storeAdapter{c: c, s: c.store()}
	if c.SessionTicketsDisabled {
		return
	}
	hc.TicketSealer = ticketSealer{c}
	if c.WrapSession == nil {
		if s := c.sessionDefaults(); s.keyErr == nil {
			// A ticket is useless once no key opens it.
			lifetime := c.TicketLifetime
			if lifetime <= 0 {
				lifetime = 24 * time.Hour
			}
			hc.TicketLifetime = min(lifetime, s.keys.MaxAge())
		}
	}
}

// clientSessionKey is the key of a client's sessions in its cache: the
// server name, or the server's address when there is none.
func clientSessionKey(c *Config, conn *Conn) string {
	if c.ServerName != "" {
		return c.ServerName
	}
	if conn.conn != nil && conn.conn.RemoteAddr() != nil {
		return conn.conn.RemoteAddr().String()
	}
	return ""
}

// ticketSealer is handshake.TicketSealer over the Config's ticket hooks
// and keys.
type ticketSealer struct{ c *Config }

// Seal turns an encoded session state into a ticket.
func (s ticketSealer) Seal(state []byte) ([]byte, error) {
	if s.c.WrapSession != nil {
		return s.c.WrapSession(state)
	}
	return s.c.EncryptTicket(state)
}

// Open turns a ticket back into an encoded session state.
func (s ticketSealer) Open(ticket []byte) ([]byte, error) {
	if s.c.UnwrapSession == nil {
		return s.c.DecryptTicket(ticket)
	}
	state, err := s.c.UnwrapSession(ticket)
	if err == nil && state == nil {
		err = errors.New("tls: UnwrapSession returned no session")
	}
	return state, err
}

// storeAdapter is handshake.SessionStore over a session.Store: each call
// gets a context bounded by StoreTimeout, and failures other than a miss
// are logged.
type storeAdapter struct {
	c *Config
	s session.Store
}

// Put stores value under key for ttl.
func (a storeAdapter) Put(key string, value []byte, ttl time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), a.c.storeTimeout())
	defer cancel()
	return a.report("put", a.s.Put(ctx, key, value, ttl))
}

// Get returns the value under key.
func (a storeAdapter) Get(key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), a.c.storeTimeout())
	defer cancel()
	v, err := a.s.Get(ctx, key)
	return v, a.report("get", err)
}

// Take returns the value under key and deletes it.
func (a storeAdapter) Take(key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), a.c.storeTimeout())
	defer cancel()
	v, err := a.s.Take(ctx, key)
	return v, a.report("take", err)
}

// report logs a store failure other than a miss and returns err.
func (a storeAdapter) report(op string, err error) error {
	if err != nil && !errors.Is(err, session.ErrNotFound) {
		a.c.logSession("session store call failed; the handshake goes on without it",
			slog.String("op", op), slog.Any("error", err))
	}
	return err
}

// logSession writes a warning about resumption to the Config's Logger.
func (c *Config) logSession(msg string, attrs ...slog.Attr) {
	if c.Logger != nil {
		c.Logger.LogAttrs(context.Background(), slog.LevelWarn, msg, attrs...)
	}
}
