package main

import (
	"fmt"
	"slices"

	"gotls"
)

// Protocol versions as the runner spells them: decimal wire values.
const (
	versionTLS10 uint16 = 0x0301
	versionTLS11 uint16 = 0x0302
	versionTLS12 uint16 = 0x0303
	versionTLS13 uint16 = 0x0304
)

// credentialSpec is one certificate chain and key named on the command
// line, with what is stapled to it.
type credentialSpec struct {
	certFile string
	keyFile  string
	ocsp     []byte
	// sctList is a serialized SignedCertificateTimestampList.
	sctList []byte
	// signingPrefs restricts and orders the schemes the key signs with.
	signingPrefs []uint16
}

// options is the configuration of one connection, built from the flags
// that apply to it: the unprefixed ones and those with its -on-initial-,
// -on-resume- or -on-retry- prefix.
type options struct {
	port        int
	shimID      uint64
	ipv6        bool
	server      bool
	resumeCount int

	// Sessions: -no-ticket, -expect-session-miss, -expect-no-session and
	// -resumption-delay (seconds).
	noTicket          bool
	expectSessionMiss bool
	expectNoSession   bool
	resumptionDelay   int

	// 0-RTT: -enable-early-data and what the test expects of it.
	enableEarlyData       bool
	expectAcceptEarlyData bool
	expectRejectEarlyData bool

	minVersion, maxVersion            uint16
	noTLS1, noTLS11, noTLS12, noTLS13 bool
	expectVersion                     uint16

	// defaultCred is the credential from -cert-file and -key-file given
	// before any -new-x509-credential; creds are the later ones.
	defaultCred        credentialSpec
	creds              []credentialSpec
	expectSelectedCred *int

	verifyPeer           bool
	requireAnyClientCert bool
	verifyFail           bool
	customVerify         bool
	reverifyOnResume     bool

	// Emulated BoringSSL callbacks (callbacks.go).
	useOCSPCallback     bool
	declineOCSPCallback bool
	failOCSPCallback    bool
	failEarlyCallback   bool
	failCertCallback    bool
	expectPeerCertFile  string
	expectNoPeerCert    bool

	hostName           string
	expectServerName   string
	expectNoServerName bool

	// advertiseALPN is the wire-format protocol list the client offers.
	advertiseALPN        []byte
	selectALPN           string
	declineALPN          bool
	rejectALPN           bool
	expectALPN           string
	expectAdvertisedALPN []byte

	// cipher is the -cipher rule; suites the TLS 1.2 suites it yields.
	cipher    string
	cipherSet bool
	suites    []uint16

	curves                []uint16
	expectCurveID         uint16
	expectCipher          uint16
	expectHRR             bool
	expectNoHRR           bool
	expectPeerVerifyPrefs []uint16
	verifyPrefs           []uint16
	expectPeerSigAlg      uint16
	expectOCSP            []byte
	expectSCTList         []byte

	exportKeyingMaterial int
	exportLabel          string
	exportContext        string
	useExportContext     bool

	shimWritesFirst           bool
	shimInitialWrite          string
	repeatInitialWrite        int
	shimShutsDown             bool
	checkCloseNotify          bool
	implicitHandshake         bool
	handshakeTwice            bool
	keyUpdate                 bool
	keyUpdateBeforeRead       bool
	readSize                  int
	writeDifferentRecordSizes bool
	useExporterBetweenReads   bool

	// unsupported lists, for each flag gotls cannot honour, why not.
	unsupported []string
}

// newOptions returns the defaults of BoringSSL's shim.
func newOptions() *options {
	return &options{shimInitialWrite: "hello", repeatInitialWrite: 1}
}

// markUnsupported records that this connection asks for something the shim
// cannot do.
func (o *options) markUnsupported(format string, args ...any) {
	o.unsupported = append(o.unsupported, fmt.Sprintf(format, args...))
}

// versionEnabled reports whether the shim's configuration enables v. Like
// BoringSSL's shim, TLS 1.0 through TLS 1.3 are on unless the flags say
// otherwise.
func (o *options) versionEnabled(v uint16) bool {
	lo, hi := versionTLS10, versionTLS13
	if o.minVersion != 0 {
		lo = o.minVersion
	}
	if o.maxVersion != 0 {
		hi = o.maxVersion
	}
	if v < lo || v > hi {
		return false
	}
	switch v {
	case versionTLS10:
		return !o.noTLS1
	case versionTLS11:
		return !o.noTLS11
	case versionTLS12:
		return !o.noTLS12
	case versionTLS13:
		return !o.noTLS13
	}
	return false
}

// implementedVersions lists the protocol versions gotls negotiates, per
// role. Update it as versions land; everything else follows from it.
func implementedVersions(server bool) []uint16 {
	return []uint16{versionTLS12, versionTLS13}
}

// implemented reports whether gotls negotiates v in this connection's role.
func (o *options) implemented(v uint16) bool {
	return slices.Contains(implementedVersions(o.server), v)
}

// usableVersions returns the lowest and highest version both enabled by
// the flags and implemented by gotls; ok is false when there is none.
func (o *options) usableVersions() (lo, hi uint16, ok bool) {
	for _, v := range implementedVersions(o.server) {
		if !o.versionEnabled(v) {
			continue
		}
		if !ok || v < lo {
			lo = v
		}
		if !ok || v > hi {
			hi = v
		}
		ok = true
	}
	return lo, hi, ok
}

// missingVersionEnabled reports whether the flags enable a version gotls
// does not implement, which BoringSSL would offer or accept.
func (o *options) missingVersionEnabled() bool {
	for _, v := range []uint16{versionTLS10, versionTLS11, versionTLS12, versionTLS13} {
		if o.versionEnabled(v) && !o.implemented(v) {
			return true
		}
	}
	return false
}

// supportedGroups are the named groups gotls implements.
var supportedGroups = map[uint16]bool{
	uint16(gotls.CurveP256):      true,
	uint16(gotls.CurveP384):      true,
	uint16(gotls.CurveP521):      true,
	uint16(gotls.X25519):         true,
	uint16(gotls.X25519MLKEM768): true,
}

// validate adds to o.unsupported what only shows when flags combine: a
// version range gotls cannot serve, 0-RTT it cannot play, groups gotls
// lacks.
func (o *options) validate(isResume bool) {
	o.validateEarlyData(isResume)
	if _, _, ok := o.usableVersions(); !ok {
		o.markUnsupported("the configured versions include none that gotls implements")
	}
	if o.expectVersion != 0 && !o.implemented(o.expectVersion) {
		o.markUnsupported("-expect-version %d: version not implemented", o.expectVersion)
	}
	o.resolveCipherSuites()
	for _, g := range o.curves {
		if !supportedGroups[g] {
			o.markUnsupported("-curves %d: named group not implemented", g)
		}
	}
}
