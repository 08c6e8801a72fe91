package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzReadRequestHead feeds readRequestHead what a client could send to
// serve -www: it must stop at the blank line or at maxRequestHead bytes.
func FuzzReadRequestHead(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.0\r\n\r\n"))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"))
	f.Add([]byte("GET /\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		head, err := readRequestHead(bytes.NewReader(data))
		if len(head) > maxRequestHead+1024 {
			t.Fatalf("read %d bytes, more than the limit", len(head))
		}
		complete := bytes.Contains(head, []byte("\r\n\r\n")) || bytes.Contains(head, []byte("\n\n"))
		if (err == nil) != complete {
			t.Fatalf("err = %v but complete = %v", err, complete)
		}
	})
}

// FuzzRecordTap checks that the record tap finds the same records however
// the byte stream is cut into writes.
func FuzzRecordTap(f *testing.F) {
	f.Add([]byte{22, 3, 1, 0, 2, 'h', 'i', 23, 3, 3, 0, 0}, uint16(3))
	f.Add([]byte{20, 3, 3, 0, 1, 1}, uint16(0))
	f.Add([]byte{23, 3, 3, 0xff, 0xff, 0}, uint16(5))
	f.Fuzz(func(t *testing.T, stream []byte, cut uint16) {
		whole := (&recordTap{}).observe(stream)
		split := int(cut) % (len(stream) + 1)
		tap := &recordTap{}
		parts := append(tap.observe(stream[:split]), tap.observe(stream[split:])...)
		if !slices.Equal(whole, parts) {
			t.Fatalf("whole %v, split at %d %v", whole, split, parts)
		}
		if len(whole) > len(stream)/recordHeaderLen+1 {
			t.Fatalf("%d records from %d bytes", len(whole), len(stream))
		}
	})
}

// FuzzDescribeStaple feeds describeStaple what a server could staple: it
// must describe anything without panicking, with and without the leaf.
func FuzzDescribeStaple(f *testing.F) {
	now := time.Unix(1700000000, 0)
	ca, err := newThrowawayCA("fuzz CA", now)
	if err != nil {
		f.Fatal(err)
	}
	leaf, err := ca.issue("localhost", false, now)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		for _, l := range [][]string{describeStaple(der, nil, now), describeStaple(der, leaf.cert, now)} {
			if len(l) == 0 || !strings.HasPrefix(l[0], "OCSP response: ") {
				t.Fatalf("describeStaple gave %q", l)
			}
		}
	})
}
