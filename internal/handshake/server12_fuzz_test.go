package handshake_test

import (
	"sync"
	"testing"

	"gotls/internal/engine"
	"gotls/internal/handshake"
)

// s12FuzzConfigs are the server configurations of FuzzServer12: both
// certificate types, every legacy switch on so that RSA key transport and
// CBC are reachable, without and with a client certificate request.
var s12FuzzConfigs struct {
	once sync.Once
	cfgs [2]*handshake.Config
}

// FuzzServer12 feeds arbitrary records to a server engine that can
// negotiate TLS 1.2. The first byte picks the chunk size and whether a
// client certificate is requested. Whatever the input, the server must
// not panic, and every failure must carry an alert.
func FuzzServer12(f *testing.F) {
	s12FuzzConfigs.once.Do(func() {
		ca := newTestCA(f, keyECDSAP256, "fuzz root")
		for i := range s12FuzzConfigs.cfgs {
			s12FuzzConfigs.cfgs[i] = &handshake.Config{
				Certificates: []*handshake.Certificate{
					ca.issue(f, keyECDSAP256, leafOptions{CommonName: "localhost"}),
					ca.issue(f, keyRSA2048, leafOptions{CommonName: "localhost"}),
				},
				ClientCAs:                           ca.Pool,
				NextProtos:                          []string{"h2"},
				LegacyRSAKeyExchange:                true,
				LegacyCBCSuites:                     true,
				InsecureAllowNoExtendedMasterSecret: true,
			}
		}
		s12FuzzConfigs.cfgs[1].ClientAuth = handshake.RequestClientCert
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		chunk := int(data[0])%64 + 1
		e := engine.New(s12FuzzConfigs.cfgs[data[0]>>7], false)
		if err := e.Start(); err != nil {
			t.Fatal(err)
		}
		for rest := data[1:]; len(rest) > 0 && e.Err() == nil; {
			took, _ := e.Feed(rest[:min(chunk, len(rest))])
			if took == 0 {
				break
			}
			rest = rest[took:]
		}
		if err := e.Err(); err != nil && alertOf(err) == 0xff {
			if _, remote := err.(*engine.RemoteAlertError); !remote {
				t.Fatalf("error without an alert: %v", err)
			}
		}
	})
}
