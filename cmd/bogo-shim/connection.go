package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"gotls"
)

// drainTimeout bounds how long a failing shim waits for the runner to
// read its alert and hang up.
const drainTimeout = 3 * time.Second

// dialRunner connects to the runner and announces the shim ID as a
// little-endian uint64.
func dialRunner(o *options) (net.Conn, error) {
	host := "127.0.0.1"
	if o.ipv6 {
		host = "::1"
	}
	conn, err := net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(o.port)))
	if err != nil {
		return nil, err
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetNoDelay(true)
	}
	var id [8]byte
	binary.LittleEndian.PutUint64(id[:], o.shimID)
	if _, err := conn.Write(id[:]); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// runConnections runs the test's 1 + -resume-count connections: the
// first with the initial options, the others with the resumption ones,
// sharing the session state.
func runConnections(p *parsedArgs) error {
	st, err := newShimState()
	if err != nil {
		return err
	}
	for i := 0; i <= p.initial.resumeCount; i++ {
		o := p.initial
		if i > 0 {
			o = p.resume
		}
		if err := runConnection(o, p.retry, st, i > 0); err != nil {
			return fmt.Errorf("connection %d: %w", i+1, err)
		}
		st.clock.advance(time.Duration(o.resumptionDelay) * time.Second)
	}
	return nil
}

// shimConn is one connection with what its checks need.
type shimConn struct {
	conn *gotls.Conn
	o    *options
	// retry are the options after a rejected 0-RTT attempt.
	retry    *options
	use      *credentialUse
	st       *shimState
	isResume bool
	// storedBefore is how many sessions the client had stored before
	// this connection.
	storedBefore int
	// firstWriteDone is set when the -shim-writes-first data must not
	// be written after the handshake.
	firstWriteDone bool
}

// runConnection runs one connection: configure, connect, exchange. A
// failure on a handshake the peer steered to a version gotls lacks, which
// BoringSSL would have accepted, is reported as unimplemented.
func runConnection(o, retry *options, st *shimState, isResume bool) error {
	if isResume && !o.server && st.cache.empty() {
		return errors.New("no session to offer")
	}
	use := newCredentialUse()
	cfg, err := buildConfig(o, use, st)
	if err != nil {
		return err
	}
	raw, err := dialRunner(o)
	if err != nil {
		return err
	}
	sniff := &helloSniffer{Conn: raw}
	c := &shimConn{o: o, retry: retry, use: use, st: st, isResume: isResume, storedBefore: st.cache.stored()}
	if o.server {
		c.conn = gotls.Server(sniff, cfg)
	} else {
		c.conn = gotls.Client(sniff, cfg)
	}
	err = c.exchange()
	conn := c.conn
	if err == nil {
		// The runner may have hung up already; a failure to send our
		// close_notify then is not the test's concern.
		conn.Close()
		return nil
	}
	if peerWantsMissingVersion(o, sniff.received(), isResume) {
		raw.Close()
		return &unimplementedError{reason: fmt.Sprintf("the peer negotiates a protocol version gotls does not implement (%v)", err)}
	}
	if clientOffersMissingSuites(o, sniff.received()) {
		raw.Close()
		return &unimplementedError{reason: fmt.Sprintf("the client offers only cipher suites gotls does not implement (%v)", err)}
	}
	orderlyShutdown(sniff)
	return err
}

// orderlyShutdown half-closes the transport and reads until the runner
// hangs up, so that it receives the alert gotls sent instead of a reset.
func orderlyShutdown(c *helloSniffer) {
	c.CloseWrite()
	c.SetReadDeadline(time.Now().Add(drainTimeout))
	io.Copy(io.Discard, c.Conn)
	c.Close()
}

// exchange runs the handshake and its checks, the data phase, the check
// on the session the connection established, and the shutdown, in
// BoringSSL's order.
func (c *shimConn) exchange() error {
	clean, err := c.run()
	if err != nil {
		return err
	}
	if err := c.checkNewSession(); err != nil {
		return err
	}
	return shutdown(c.conn, c.o, clean)
}

