package wire

import (
	"fmt"
	"strings"
)

// Error is a fatal protocol error found locally. It names the alert that
// must be sent to the peer. Every layer below the engine reports failures
// as an *Error built by Fatal; the engine alone sends the alert.
type Error struct {
	// Alert is the alert to send to the peer.
	Alert Alert
	// Reason says, in lowercase words, what was wrong.
	Reason string
	// Err is the underlying cause, if any.
	Err error
}

// Fatal returns an *Error carrying alert a, a reason, and an optional cause.
func Fatal(a Alert, reason string, cause error) *Error {
	return &Error{Alert: a, Reason: reason, Err: cause}
}

// Fatalf is Fatal with a formatted reason and no cause.
func Fatalf(a Alert, format string, args ...any) *Error {
	return &Error{Alert: a, Reason: fmt.Sprintf(format, args...)}
}

// Error returns "tls: reason (alert)" with the cause appended when present.
func (e *Error) Error() string {
	s := "tls: " + e.Reason
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "tls: ")
	}
	return s + " (" + e.Alert.String() + ")"
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }
