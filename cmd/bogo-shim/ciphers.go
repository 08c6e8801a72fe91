package main

import (
	"crypto/tls"
	"fmt"
	"strings"

	"gotls"
)

// boringSSLDefaultSuites12 is BoringSSL's default TLS 1.2 cipher suite
// order ("ALL" on a CPU with AES instructions), restricted to the suites
// gotls implements: ECDHE AEAD first, then ECDHE CBC, then RSA key
// transport. gotls leaves the last two groups off by default, so the shim
// lists them explicitly, as BoringSSL enables them.
func boringSSLDefaultSuites12() []uint16 {
	return []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
		tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
		tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_RSA_WITH_AES_128_CBC_SHA,
		tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	}
}

// resolveCipherSuites sets o.suites, the TLS 1.2 suites of the
// connection: BoringSSL's default list, or the one -cipher names. gotls
// keeps its own TLS 1.3 suites whatever this list holds, as BoringSSL
// does. Only plain colon-separated suite names are understood;
// BoringSSL's rule language (keywords, "!", "+", equal-preference "[A|B]"
// groups) and suites gotls lacks are unimplemented, unless TLS 1.2 cannot
// be negotiated anyway.
func (o *options) resolveCipherSuites() {
	o.suites = boringSSLDefaultSuites12()
	if !o.cipherSet {
		return
	}
	suites, err := parseCipherList(o.cipher)
	if err == nil {
		o.suites = suites
		return
	}
	if lo, _, ok := o.usableVersions(); ok && lo < versionTLS13 {
		o.markUnsupported("-cipher %q: %v", o.cipher, err)
	}
}

// parseCipherList maps a colon-separated list of IANA or OpenSSL suite
// names to suite IDs gotls implements for TLS 1.2.
func parseCipherList(rule string) ([]uint16, error) {
	names := make(map[string]uint16)
	for _, id := range boringSSLDefaultSuites12() {
		names[gotls.CipherSuiteName(id)] = id
		names[gotls.CipherSuiteOpenSSLName(id)] = id
	}
	var out []uint16
	for _, name := range strings.Split(rule, ":") {
		id, ok := names[name]
		if !ok {
			return nil, fmt.Errorf("%q is not a TLS 1.2 cipher suite gotls implements, or uses BoringSSL's rule syntax", name)
		}
		out = append(out, id)
	}
	return out, nil
}
