package session

import (
	"fmt"
	"sync"
	"testing"
)

func TestLRUClientCache(t *testing.T) {
	type op struct {
		put   bool
		key   string
		value string // "" with put deletes
	}
	put := func(k, v string) op { return op{put: true, key: k, value: v} }
	get := func(k string) op { return op{key: k} }
	tests := []struct {
		name    string
		ops     []op
		present map[string]string
		absent  []string
	}{
		{
			name:    "oldest goes first",
			ops:     []op{put("a", "1"), put("b", "2"), put("c", "3"), put("d", "4")},
			present: map[string]string{"b": "2", "c": "3", "d": "4"},
			absent:  []string{"a"},
		},
		{
			name:    "get refreshes",
			ops:     []op{put("a", "1"), put("b", "2"), put("c", "3"), get("a"), put("d", "4")},
			present: map[string]string{"a": "1", "c": "3", "d": "4"},
			absent:  []string{"b"},
		},
		{
			name:    "put refreshes and replaces",
			ops:     []op{put("a", "1"), put("b", "2"), put("c", "3"), put("a", "9"), put("d", "4")},
			present: map[string]string{"a": "9", "c": "3", "d": "4"},
			absent:  []string{"b"},
		},
		{
			name:    "nil deletes and frees room",
			ops:     []op{put("a", "1"), put("b", "2"), put("c", "3"), put("b", ""), put("d", "4")},
			present: map[string]string{"a": "1", "c": "3", "d": "4"},
			absent:  []string{"b"},
		},
		{
			name:    "deleting an absent key",
			ops:     []op{put("a", "1"), put("z", "")},
			present: map[string]string{"a": "1"},
			absent:  []string{"z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewLRUClientCache(3)
			for _, o := range tt.ops {
				switch {
				case o.put && o.value == "":
					c.Put(o.key, nil)
				case o.put:
					c.Put(o.key, []byte(o.value))
				default:
					c.Get(o.key)
				}
			}
			if c.Len() != len(tt.present) {
				t.Errorf("Len = %d, want %d", c.Len(), len(tt.present))
			}
			for k, want := range tt.present {
				if got, ok := c.Get(k); !ok || string(got) != want {
					t.Errorf("Get(%s) = %q, %v; want %q", k, got, ok, want)
				}
			}
			for _, k := range tt.absent {
				if _, ok := c.Get(k); ok {
					t.Errorf("Get(%s) found an evicted or deleted session", k)
				}
			}
		})
	}
}

func TestLRUClientCacheCopiesAndDefaults(t *testing.T) {
	c := NewLRUClientCache(0)
	v := []byte("session")
	c.Put("k", v)
	v[0] = 'X'
	got, _ := c.Get("k")
	got[1] = 'Y'
	if again, _ := c.Get("k"); string(again) != "session" {
		t.Fatalf("cached value changed through a caller's slice: %q", again)
	}
	for i := range DefaultClientCacheCapacity + 10 {
		c.Put(fmt.Sprint(i), []byte{1})
	}
	if c.Len() != DefaultClientCacheCapacity {
		t.Fatalf("Len = %d, want %d", c.Len(), DefaultClientCacheCapacity)
	}
}

func TestLRUClientCacheConcurrent(t *testing.T) {
	c := NewLRUClientCache(16)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				key := fmt.Sprint((g + i) % 32)
				c.Put(key, []byte(key))
				if v, ok := c.Get(key); ok && string(v) != key {
					t.Errorf("Get(%s) = %q", key, v)
				}
				if i%7 == 0 {
					c.Put(key, nil)
				}
			}
		}()
	}
	wg.Wait()
	if c.Len() > 16 {
		t.Fatalf("Len = %d, want at most 16", c.Len())
	}
}
