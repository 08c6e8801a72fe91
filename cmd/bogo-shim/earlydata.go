package main

import "fmt"

// maxEarlyData is what a server accepts when -enable-early-data is set.
const maxEarlyData = 16384

// BoringSSL's client sends the -shim-writes-first data as 0-RTT data when
// its session allows it: SSL_write succeeds before the handshake ends. A
// gotls client hands that data over before the handshake with
// SetEarlyData and learns afterwards whether the server took it. A server
// would have to answer with half-RTT data before the client's Finished,
// which gotls's API does not offer; accepting 0-RTT on the server is
// therefore unimplemented, rejecting it is not.

// validateEarlyData marks what the shim cannot do with early data.
func (o *options) validateEarlyData(isResume bool) {
	if o.server && isResume && o.enableEarlyData && !o.expectRejectEarlyData {
		o.markUnsupported("-enable-early-data: a server cannot send half-RTT data through gotls's API")
	}
}

// offersEarlyData reports whether this client connection hands its first
// write to gotls as 0-RTT data.
func (c *shimConn) offersEarlyData() bool {
	o := c.o
	return !o.server && c.isResume && o.enableEarlyData && o.shimWritesFirst
}

// checkEarlyData checks -expect-accept-early-data and
// -expect-reject-early-data after the handshake.
func (c *shimConn) checkEarlyData() error {
	accepted := c.conn.EarlyDataAccepted()
	if c.o.expectAcceptEarlyData && !accepted || c.o.expectRejectEarlyData && accepted {
		return fmt.Errorf("early data accepted: %t, but we expected the opposite", accepted)
	}
	return nil
}

// afterEarlyData switches the connection to the -on-retry- options when
// its 0-RTT data was rejected as the test expected: BoringSSL's shim then
// resets the connection and checks the 1-RTT handshake against those.
// It returns the options now in force.
func (c *shimConn) afterEarlyData() *options {
	if c.offersEarlyData() && c.o.expectRejectEarlyData && !c.conn.EarlyDataAccepted() {
		c.firstWriteDone = true
		c.o = c.retry
	}
	return c.o
}

// skipsFirstWrite reports whether the -shim-writes-first data is already
// taken care of: sent as accepted 0-RTT data, or rejected, after which
// BoringSSL's shim retries without writing it again.
func (c *shimConn) skipsFirstWrite() bool {
	return c.firstWriteDone || c.offersEarlyData() && c.conn.EarlyDataAccepted()
}
