package main

import (
	"crypto/tls"
	"fmt"
	"strings"

	"gotls"
)

// suiteInfo is what the CLI knows about a cipher suite it accepts by name.
type suiteInfo struct {
	id uint16
	// tls13 marks the TLS 1.3 suites, named with -ciphersuites; the
	// others are TLS 1.2 suites, named with -cipher.
	tls13 bool
	// rsaKey says the server needs an RSA certificate key: ECDHE_RSA and
	// RSA key transport suites.
	rsaKey bool
	// rsaKX marks RSA key transport, which has no forward secrecy.
	rsaKX bool
	// cbc marks AES-CBC records with HMAC-SHA1 (MAC-then-encrypt).
	cbc bool
}

// legacy reports whether gotls leaves the suite off unless it is named:
// RSA key transport and CBC.
func (s suiteInfo) legacy() bool { return s.rsaKX || s.cbc }

// knownSuites lists the suites the CLI accepts by name: the TLS 1.3
// suites, the TLS 1.2 ECDHE AEAD suites gotls enables by default, then the
// legacy TLS 1.2 suites that are enabled only when named.
var knownSuites = []suiteInfo{
	{id: tls.TLS_AES_128_GCM_SHA256, tls13: true},
	{id: tls.TLS_AES_256_GCM_SHA384, tls13: true},
	{id: tls.TLS_CHACHA20_POLY1305_SHA256, tls13: true},
	{id: tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
	{id: tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, rsaKey: true},
	{id: tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
	{id: tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, rsaKey: true},
	{id: tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
	{id: tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, rsaKey: true},
	{id: tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, cbc: true},
	{id: tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, rsaKey: true, cbc: true},
	{id: tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, cbc: true},
	{id: tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, rsaKey: true, cbc: true},
	{id: tls.TLS_RSA_WITH_AES_128_GCM_SHA256, rsaKey: true, rsaKX: true},
	{id: tls.TLS_RSA_WITH_AES_256_GCM_SHA384, rsaKey: true, rsaKX: true},
	{id: tls.TLS_RSA_WITH_AES_128_CBC_SHA, rsaKey: true, rsaKX: true, cbc: true},
	{id: tls.TLS_RSA_WITH_AES_256_CBC_SHA, rsaKey: true, rsaKX: true, cbc: true},
}

// rsaTransportSuites are the suites the demo offers for -kx rsa: RSA key
// transport with AES-GCM records.
var rsaTransportSuites = []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384}

// lookupSuite returns what the CLI knows about suite id.
func lookupSuite(id uint16) (suiteInfo, bool) {
	for _, s := range knownSuites {
		if s.id == id {
			return s, true
		}
	}
	return suiteInfo{}, false
}

// suiteByName finds a suite by its IANA (TLS_AES_128_GCM_SHA256) or
// OpenSSL (ECDHE-RSA-AES128-GCM-SHA256) name, in any case.
func suiteByName(name string) (suiteInfo, bool) {
	for _, s := range knownSuites {
		if strings.EqualFold(name, gotls.CipherSuiteName(s.id)) ||
			strings.EqualFold(name, gotls.CipherSuiteOpenSSLName(s.id)) {
			return s, true
		}
	}
	return suiteInfo{}, false
}

// parseSuites13 parses a -ciphersuites list: colon-separated TLS 1.3
// suite names, as openssl's -ciphersuites takes.
func parseSuites13(list string) ([]uint16, error) {
	return parseSuiteList(list, true)
}

// parseSuites12 parses a -cipher list: colon-separated TLS 1.2 suite
// names, IANA or OpenSSL. Naming a legacy suite (RSA key transport, CBC)
// enables it: gotls treats a listed suite as an explicit choice.
func parseSuites12(list string) ([]uint16, error) {
	return parseSuiteList(list, false)
}

// parseSuiteList parses a list of suites of one protocol version.
func parseSuiteList(list string, tls13 bool) ([]uint16, error) {
	names, err := splitList(list)
	if err != nil {
		return nil, err
	}
	var ids []uint16
	for _, n := range names {
		s, ok := suiteByName(n)
		switch {
		case !ok:
			return nil, unknownSuiteError(n, tls13)
		case s.tls13 && !tls13:
			return nil, fmt.Errorf("%q is a TLS 1.3 cipher suite: name it with -ciphersuites", n)
		case !s.tls13 && tls13:
			return nil, fmt.Errorf("%q is a TLS 1.2 cipher suite: name it with -cipher", n)
		}
		for _, prev := range ids {
			if prev == s.id {
				return nil, fmt.Errorf("cipher suite %q is listed twice", n)
			}
		}
		ids = append(ids, s.id)
	}
	return ids, nil
}

// unknownSuiteError explains a name that is no suite the CLI knows.
func unknownSuiteError(name string, tls13 bool) error {
	if tls13 {
		return fmt.Errorf("unknown cipher suite %q (TLS 1.3 suites: %s)", name, knownSuiteNames(true))
	}
	return fmt.Errorf("unknown cipher suite %q: -cipher takes TLS 1.2 suite names, not OpenSSL cipher-string keywords (known: %s)",
		name, knownSuiteNames(false))
}

// knownSuiteNames lists the names of the known suites of one version:
// IANA names for TLS 1.3, OpenSSL names for TLS 1.2.
func knownSuiteNames(tls13 bool) string {
	var names []string
	for _, s := range knownSuites {
		switch {
		case s.tls13 && tls13:
			names = append(names, gotls.CipherSuiteName(s.id))
		case !s.tls13 && !tls13:
			names = append(names, gotls.CipherSuiteOpenSSLName(s.id))
		}
	}
	return strings.Join(names, ", ")
}

// needsRSAKey reports whether every suite in ids needs an RSA server key,
// so that a server offering only these must have an RSA certificate.
func needsRSAKey(ids []uint16) bool {
	if len(ids) == 0 {
		return false
	}
	for _, id := range ids {
		if s, ok := lookupSuite(id); !ok || !s.rsaKey {
			return false
		}
	}
	return true
}

// anySuite reports whether a suite in ids has the property f.
func anySuite(ids []uint16, f func(suiteInfo) bool) bool {
	for _, id := range ids {
		if s, ok := lookupSuite(id); ok && f(s) {
			return true
		}
	}
	return false
}

// legacyNote warns about the legacy suites named in ids, or returns "".
func legacyNote(ids []uint16) string {
	var names []string
	for _, id := range ids {
		if s, ok := lookupSuite(id); ok && s.legacy() {
			names = append(names, gotls.CipherSuiteOpenSSLName(id))
		}
	}
	if len(names) == 0 {
		return ""
	}
	var why []string
	if anySuite(ids, func(s suiteInfo) bool { return s.rsaKX }) {
		why = append(why, "RSA key transport has no forward secrecy")
	}
	if anySuite(ids, func(s suiteInfo) bool { return s.cbc }) {
		why = append(why, "CBC records are MAC-then-encrypt")
	}
	return fmt.Sprintf("note: -cipher enables legacy suites that gotls leaves off by default: %s (%s)",
		strings.Join(names, ", "), strings.Join(why, "; "))
}
