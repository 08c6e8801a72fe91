package engine_test

import (
	"testing"

	"gotls/internal/engine"
	"gotls/internal/wire"
)

// feedChunks feeds data to e in chunks whose sizes come from sizes, and
// drains application data, until the engine fails or the data runs out.
func feedChunks(e *engine.Engine, data []byte, sizes byte) {
	scratch := make([]byte, 4096)
	chunk := int(sizes%64) + 1
	for len(data) > 0 {
		n := min(chunk, len(data))
		took, err := e.Feed(data[:n])
		if err != nil {
			return
		}
		data = data[took:]
		if took == 0 {
			if m, _ := e.Read(scratch); m == 0 && !e.WantsInput() {
				return
			}
		}
		if len(e.Output()) > 0 {
			e.Sent(len(e.Output()))
		}
	}
}

// FuzzServerEngine feeds arbitrary bytes to a server engine: whatever
// arrives, it must end in an error or wait for more, never panic or spin.
func FuzzServerEngine(f *testing.F) {
	f.Add(byte(63), hello(f, nil))
	f.Add(byte(7), hello(f, func(h *rawHello) { h.set(0x7a7a, []byte{1}) }))
	f.Add(byte(1), append(hello(f, nil), plainRecord(wire.ContentChangeCipherSpec, []byte{1})...))
	f.Add(byte(0), plainRecord(wire.ContentAlert, []byte{2, 40}))
	f.Fuzz(func(t *testing.T, sizes byte, data []byte) {
		srv := engine.New(serverConfig(t), false)
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		feedChunks(srv, data, sizes)
		if err := srv.Err(); err != nil && len(err.Error()) < 5 {
			t.Fatalf("error without text: %v", err)
		}
	})
}

// FuzzClientEngine feeds arbitrary bytes to a client engine that has sent
// its ClientHello.
func FuzzClientEngine(f *testing.F) {
	f.Add(byte(63), plainRecord(wire.ContentHandshake, []byte{2, 0, 0, 0}))
	f.Add(byte(5), plainRecord(wire.ContentAlert, []byte{2, 70}))
	f.Add(byte(9), []byte{22, 3, 3, 0, 5, 2, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, sizes byte, data []byte) {
		cl := engine.New(clientConfig(t), true)
		if err := cl.Start(); err != nil {
			t.Fatal(err)
		}
		cl.Sent(len(cl.Output()))
		feedChunks(cl, data, sizes)
	})
}
