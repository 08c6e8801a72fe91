package engine_test

import (
	"bytes"
	"errors"
	"testing"

	"gotls/internal/engine"
	"gotls/internal/wire"
)

// feedInPlace feeds buf to e with FeedInPlace, making at most chunk more
// bytes available whenever the engine takes nothing, as a socket would,
// and appends the application data it yields to got. Fed bytes are never
// touched again, as FeedInPlace asks.
func feedInPlace(e *engine.Engine, buf []byte, chunk int, got *[]byte) error {
	return feedWith(e, buf, chunk, got, true)
}

// feedWith is feedInPlace, or the same with Feed unless inPlace.
func feedWith(e *engine.Engine, buf []byte, chunk int, got *[]byte, inPlace bool) error {
	scratch := make([]byte, 1<<15)
	start, avail := 0, min(chunk, len(buf))
	for {
		var n int
		var err error
		if inPlace {
			n, err = e.FeedInPlace(buf[start:avail])
		} else {
			n, err = e.Feed(buf[start:avail])
		}
		start += n
		for {
			m, rerr := e.Read(scratch)
			*got = append(*got, scratch[:m]...)
			if m == 0 || rerr != nil {
				break
			}
		}
		if err != nil {
			return err
		}
		if n == 0 {
			if avail == len(buf) || !e.WantsInput() {
				return nil
			}
			avail = min(avail+chunk, len(buf))
		}
	}
}

// connectedPair returns a client and a server engine that have completed
// a handshake.
func connectedPair(t testing.TB) (cl, srv *engine.Engine) {
	t.Helper()
	cl = engine.New(clientConfig(t), true)
	srv = engine.New(serverConfig(t), false)
	if err := errors.Join(cl.Start(), srv.Start()); err != nil {
		t.Fatal(err)
	}
	if errA, errB := pump(t, cl, srv); errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !cl.HandshakeComplete() || !srv.HandshakeComplete() {
		t.Fatal("handshake did not complete")
	}
	return cl, srv
}

// TestFeedInPlaceRoundTrip sends application data of many sizes both ways
// and delivers it with FeedInPlace in chunks that split records anywhere,
// so that both the in-place path and the deframer path run.
func TestFeedInPlaceRoundTrip(t *testing.T) {
	sizes := []int{1, 100, 16384, 16385, 50000}
	for _, chunk := range []int{1, 5, 300, 16389, 1 << 20} {
		cl, srv := connectedPair(t)
		for _, dir := range []struct {
			name     string
			from, to *engine.Engine
		}{{"client to server", cl, srv}, {"server to client", srv, cl}} {
			var sent, got []byte
			for i, n := range sizes {
				msg := bytes.Repeat([]byte{byte(i + 1)}, n)
				if _, err := dir.from.Write(msg); err != nil {
					t.Fatal(err)
				}
				sent = append(sent, msg...)
			}
			wireBytes := append([]byte(nil), dir.from.Output()...)
			dir.from.Sent(len(wireBytes))
			if err := feedInPlace(dir.to, wireBytes, chunk, &got); err != nil {
				t.Fatalf("chunk %d, %s: %v", chunk, dir.name, err)
			}
			if !bytes.Equal(got, sent) {
				t.Fatalf("chunk %d, %s: got %d bytes, want %d", chunk, dir.name, len(got), len(sent))
			}
		}
	}
}

// TestHostileInPlace runs the hostile tables through FeedInPlace: the
// same alerts must result as through Feed.
func TestHostileInPlace(t *testing.T) {
	for _, tc := range serverCases {
		t.Run("server/"+tc.name, func(t *testing.T) {
			srv := engine.New(serverConfig(t), false)
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			var got []byte
			err := feedInPlace(srv, tc.input(t), 1<<20, &got)
			if tc.ok {
				if err != nil || !srv.HasOutput() {
					t.Fatalf("input refused: %v", err)
				}
				return
			}
			if err == nil {
				err = srv.Err()
			}
			checkFailure(t, err, srv.Output(), tc.alert)
		})
	}
	for _, tc := range clientCases {
		t.Run("client/"+tc.name, func(t *testing.T) {
			cl := engine.New(clientConfig(t), true)
			f := &fakeServer{t: t, ch: clientHelloFrom(t, cl), mods: tc.mods}
			in := f.flight()
			if tc.tail != nil {
				in = append(in, tc.tail(f)...)
			}
			var got []byte
			err := feedInPlace(cl, in, 1<<20, &got)
			if err == nil {
				err = cl.Err()
			}
			checkFailure(t, err, cl.Output(), tc.alert)
		})
	}
}

