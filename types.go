package gotls

import "crypto/tls"

// Certificate is crypto/tls's certificate chain type, so that programs and
// commands can name it without importing crypto/tls.
type Certificate = tls.Certificate

// ConnectionState is crypto/tls's connection state type.
type ConnectionState = tls.ConnectionState

// CurveID is crypto/tls's named group type.
type CurveID = tls.CurveID

// SignatureScheme is crypto/tls's signature scheme type.
type SignatureScheme = tls.SignatureScheme

// ClientAuthType is crypto/tls's client authentication policy type.
type ClientAuthType = tls.ClientAuthType
