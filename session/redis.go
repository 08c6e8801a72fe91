package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// DefaultRedisPrefix is the prefix a RedisStore puts before every key when
// its options name none, so that TLS state can share a Redis database with
// other data.
const DefaultRedisPrefix = "gotls:"

// RedisOptions configures a RedisStore.
type RedisOptions struct {
	// Addr is the server's "host:port", such as "127.0.0.1:6379".
	Addr string
	// URL is a "redis://" or "rediss://" URL with optional user,
	// password and database number; it is used when Addr is empty.
	URL string
	// Prefix is put before every key; empty means DefaultRedisPrefix.
	Prefix string
	// Timeout bounds every call, including dialing and waiting for a
	// pooled connection; zero means DefaultTimeout.
	Timeout time.Duration
	// PoolSize is the number of pooled connections; zero means the
	// go-redis default.
	PoolSize int
	// Client, when set, is used instead of a client built from Addr or
	// URL, for example a cluster or sentinel client; Close leaves it
	// open. Bound its own timeouts as well: the per-call context only
	// helps where the client honours context deadlines.
	Client redis.UniversalClient
}

// RedisStore is a Store kept in Redis, shared by every server that points
// at the same database and prefix. Every call is bounded by the store's
// timeout and is never retried, so a slow or absent Redis costs a caller
// at most about one timeout. It is safe for concurrent use.
//
// go-redis reports failed dials through its process-wide logger; an
// application that wants them elsewhere, or nowhere, calls
// redis.SetLogger.
type RedisStore struct {
	client  redis.UniversalClient
	owned   bool
	prefix  string
	timeout time.Duration
	// noGetDel is set once the server has refused GETDEL (Redis before
	// 6.2); Take then uses takeScript.
	noGetDel atomic.Bool
}

// takeScript gets and deletes a key in one atomic step on servers that
// lack GETDEL.
var takeScript = redis.NewScript(`local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v`)

// NewRedisStore returns a RedisStore for opts. It does not connect: the
// first call does, so a server can start while Redis is down.
func NewRedisStore(opts RedisOptions) (*RedisStore, error) {
	s := &RedisStore{prefix: opts.Prefix, timeout: opts.Timeout}
	if s.prefix == "" {
		s.prefix = DefaultRedisPrefix
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if opts.Client != nil {
		s.client = opts.Client
		return s, nil
	}
	ro, err := redisClientOptions(opts)
	if err != nil {
		return nil, err
	}
	bounded(ro, s.timeout)
	s.client = redis.NewClient(ro)
	s.owned = true
	return s, nil
}

// redisClientOptions builds go-redis options from Addr or URL.
func redisClientOptions(opts RedisOptions) (*redis.Options, error) {
	var ro *redis.Options
	switch {
	case opts.Addr != "":
		ro = &redis.Options{Addr: opts.Addr}
	case opts.URL != "":
		parsed, err := redis.ParseURL(opts.URL)
		if err != nil {
			return nil, fmt.Errorf("session: redis url: %w", err)
		}
		ro = parsed
	default:
		return nil, errors.New("session: redis store needs an address or a url")
	}
	ro.PoolSize = opts.PoolSize
	return ro, nil
}

// bounded sets every timeout of ro to d and turns off what would make a
// call outlast it: retries, dial retries, and features that talk to the
// server in the background.
func bounded(ro *redis.Options, d time.Duration) {
	ro.DialTimeout = d
	ro.ReadTimeout = d
	ro.WriteTimeout = d
	ro.PoolTimeout = d
	ro.ContextTimeoutEnabled = true
	ro.MaxRetries = -1
	ro.DialerRetries = 1
	ro.DisableIdentity = true
	ro.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
}

// Put stores value under key for ttl; a ttl of zero or less means no
// expiry.
func (s *RedisStore) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.Set(ctx, s.prefix+key, value, redisTTL(ttl)).Err(); err != nil {
		return fmt.Errorf("session: redis put: %w", err)
	}
	return nil
}

// Add stores value under key for ttl only if the key is absent (SET NX),
// and reports whether it stored the value.
func (s *RedisStore) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	stored, err := s.client.SetNX(ctx, s.prefix+key, value, redisTTL(ttl)).Result()
	if err != nil {
		return false, fmt.Errorf("session: redis add: %w", err)
	}
	return stored, nil
}

// Get returns the value stored under key, or ErrNotFound.
func (s *RedisStore) Get(ctx context.Context, key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	v, err := s.client.Get(ctx, s.prefix+key).Bytes()
	return redisResult(v, err, "get")
}

// Take atomically returns and deletes the value stored under key, with
// GETDEL, or with a script on servers older than Redis 6.2. It returns
// ErrNotFound when the key is absent.
func (s *RedisStore) Take(ctx context.Context, key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	k := s.prefix + key
	if !s.noGetDel.Load() {
		v, err := s.client.GetDel(ctx, k).Bytes()
		if err == nil || !unknownCommand(err) {
			return redisResult(v, err, "take")
		}
		s.noGetDel.Store(true)
	}
	res, err := takeScript.Run(ctx, s.client, []string{k}).Result()
	if err != nil {
		return redisResult(nil, err, "take")
	}
	switch v := res.(type) {
	case string:
		return []byte(v), nil
	case []byte:
		return v, nil
	default:
		return nil, ErrNotFound
	}
}

// Ping checks that the server answers within the store's timeout.
func (s *RedisStore) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("session: redis ping: %w", err)
	}
	return nil
}

// Close closes the store's connections unless the client came from
// RedisOptions.Client.
func (s *RedisStore) Close() error {
	if !s.owned {
		return nil
	}
	return s.client.Close()
}

// redisTTL maps a Store ttl to a go-redis expiration: zero for none, and
// at least a millisecond, the resolution of Redis expiry.
func redisTTL(ttl time.Duration) time.Duration {
	switch {
	case ttl <= 0:
		return 0
	case ttl < time.Millisecond:
		return time.Millisecond
	default:
		return ttl
	}
}

// redisResult maps a go-redis reply to the Store contract.
func redisResult(v []byte, err error, op string) ([]byte, error) {
	switch {
	case err == nil:
		return v, nil
	case errors.Is(err, redis.Nil):
		return nil, ErrNotFound
	default:
		return nil, fmt.Errorf("session: redis %s: %w", op, err)
	}
}

// unknownCommand reports whether err is the server refusing a command it
// does not know.
func unknownCommand(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && strings.Contains(strings.ToLower(re.Error()), "unknown command")
}
