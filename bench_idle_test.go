package gotls_test

// Heap and stack per idle server connection. The clients run in a child
// process (this test binary, re-executed), so that the parent's memory
// statistics hold only the server side. Each server connection has a
// goroutine that echoes what it reads with a 16 KiB buffer of its own;
// plain TCP does the same without TLS and is the baseline.

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// idleConns is how many connections each measurement holds.
const idleConns = 200

// idleEcho is how much each connection echoes in the second phase.
const idleEcho = 16 << 10

// idleFigures is the memory per server connection in one phase.
type idleFigures struct {
	heap, stack float64
}

// idleServer is one way to serve a connection: nil for plain TCP.
type idleServer func(net.Conn) tlsConn

// BenchmarkIdleConnHeap reports the heap and stack each idle server
// connection keeps after its handshake (hs-) and after a 16 KiB echo
// (echo-), and for TLS stacks how much heap that is beyond plain TCP
// (echo-over-tcp-heap-B/conn). ns/op is meaningless here and suppressed.
func BenchmarkIdleConnHeap(b *testing.B) {
	if os.Getenv("GOTLS_IDLE_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 1
	}
	params := benchParams{key: keyECDSAP256, group: tls.X25519, version: tls.VersionTLS13}
	b.Run("plaintcp", func(b *testing.B) {
		// One measurement per sub-benchmark: the framework calls again
		// with a larger b.N, which only repeats the figures.
		if b.N == 1 {
			hs, echo := measureIdle(b, nil, "plaintcp")
			idleLast = [2]idleFigures{hs, echo}
		}
		reportIdle(b, idleLast[0], idleLast[1], nil)
	})
	for _, st := range benchStacks {
		b.Run(st.name, func(b *testing.B) {
			if b.N == 1 {
				server, _ := st.configs(b, params)
				hs, echo := measureIdle(b, server, st.name)
				plainOnce.Do(func() { _, plainEcho = measureIdle(b, nil, "") })
				idleLast = [2]idleFigures{hs, echo}
			}
			reportIdle(b, idleLast[0], idleLast[1], &plainEcho)
		})
	}
}

// idleLast holds the figures of the last measurement, which the calls of
// a sub-benchmark with b.N > 1 report again.
var idleLast [2]idleFigures

var (
	plainOnce sync.Once
	plainEcho idleFigures
)

func reportIdle(b *testing.B, hs, echo idleFigures, plain *idleFigures) {
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(hs.heap, "hs-heap-B/conn")
	b.ReportMetric(hs.stack, "hs-stack-B/conn")
	b.ReportMetric(echo.heap, "echo-heap-B/conn")
	b.ReportMetric(echo.stack, "echo-stack-B/conn")
	if plain != nil {
		b.ReportMetric(echo.heap-plain.heap, "echo-over-tcp-heap-B/conn")
	}
}

// measureIdle serves idleConns connections from a child process and
// measures memory after the handshakes and after one echo on each. A heap
// profile may be written under the name profile; see writeIdleProfile.
func measureIdle(b *testing.B, server idleServer, profile string) (hs, echo idleFigures) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	base := settledMemory()
	child, err := startIdleClient(ln.Addr().String(), server != nil)
	if err != nil {
		b.Fatal(err)
	}
	defer child.stop()
	var handshakes, served sync.WaitGroup
	var conns []net.Conn
	for i := 0; i < idleConns; i++ {
		c, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
		handshakes.Add(1)
		served.Add(1)
		go serveIdle(c, server, &handshakes, &served)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
		served.Wait()
	}()
	if err := child.await("connected"); err != nil {
		b.Fatal(err)
	}
	handshakes.Wait()
	hs = perConn(settledMemory(), base)
	if err := child.command("echo"); err != nil {
		b.Fatal(err)
	}
	echo = perConn(settledMemory(), base)
	writeIdleProfile(b, profile)
	return hs, echo
}

