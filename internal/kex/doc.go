// Package kex implements the key exchanges gotls offers: ECDHE over
// X25519, P-256, P-384 and P-521, the X25519MLKEM768 post-quantum hybrid,
// and TLS 1.2 RSA key transport of the pre-master secret.
//
// Every operation takes its randomness as an io.Reader (nil means
// crypto/rand.Reader). Private keys are derived from bytes read from that
// reader, so a fixed reader gives a reproducible handshake in tests. The one
// exception is ML-KEM encapsulation, whose randomness crypto/mlkem always
// draws from the system source; tests that need it fixed can use
// testing/cryptotest.SetGlobalRandom.
//
// Every error a peer can cause is a *wire.Error carrying the alert to send.
package kex
