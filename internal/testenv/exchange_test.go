package testenv

import (
	"bytes"
	"io"
	"net"
	"testing"
)

// TestPayload checks that payloads are exact in length, deterministic,
// printable and distinct per seed.
func TestPayload(t *testing.T) {
	for _, n := range []int{0, 1, 76, 77, 78, 1000, MiB} {
		a, b := Payload("x", n), Payload("x", n)
		if len(a) != n || !bytes.Equal(a, b) {
			t.Fatalf("Payload(x, %d): length %d, deterministic %v", n, len(a), bytes.Equal(a, b))
		}
		for i, c := range a {
			line := i%(payloadLine+1) == payloadLine
			if line != (c == '\n') || !(c == '\n' || c == '+' || c == '/' || c == '=' ||
				'0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				t.Fatalf("Payload(x, %d)[%d] = %q", n, i, c)
			}
		}
	}
	if bytes.Equal(Payload("x", 100), Payload("y", 100)) {
		t.Errorf("different seeds gave the same payload")
	}
	if bytes.Equal(ClientPayload(), ServerPayload()) || len(ClientPayload()) != MiB {
		t.Errorf("standard payloads are equal or not 1 MiB")
	}
}

// sizeRecorder records the size of each write.
type sizeRecorder struct{ sizes []int }

func (s *sizeRecorder) Write(b []byte) (int, error) {
	s.sizes = append(s.sizes, len(b))
	return len(b), nil
}

// TestWriteChunks checks the chunk pattern and that nothing is lost.
func TestWriteChunks(t *testing.T) {
	var rec sizeRecorder
	if err := writeChunks(&rec, make([]byte, 200000)); err != nil {
		t.Fatal(err)
	}
	total := 0
	for i, n := range rec.sizes {
		total += n
		if i < len(rec.sizes)-1 && n != writeSizes[i%len(writeSizes)] {
			t.Errorf("write %d has %d bytes, want %d", i, n, writeSizes[i%len(writeSizes)])
		}
	}
	if total != 200000 {
		t.Errorf("wrote %d bytes, want 200000", total)
	}
}

// pipePeer serves the far end of a net.Pipe: it writes reply while it
// reads n bytes, then closes and delivers what it read.
func pipePeer(c net.Conn, n int, reply []byte) <-chan []byte {
	got := make(chan []byte, 1)
	wrote := make(chan struct{})
	go func() {
		_, _ = c.Write(reply)
		close(wrote)
	}()
	go func() {
		buf := make([]byte, n)
		_, _ = io.ReadFull(c, buf)
		<-wrote
		_ = c.Close()
		got <- buf
	}()
	return got
}

// TestExchange runs Exchange against an in-memory peer: a correct reply
// passes, a wrong or short reply is reported.
func TestExchange(t *testing.T) {
	send := Payload("send", 100000)
	want := Payload("reply", 70000)
	wrong := bytes.Clone(want)
	wrong[65000] ^= 1
	for _, tc := range []struct {
		name  string
		reply []byte
		errs  []string
	}{
		{"ok", want, nil},
		{"corrupt", wrong, []string{"first difference at offset 65000"}},
		{"short", want[:5000], []string{"exchange failed (5000 of 70000 bytes read)", "EOF"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := net.Pipe()
			t.Cleanup(func() { _ = a.Close() })
			received := pipePeer(b, len(send), tc.reply)
			f := &fakeTB{TB: t}
			f.run(func() { Exchange(f, a, send, want) })
			f.expect(t, tc.errs...)
			if tc.errs == nil && !bytes.Equal(<-received, send) {
				t.Errorf("peer received the wrong data")
			}
		})
	}
}

// TestDescribeDiff checks the difference messages.
func TestDescribeDiff(t *testing.T) {
	for _, tc := range []struct{ got, want, msg string }{
		{"abc", "abc", ""},
		{"abd", "abc", `got 3 bytes, want 3; first difference at offset 2: got "d", want "c"`},
		{"ab", "abc", `got 2 bytes, want 3; first difference at offset 2: got "", want "c"`},
		{"", "", ""},
	} {
		if got := describeDiff([]byte(tc.got), []byte(tc.want)); got != tc.msg {
			t.Errorf("describeDiff(%q, %q) = %q, want %q", tc.got, tc.want, got, tc.msg)
		}
	}
}