// run runs the handshake, its checks and the data phase. clean reports
// whether the peer ended the data phase with close_notify.
func (c *shimConn) run() (clean bool, err error) {
	conn, o := c.conn, c.o
	if c.offersEarlyData() {
		if err := conn.SetEarlyData([]byte(o.shimInitialWrite)); err != nil {
			return false, err
		}
	}
	if o.implicitHandshake && c.offersEarlyData() {
		// The first write would start the handshake and send the data
		// as 0-RTT data; run the handshake now so that it is not
		// written twice.
		if err := conn.Handshake(); err != nil {
			return false, err
		}
		o = c.afterEarlyData()
	}
	if !o.implicitHandshake {
		if err := conn.Handshake(); err != nil {
			return false, err
		}
		if err := c.checkEarlyData(); err != nil {
			return false, err
		}
		o = c.afterEarlyData()
		// BoringSSL's shim checks the handshake's properties only when
		// it runs the handshake explicitly.
		if err := c.checkHandshake(); err != nil {
			return false, err
		}
		if o.handshakeTwice {
			if err := conn.Handshake(); err != nil {
				return false, fmt.Errorf("second Handshake call was not a no-op: %w", err)
			}
		}
	}
	if err := writeExports(conn, o); err != nil {
		return false, err
	}
	if o.writeDifferentRecordSizes {
		return true, writeRecordSizes(conn)
	}
	if o.shimWritesFirst && !c.skipsFirstWrite() {
		for range o.repeatInitialWrite {
			if _, err := conn.Write([]byte(o.shimInitialWrite)); err != nil {
				return false, err
			}
		}
	}
	if o.shimShutsDown {
		return true, nil
	}
	return echo(conn, o)
}

// writeExports writes the exporter output the runner asked for.
func writeExports(conn *gotls.Conn, o *options) error {
	if o.exportKeyingMaterial <= 0 {
		return nil
	}
	var context []byte
	if o.useExportContext {
		context = []byte(o.exportContext)
	}
	km, err := conn.ExportKeyingMaterial(o.exportLabel, context, o.exportKeyingMaterial)
	if err != nil {
		return fmt.Errorf("failed to export keying material: %w", err)
	}
	_, err = conn.Write(km)
	return err
}

// writeRecordSizes writes runs of 0x42 bytes of sizes around record
// boundaries, as BoringSSL's shim does for -write-different-record-sizes.
func writeRecordSizes(conn *gotls.Conn) error {
	sizes := []int{0, 1, 255, 256, 257, 16383, 16384, 16385, 32767, 32768, 32769}
	buf := make([]byte, sizes[len(sizes)-1])
	for i := range buf {
		buf[i] = 0x42
	}
	for _, n := range sizes {
		if _, err := conn.Write(buf[:n]); err != nil {
			return err
		}
	}
	return nil
}

// echo reads application data and writes it back XOR 0xFF until the peer
// closes. clean reports whether it closed with close_notify rather than
// by ending the transport.
func echo(conn *gotls.Conn, o *options) (clean bool, err error) {
	size := 512
	if o.readSize > 0 {
		size = o.readSize
	}
	buf := make([]byte, size)
	for {
		if o.keyUpdateBeforeRead {
			if err := conn.SendKeyUpdate(false); err != nil {
				return false, err
			}
		}
		n, err := conn.Read(buf)
		if o.useExporterBetweenReads {
			if _, xerr := conn.ExportKeyingMaterial("", nil, 1); xerr != nil {
				return false, fmt.Errorf("failed to export keying material: %w", xerr)
			}
		}
		if n == 0 && err != nil {
			switch {
			case errors.Is(err, io.EOF):
				return true, nil
			case errors.Is(err, gotls.ErrTruncated):
				return false, nil
			}
			return false, err
		}
		if o.keyUpdate {
			if err := conn.SendKeyUpdate(false); err != nil {
				return false, err
			}
		}
		for i := range buf[:n] {
			buf[i] ^= 0xff
		}
		if _, err := conn.Write(buf[:n]); err != nil {
			return false, err
		}
	}
}

// shutdown ends the connection as BoringSSL's shim does. Without
// -check-close-notify it does not care how the peer closed. With it, the
// peer's close_notify is required: already received (clean) when the
// peer closed first, or awaited after ours under -shim-shuts-down.
func shutdown(conn *gotls.Conn, o *options, clean bool) error {
	if o.shimShutsDown {
		err := conn.CloseWrite()
		if !o.checkCloseNotify {
			// BoringSSL's shim shuts down quietly then, sending
			// nothing; a runner that already hung up is no failure.
			return nil
		}
		if err != nil {
			return err
		}
		return awaitCloseNotify(conn)
	}
	if o.checkCloseNotify && !clean {
		return errors.New("the peer closed the connection without close_notify")
	}
	return nil
}

// awaitCloseNotify reads until the peer's close_notify; application data
// or a bare end of the transport is an error.
func awaitCloseNotify(conn *gotls.Conn) error {
	var buf [1]byte
	n, err := conn.Read(buf[:])
	if n > 0 {
		return errors.New("unexpected application data while waiting for close_notify")
	}
	if errors.Is(err, io.EOF) {
		return nil
	}
	return fmt.Errorf("waiting for close_notify: %w", err)
}
