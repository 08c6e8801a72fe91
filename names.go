package gotls

import "gotls/internal/wire"

// CipherSuiteName returns the IANA name of a cipher suite.
func CipherSuiteName(id uint16) string { return wire.CipherSuite(id).String() }

// CipherSuiteOpenSSLName returns the name OpenSSL uses for a cipher suite.
func CipherSuiteOpenSSLName(id uint16) string { return wire.CipherSuite(id).OpenSSLName() }

// VersionName returns the common name of a protocol version, such as "TLSv1.3".
func VersionName(v uint16) string { return wire.Version(v).String() }

// GroupName returns the registry name of a named group.
func GroupName(id uint16) string { return wire.Group(id).String() }
