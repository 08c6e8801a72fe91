package session

import (
	"container/heap"
	"container/list"
	"context"
	"sync"
	"time"
)

// DefaultMemoryStoreCapacity is the number of entries a MemoryStore holds
// when its constructor is given no capacity.
const DefaultMemoryStoreCapacity = 1 << 16

// sweepBudget is how many expired entries one Put removes at most, so that
// expired entries leave memory without a background goroutine.
const sweepBudget = 16

// MemoryStore is a Store that lives in one process. It holds at most a
// fixed number of entries: when full, it drops an expired entry if there
// is one and otherwise the least recently used. Expiry is lazy, checked on
// access and swept a little on every Put, so the store starts no
// goroutines. It is safe for concurrent use.
type MemoryStore struct {
	clock    func() time.Time
	capacity int

	mu      sync.Mutex
	entries map[string]*memEntry
	lru     *list.List // of *memEntry, most recently used first
	expiry  expiryHeap // entries that expire, soonest first
}

// memEntry is one stored value with its place in the LRU list and in the
// expiry heap.
type memEntry struct {
	key       string
	value     []byte
	expires   time.Time // zero when the entry never expires
	elem      *list.Element
	heapIndex int // -1 when not in the expiry heap
}

// NewMemoryStore returns an empty MemoryStore of DefaultMemoryStoreCapacity
// entries that reads the time from clock, or from time.Now when clock is
// nil.
func NewMemoryStore(clock func() time.Time) *MemoryStore {
	return NewMemoryStoreSize(clock, DefaultMemoryStoreCapacity)
}

// NewMemoryStoreSize is like NewMemoryStore but holds at most capacity
// entries; a capacity of zero or less means DefaultMemoryStoreCapacity.
func NewMemoryStoreSize(clock func() time.Time, capacity int) *MemoryStore {
	if clock == nil {
		clock = time.Now
	}
	if capacity <= 0 {
		capacity = DefaultMemoryStoreCapacity
	}
	return &MemoryStore{
		clock:    clock,
		capacity: capacity,
		entries:  make(map[string]*memEntry),
		lru:      list.New(),
	}
}

// Put stores a copy of value under key for ttl, replacing any entry for
// key; a ttl of zero or less means the entry does not expire.
func (s *MemoryStore) Put(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	if e := s.entries[key]; e != nil {
		s.remove(e)
	}
	s.insert(now, key, value, ttl)
	return nil
}

// Add stores a copy of value under key for ttl unless a live entry exists
// for key, and reports whether it stored the value.
func (s *MemoryStore) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	if e := s.entries[key]; e != nil {
		if !e.expired(now) {
			return false, nil
		}
		s.remove(e)
	}
	s.insert(now, key, value, ttl)
	return true, nil
}

// Get returns a copy of the value stored under key, or ErrNotFound.
func (s *MemoryStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(key)
	if e == nil {
		return nil, ErrNotFound
	}
	s.lru.MoveToFront(e.elem)
	return append([]byte(nil), e.value...), nil
}

// Take returns the value stored under key and deletes the entry, or
// returns ErrNotFound. The store's lock makes it atomic.
func (s *MemoryStore) Take(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.live(key)
	if e == nil {
		return nil, ErrNotFound
	}
	s.remove(e)
	return e.value, nil
}

// Len returns the number of entries held, including expired entries that
// have not been swept yet.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// live returns the entry for key if it exists and has not expired,
// removing it if it has. The caller holds s.mu.
func (s *MemoryStore) live(key string) *memEntry {
	e := s.entries[key]
	if e == nil {
		return nil
	}
	if e.expired(s.clock()) {
		s.remove(e)
		return nil
	}
	return e
}

// insert adds a new entry for key, which must be absent, making room
// first. The caller holds s.mu.
func (s *MemoryStore) insert(now time.Time, key string, value []byte, ttl time.Duration) {
	s.sweep(now, sweepBudget)
	for len(s.entries) >= s.capacity {
		s.evictOne(now)
	}
	e := &memEntry{key: key, value: append([]byte(nil), value...), heapIndex: -1}
	if ttl > 0 {
		e.expires = now.Add(ttl)
		heap.Push(&s.expiry, e)
	}
	e.elem = s.lru.PushFront(e)
	s.entries[key] = e
}

// sweep removes up to budget expired entries, soonest expiry first. The
// caller holds s.mu.
func (s *MemoryStore) sweep(now time.Time, budget int) {
	for ; budget > 0 && len(s.expiry) > 0 && s.expiry[0].expired(now); budget-- {
		s.remove(s.expiry[0])
	}
}

// evictOne removes an expired entry if one exists, and otherwise the least
// recently used entry. The caller holds s.mu.
func (s *MemoryStore) evictOne(now time.Time) {
	if len(s.expiry) > 0 && s.expiry[0].expired(now) {
		s.remove(s.expiry[0])
		return
	}
	s.remove(s.lru.Back().Value.(*memEntry))
}

// remove deletes e from the map, the LRU list and the expiry heap. The
// caller holds s.mu.
func (s *MemoryStore) remove(e *memEntry) {
	delete(s.entries, e.key)
	s.lru.Remove(e.elem)
	if e.heapIndex >= 0 {
		heap.Remove(&s.expiry, e.heapIndex)
	}
}

// expired reports whether e has expired at now.
func (e *memEntry) expired(now time.Time) bool {
	return !e.expires.IsZero() && !now.Before(e.expires)
}

// expiryHeap is a min-heap of entries ordered by expiry time; it keeps
// each entry's heapIndex current so entries can be removed from the middle.
type expiryHeap []*memEntry

// Len returns the number of entries in the heap.
func (h expiryHeap) Len() int { return len(h) }

// Less orders entries by expiry time, soonest first.
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }

// Swap exchanges two entries and updates their indices.
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex = i
	h[j].heapIndex = j
}

// Push appends an entry; container/heap calls it.
func (h *expiryHeap) Push(x any) {
	e := x.(*memEntry)
	e.heapIndex = len(*h)
	*h = append(*h, e)
}

// Pop removes the last entry; container/heap calls it.
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	e.heapIndex = -1
	*h = old[:len(old)-1]
	return e
}
