package session

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by Get and Take when the key is absent or its
// entry has expired.
var ErrNotFound = errors.New("session: not found")

// DefaultTimeout bounds each call of a store that talks to another process
// when its options name no timeout. It is short on purpose: a handshake
// that waits longer than this for a store is better off as a full
// handshake.
const DefaultTimeout = 50 * time.Millisecond

// Store is a key-value store with expiry, shared by the servers that must
// resume each other's sessions. Implementations bound every call by their
// own timeout as well as by the context, and are safe for concurrent use.
type Store interface {
	// Put stores value under key for ttl; a ttl of zero or less means the
	// entry does not expire. An existing entry is replaced.
	Put(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Get returns the value stored under key, or ErrNotFound when the key
	// is absent or expired.
	Get(ctx context.Context, key string) ([]byte, error)
	// Take atomically returns and deletes the value stored under key, or
	// returns ErrNotFound when the key is absent or expired. Of several
	// concurrent Takes of one key, at most one returns the value.
	Take(ctx context.Context, key string) ([]byte, error)
}

// Adder is implemented by stores that can store a value only when its key
// is absent, in one atomic step. TicketKeys uses it so that the servers of
// a fleet agree on one key per rotation period.
type Adder interface {
	// Add stores value under key for ttl only if no live entry exists for
	// key, and reports whether it stored the value.
	Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
}
