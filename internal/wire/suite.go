package wire

import "fmt"

// CipherSuite is a value from the IANA "TLS Cipher Suites" registry.
type CipherSuite uint16

// TLS 1.3 cipher suites (RFC 8446, Appendix B.4).
const (
	TLS_AES_128_GCM_SHA256       CipherSuite = 0x1301
	TLS_AES_256_GCM_SHA384       CipherSuite = 0x1302
	TLS_CHACHA20_POLY1305_SHA256 CipherSuite = 0x1303
)

// TLS 1.2 cipher suites gotls knows by name.
const (
	TLS_RSA_WITH_AES_128_CBC_SHA                  CipherSuite = 0x002f
	TLS_RSA_WITH_AES_256_CBC_SHA                  CipherSuite = 0x0035
	TLS_RSA_WITH_AES_128_GCM_SHA256               CipherSuite = 0x009c
	TLS_RSA_WITH_AES_256_GCM_SHA384               CipherSuite = 0x009d
	TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA          CipherSuite = 0xc009
	TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA          CipherSuite = 0xc00a
	TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA            CipherSuite = 0xc013
	TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA            CipherSuite = 0xc014
	TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256       CipherSuite = 0xc02b
	TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384       CipherSuite = 0xc02c
	TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256         CipherSuite = 0xc02f
	TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384         CipherSuite = 0xc030
	TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256   CipherSuite = 0xcca8
	TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 CipherSuite = 0xcca9
	TLS_EMPTY_RENEGOTIATION_INFO_SCSV             CipherSuite = 0x00ff
	TLS_FALLBACK_SCSV                             CipherSuite = 0x5600
)

type suiteNames struct{ iana, openssl string }

var cipherSuiteNames = map[CipherSuite]suiteNames{
	TLS_AES_128_GCM_SHA256:                        {"TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"},
	TLS_AES_256_GCM_SHA384:                        {"TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"},
	TLS_CHACHA20_POLY1305_SHA256:                  {"TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256"},
	TLS_RSA_WITH_AES_128_CBC_SHA:                  {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
	TLS_RSA_WITH_AES_256_CBC_SHA:                  {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
	TLS_RSA_WITH_AES_128_GCM_SHA256:               {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
	TLS_RSA_WITH_AES_256_GCM_SHA384:               {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
	TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA:          {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
	TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA:          {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
	TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:            {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
	TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA:            {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
	TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:       {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
	TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:       {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
	TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:         {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
	TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:         {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
	TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:   {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
	TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
	TLS_EMPTY_RENEGOTIATION_INFO_SCSV:             {"TLS_EMPTY_RENEGOTIATION_INFO_SCSV", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
	TLS_FALLBACK_SCSV:                             {"TLS_FALLBACK_SCSV", "TLS_FALLBACK_SCSV"},
}

// String returns the IANA name of the suite.
func (s CipherSuite) String() string {
	if n, ok := cipherSuiteNames[s]; ok {
		return n.iana
	}
	return fmt.Sprintf("cipher_suite(0x%04x)", uint16(s))
}

// OpenSSLName returns the name OpenSSL uses for the suite, or the IANA
// name where OpenSSL has none.
func (s CipherSuite) OpenSSLName() string {
	if n, ok := cipherSuiteNames[s]; ok {
		return n.openssl
	}
	return s.String()
}

// IsTLS13 reports whether s is a TLS 1.3 cipher suite.
func (s CipherSuite) IsTLS13() bool { return s>>8 == 0x13 }