// writeIdleProfile writes a heap profile of the idle connections to the
// file named by GOTLS_IDLE_HEAPPROFILE, with "."+name appended; with it
// set, every allocation is sampled.
func writeIdleProfile(b *testing.B, name string) {
	path := os.Getenv("GOTLS_IDLE_HEAPPROFILE")
	if path == "" || name == "" {
		return
	}
	f, err := os.Create(path + "." + name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

// serveIdle runs the handshake, then echoes until the connection ends.
func serveIdle(c net.Conn, server idleServer, handshakes, served *sync.WaitGroup) {
	defer served.Done()
	conn := net.Conn(c)
	if server != nil {
		tc := server(c)
		err := tc.Handshake()
		handshakes.Done()
		if err != nil {
			return
		}
		conn = tc
	} else {
		handshakes.Done()
	}
	buf := make([]byte, idleEcho)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			if _, werr := conn.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// memory is the live heap and the goroutine stacks in use.
type memory struct {
	heap, stack uint64
}

// settledMemory lets every server goroutine block in Read, collects
// garbage and reads the statistics. Two collections empty sync.Pools; the
// later ones let goroutine stacks shrink (each halves a stack at most
// once) to what a long idle connection keeps.
func settledMemory() memory {
	time.Sleep(100 * time.Millisecond)
	for i := 0; i < 5; i++ {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memory{heap: ms.HeapAlloc, stack: ms.StackInuse}
}

func perConn(m, base memory) idleFigures {
	return idleFigures{
		heap:  (float64(m.heap) - float64(base.heap)) / idleConns,
		stack: (float64(m.stack) - float64(base.stack)) / idleConns,
	}
}

// idleChild is the client process.
type idleChild struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

func startIdleClient(addr string, useTLS bool) (*idleChild, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-test.run=^TestIdleClientProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GOTLS_IDLE_ADDR="+addr,
		"GOTLS_IDLE_TLS="+strconv.FormatBool(useTLS), "GOTLS_IDLE_N="+strconv.Itoa(idleConns))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &idleChild{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}, nil
}

// await reads the child's output until it reports want.
func (c *idleChild) await(want string) error {
	for c.out.Scan() {
		line := c.out.Text()
		if line == "idle:"+want {
			return nil
		}
		if strings.HasPrefix(line, "idle:error") {
			return fmt.Errorf("idle client: %s", line)
		}
	}
	return fmt.Errorf("idle client ended before %q", want)
}

// command asks the child to do cmd and waits until it has.
func (c *idleChild) command(cmd string) error {
	if _, err := fmt.Fprintln(c.stdin, cmd); err != nil {
		return err
	}
	return c.await(cmd + "ed")
}

func (c *idleChild) stop() {
	c.stdin.Close()
	c.cmd.Wait()
}

// TestIdleClientProcess is the client side of BenchmarkIdleConnHeap; it
// does nothing unless started by it.
func TestIdleClientProcess(t *testing.T) {
	addr := os.Getenv("GOTLS_IDLE_ADDR")
	if addr == "" {
		t.Skip("runs as the client process of BenchmarkIdleConnHeap")
	}
	n, _ := strconv.Atoi(os.Getenv("GOTLS_IDLE_N"))
	useTLS := os.Getenv("GOTLS_IDLE_TLS") == "true"
	conns, err := dialIdle(addr, n, useTLS)
	if err != nil {
		fmt.Printf("idle:error %v\n", err)
		return
	}
	fmt.Println("idle:connected")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() != "echo" {
			continue
		}
		if err := echoAll(conns); err != nil {
			fmt.Printf("idle:error %v\n", err)
			return
		}
		fmt.Println("idle:echoed")
	}
}

// dialIdle opens n connections. The child checks no certificates: only
// the server's memory is measured, and it is the same server either way.
func dialIdle(addr string, n int, useTLS bool) ([]net.Conn, error) {
	cfg := &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS13}
	var conns []net.Conn
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return nil, err
		}
		if useTLS {
			tc := tls.Client(c, cfg)
			if err := tc.Handshake(); err != nil {
				return nil, err
			}
			c = tc
		}
		conns = append(conns, c)
	}
	return conns, nil
}

func echoAll(conns []net.Conn) error {
	msg, got := make([]byte, idleEcho), make([]byte, idleEcho)
	for _, c := range conns {
		if _, err := c.Write(msg); err != nil {
			return err
		}
		if _, err := io.ReadFull(c, got); err != nil {
			return err
		}
	}
	return nil
}
