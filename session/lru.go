package session

import (
	"container/list"
	"sync"
)

// DefaultClientCacheCapacity is the number of sessions an LRUClientCache
// holds when its constructor is given no capacity.
const DefaultClientCacheCapacity = 64

// LRUClientCache is a client-side cache of serialized sessions, keyed by
// whatever names the server (its name or address). When full it drops
// the least recently used session. It is safe for concurrent use.
type LRUClientCache struct {
	capacity int

	mu      sync.Mutex
	entries map[string]*list.Element // of *lruEntry
	order   *list.List               // most recently used first
}

// lruEntry is one cached session.
type lruEntry struct {
	key   string
	value []byte
}

// NewLRUClientCache returns an empty cache that holds at most capacity
// sessions; a capacity of zero or less means DefaultClientCacheCapacity.
func NewLRUClientCache(capacity int) *LRUClientCache {
	if capacity <= 0 {
		capacity = DefaultClientCacheCapacity
	}
	return &LRUClientCache{
		capacity: capacity,
		entries:  make(map[string]*list.Element),
		order:    list.New(),
	}
}

// Get returns a copy of the session cached under key and marks it as the
// most recently used.
func (c *LRUClientCache) Get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	elem, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(elem)
	return append([]byte(nil), elem.Value.(*lruEntry).value...), true
}

// Put caches a copy of value under key as the most recently used session,
// dropping the least recently used one when the cache is full. A nil
// value deletes the entry for key.
func (c *LRUClientCache) Put(key string, value []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if elem, ok := c.entries[key]; ok {
		if value == nil {
			c.order.Remove(elem)
			delete(c.entries, key)
			return
		}
		elem.Value.(*lruEntry).value = append([]byte(nil), value...)
		c.order.MoveToFront(elem)
		return
	}
	if value == nil {
		return
	}
	if c.order.Len() >= c.capacity {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.entries, oldest.Value.(*lruEntry).key)
	}
	entry := &lruEntry{key: key, value: append([]byte(nil), value...)}
	c.entries[key] = c.order.PushFront(entry)
}

// Len returns the number of cached sessions.
func (c *LRUClientCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
