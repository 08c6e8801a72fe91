package handshake_test

// Handshake data after a message that ends the peer's flight (one we
// answer, or the Finished that completes the handshake) is an error, as
// BoringSSL has it (bug B13 of the BoGo run): a ClientHello record that
// also carries the start of a ClientKeyExchange, a Finished record with
// bytes after the message.

import (
	"testing"

	"gotls/internal/engine"
	"gotls/internal/keysched"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/wire"
)

func TestServer12ExcessHandshakeData(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	t.Run("ClientHello with a partial ClientKeyExchange", func(t *testing.T) {
		_, scfg := pki.configs()
		raw, err := s12Hello(s12ECDHESuites...).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		e := engine.New(scfg, false)
		if err := e.Start(); err != nil {
			t.Fatal(err)
		}
		rec := record.Plaintext(wire.VersionTLS12).Seal(nil, wire.ContentHandshake, append(raw, byte(wire.HandshakeClientKeyExchange)), 0)
		if _, err := e.Feed(rec); alertOf(err) != wire.AlertUnexpectedMessage {
			t.Fatalf("error %v, want unexpected_message", err)
		}
	})
	for _, trailing := range [][]byte{nil, {0}, {byte(wire.HandshakeHelloRequest), 0, 0, 0}} {
		name := map[int]string{0: "Finished alone", 1: "Finished and one byte", 4: "Finished and a HelloRequest"}[len(trailing)]
		t.Run(name, func(t *testing.T) {
			_, scfg := pki.configs()
			s := s12Start(t, scfg, s12Hello(s12ECDHESuites...))
			cke, pm := s.ecdheKeyExchange()
			out := record.Plaintext(wire.VersionTLS12).Seal(nil, wire.ContentHandshake, cke, 0)
			s.deriveKeys(pm)
			out = append(out, ccsRecord()...)
			h := s.suite.Hash.New()
			h.Write(s.transcript)
			fin := s.marshal(&msg.Finished{VerifyData: keysched.FinishedVerifyData12(s.suite.Hash, s.master, true, h.Sum(nil))})
			s.wr = s.wrNext
			out = append(out, s.wr.Seal(nil, wire.ContentHandshake, append(fin, trailing...), 0)...)
			s.feed(out)
			if trailing == nil {
				if s.Err != nil || !s.E.HandshakeComplete() {
					t.Fatalf("handshake failed: %v", s.Err)
				}
				return
			}
			if alertOf(s.Err) != wire.AlertUnexpectedMessage {
				t.Fatalf("error %v, want unexpected_message", s.Err)
			}
		})
	}
}