// TestRecordLen checks how RecordLen reads headers.
func TestRecordLen(t *testing.T) {
	srv := engine.New(serverConfig(t), false)
	tests := []struct {
		name string
		in   []byte
		want int
	}{
		{"empty", nil, 0},
		{"partial header", []byte{22, 3, 1, 0}, 0},
		{"handshake", []byte{22, 3, 1, 0, 10}, 15},
		{"empty record", []byte{23, 3, 3, 0, 0}, 5},
		{"unknown type", []byte{24, 3, 3, 0, 1}, -1},
		{"largest TLS 1.2 record", []byte{23, 3, 3, 0x48, 0x00}, 5 + 0x4800},
		{"too long", []byte{23, 3, 3, 0x48, 0x01}, -1},
	}
	for _, tt := range tests {
		if got := srv.RecordLen(tt.in); got != tt.want {
			t.Errorf("%s: RecordLen = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestSteadyStateNoAllocs checks that moving application data through
// two connected engines allocates nothing once buffers are warm, with
// FeedInPlace and with Feed.
func TestSteadyStateNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful with the race detector")
	}
	cl, srv := connectedPair(t)
	scratch := make([]byte, 1<<15)
	wireBuf := make([]byte, 0, 1<<17)
	for _, size := range []int{100, 16384, 40000} {
		msg := bytes.Repeat([]byte{'a'}, size)
		for _, inPlace := range []bool{true, false} {
			var failed error
			allocs := testing.AllocsPerRun(50, func() {
				if _, err := cl.Write(msg); err != nil {
					failed = err
					return
				}
				wireBuf = append(wireBuf[:0], cl.Output()...)
				cl.Sent(len(cl.Output()))
				if err := drainInto(srv, wireBuf, scratch, inPlace); err != nil {
					failed = err
				}
			})
			if failed != nil {
				t.Fatal(failed)
			}
			if allocs != 0 {
				t.Errorf("%d-byte writes (in place %v): %v allocations each", size, inPlace, allocs)
			}
		}
	}
}

// drainInto feeds b whole and reads everything it carries.
func drainInto(e *engine.Engine, b, scratch []byte, inPlace bool) error {
	for len(b) > 0 {
		var n int
		var err error
		if inPlace {
			n, err = e.FeedInPlace(b)
		} else {
			n, err = e.Feed(b)
		}
		if err != nil {
			return err
		}
		b = b[n:]
		for {
			m, _ := e.Read(scratch)
			if m == 0 {
				break
			}
		}
	}
	return nil
}

// FuzzFeedInPlace feeds the same bytes to two server engines, one with
// Feed and one with FeedInPlace, in the same chunks: they must take the
// same input and fail (or not) with the same alert.
func FuzzFeedInPlace(f *testing.F) {
	f.Add(byte(63), hello(f, nil))
	f.Add(byte(2), append(hello(f, nil), plainRecord(wire.ContentAlert, []byte{1, 0})...))
	f.Fuzz(func(t *testing.T, sizes byte, data []byte) {
		a := engine.New(serverConfig(t), false)
		b := engine.New(serverConfig(t), false)
		if err := errors.Join(a.Start(), b.Start()); err != nil {
			t.Fatal(err)
		}
		chunk := int(sizes%64) + 1
		var gotA, gotB []byte
		errA := feedWith(a, data, chunk, &gotA, false)
		errB := feedInPlace(b, append([]byte(nil), data...), chunk, &gotB)
		alertA, okA := alertOf(errA)
		alertB, okB := alertOf(errB)
		if (errA == nil) != (errB == nil) || okA != okB || alertA != alertB {
			t.Fatalf("Feed: %v; FeedInPlace: %v", errA, errB)
		}
	})
}
