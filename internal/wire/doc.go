// Package wire holds the IANA TLS registries gotls uses, as small types
// with String methods, and the error type that carries an alert.
//
// It decides nothing: it only names things.
package wire
