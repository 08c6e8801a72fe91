package gotls_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"testing"
)

// TestSteadyStateAllocs checks that once a connection is up, Write and
// Read allocate nothing per record, for every AEAD and for small and
// large writes.
func TestSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful with the race detector")
	}
	st := benchStacks[0]
	for _, s := range bulkSuites {
		for _, size := range []int{100, bulkRecord, 3*bulkRecord + 17} {
			t.Run(fmt.Sprintf("%s/%d", s.name, size), func(t *testing.T) {
				cEnd, sEnd := memPipe(false, 0)
				defer sEnd.Close()
				client, server := handshakePair(t, st, bulkParams(s), cEnd, sEnd)
				msg, buf := make([]byte, size), make([]byte, size)
				var failed error
				allocs := testing.AllocsPerRun(100, func() {
					if _, err := client.Write(msg); err != nil {
						failed = err
					} else if _, err := io.ReadFull(server, buf); err != nil {
						failed = err
					}
				})
				if failed != nil {
					t.Fatal(failed)
				}
				if allocs != 0 {
					t.Errorf("%v allocations per %d-byte write and read", allocs, size)
				}
			})
		}
	}
}

// TestBulkSuitesNegotiate checks that both stacks of the bulk benchmarks
// really use the suite each benchmark names.
func TestBulkSuitesNegotiate(t *testing.T) {
	for _, s := range bulkSuites {
		for _, st := range benchStacks {
			cEnd, sEnd := memPipe(false, 0)
			client, _ := handshakePair(t, st, bulkParams(s), cEnd, sEnd)
			if got := negotiatedSuite(client); got != s.id {
				t.Errorf("%s/%s: negotiated %s", s.name, st.name, tls.CipherSuiteName(got))
			}
			sEnd.Close()
		}
	}
}
