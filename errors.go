package gotls

import (
	"gotls/internal/engine"
	"gotls/internal/handshake"
	"gotls/internal/wire"
)

// AlertError is a protocol error found locally; Alert names the alert
// gotls sent to the peer.
type AlertError = wire.Error

// RemoteAlertError reports a fatal alert received from the peer.
type RemoteAlertError = engine.RemoteAlertError

// CertificateVerificationError says which check of the peer's certificate
// failed and for which name.
type CertificateVerificationError = handshake.CertificateVerificationError

// Alert is a TLS alert description.
type Alert = wire.Alert
