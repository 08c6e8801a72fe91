package handshake_test

// The TLS 1.2 server's ClientHello checks, choices and ServerHello, and
// its handling of messages out of order, driven by the scripted client.

import (
	"bytes"
	"crypto/rand"
	"slices"
	"testing"

	"gotls/internal/handshake"
	"gotls/internal/msg"
	"gotls/internal/record"
	"gotls/internal/sig"
	"gotls/internal/wire"
)

// s12ECDHESuites are the forward secret AEAD suites for any certificate.
var s12ECDHESuites = []wire.CipherSuite{
	wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	wire.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

func TestServer12ClientHelloChecks(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	tests := []struct {
		name      string
		edit      func(*msg.ClientHello)
		server    func(*handshake.Config)
		wantAlert wire.Alert // 0: the server answers with its flight
	}{
		{"valid", nil, nil, 0},
		{"legacy version 1.3 without supported_versions", func(ch *msg.ClientHello) { ch.Version = wire.VersionTLS13 }, nil, 0},
		{"legacy version 1.1", func(ch *msg.ClientHello) { ch.Version = wire.VersionTLS11 }, nil, wire.AlertProtocolVersion},
		{"supported_versions 1.1 only", func(ch *msg.ClientHello) { ch.SupportedVersions = []wire.Version{wire.VersionTLS11} }, nil, wire.AlertProtocolVersion},
		{"fallback scsv, we support 1.3", func(ch *msg.ClientHello) {
			ch.CipherSuites = append(ch.CipherSuites, wire.TLS_FALLBACK_SCSV)
		}, nil, wire.AlertInappropriateFallback},
		{"fallback scsv, our best is 1.2", func(ch *msg.ClientHello) {
			ch.CipherSuites = append(ch.CipherSuites, wire.TLS_FALLBACK_SCSV)
		}, func(s *handshake.Config) { s.MaxVersion = wire.VersionTLS12 }, 0},
		{"no extended master secret", func(ch *msg.ClientHello) { ch.ExtendedMasterSecret = false }, nil, wire.AlertHandshakeFailure},
		{"no extended master secret, allowed", func(ch *msg.ClientHello) { ch.ExtendedMasterSecret = false },
			func(s *handshake.Config) { s.InsecureAllowNoExtendedMasterSecret = true }, 0},
		{"no null compression", func(ch *msg.ClientHello) { ch.CompressionMethods = []uint8{1} }, nil, wire.AlertIllegalParameter},
		{"compression offered with null", func(ch *msg.ClientHello) { ch.CompressionMethods = []uint8{1, 0} }, nil, 0},
		{"non-empty renegotiation_info", func(ch *msg.ClientHello) { ch.SecureRenegotiation = []byte{1, 2, 3} }, nil, wire.AlertHandshakeFailure},
		{"no signature_algorithms", func(ch *msg.ClientHello) { ch.SignatureAlgorithms = nil }, nil, wire.AlertHandshakeFailure},
		{"only sha-1 signatures", func(ch *msg.ClientHello) {
			ch.SignatureAlgorithms = []wire.SignatureScheme{wire.ECDSAWithSHA1, wire.PKCS1WithSHA1}
		}, nil, wire.AlertHandshakeFailure},
		{"no supported_groups", func(ch *msg.ClientHello) { ch.SupportedGroups = nil }, nil, wire.AlertHandshakeFailure},
		{"only tls 1.3 groups", func(ch *msg.ClientHello) { ch.SupportedGroups = []wire.Group{wire.GroupX25519MLKEM768} }, nil, wire.AlertHandshakeFailure},
		{"compressed points only", func(ch *msg.ClientHello) { ch.ECPointFormats = []uint8{1} }, nil, wire.AlertIllegalParameter},
		{"compressed points only, no ECC curve", func(ch *msg.ClientHello) {
			ch.ECPointFormats, ch.SupportedGroups = []uint8{1}, []wire.Group{wire.GroupFFDHE2048}
		}, nil, wire.AlertHandshakeFailure},
		{"uncompressed among others", func(ch *msg.ClientHello) { ch.ECPointFormats = []uint8{1, 0, 2} }, nil, 0},
		{"no common suite", func(ch *msg.ClientHello) { ch.CipherSuites = []wire.CipherSuite{wire.TLS_RSA_WITH_AES_128_CBC_SHA} }, nil, wire.AlertHandshakeFailure},
		{"cbc only, off by default", func(ch *msg.ClientHello) {
			ch.CipherSuites = []wire.CipherSuite{wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}
		}, nil, wire.AlertHandshakeFailure},
		{"cbc only, switch on", func(ch *msg.ClientHello) {
			ch.CipherSuites = []wire.CipherSuite{wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}
		}, func(s *handshake.Config) { s.LegacyCBCSuites = true }, 0},
		{"tls 1.3 suites only", func(ch *msg.ClientHello) { ch.CipherSuites = []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256} }, nil, wire.AlertHandshakeFailure},
		{"alpn mismatch", func(ch *msg.ClientHello) { ch.ALPNProtocols = []string{"h2"} },
			func(s *handshake.Config) { s.NextProtos = []string{"http/1.1"} }, wire.AlertNoApplicationProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, scfg := pki.configs()
			if tt.server != nil {
				tt.server(scfg)
			}
			ch := s12Hello(s12ECDHESuites...)
			if tt.edit != nil {
				tt.edit(ch)
			}
			s := s12Start(t, scfg, ch)
			if tt.wantAlert != 0 {
				if got := alertOf(s.Err); got != tt.wantAlert {
					t.Fatalf("error %v, want alert %v", s.Err, tt.wantAlert)
				}
				return
			}
			if s.Err != nil {
				t.Fatalf("server failed: %v", s.Err)
			}
			if got := s.E.Handshake().StateName(); got != "server:expect ClientKeyExchange" {
				t.Fatalf("server in state %s", got)
			}
		})
	}
}

func TestServer12ServerHello(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	tests := []struct {
		name   string
		edit   func(*msg.ClientHello)
		server func(*handshake.Config)
		check  func(t *testing.T, sh *msg.ServerHello)
	}{
		{"downgrade sentinel when we support 1.3", nil, nil, func(t *testing.T, sh *msg.ServerHello) {
			if !bytes.Equal(sh.Random[24:], wire.DowngradeTLS12[:]) {
				t.Errorf("random %x lacks the downgrade sentinel", sh.Random)
			}
		}},
		{"no sentinel when our best is 1.2", nil, func(s *handshake.Config) { s.MaxVersion = wire.VersionTLS12 }, func(t *testing.T, sh *msg.ServerHello) {
			if bytes.Equal(sh.Random[24:], wire.DowngradeTLS12[:]) || bytes.Equal(sh.Random[24:], wire.DowngradeTLS11[:]) {
				t.Errorf("random %x has a downgrade sentinel", sh.Random)
			}
		}},
		{"extensions answered", func(ch *msg.ClientHello) { ch.ALPNProtocols = []string{"h2"} },
			func(s *handshake.Config) { s.NextProtos = []string{"h2"} }, func(t *testing.T, sh *msg.ServerHello) {
				if sh.Version != wire.VersionTLS12 || len(sh.SessionID) != 32 || sh.SupportedVersion != 0 {
					t.Errorf("version %v, session id %d bytes, supported_version %v", sh.Version, len(sh.SessionID), sh.SupportedVersion)
				}
				if !sh.ExtendedMasterSecret || !sh.SecureRenegotiationSupported || len(sh.SecureRenegotiation) != 0 {
					t.Errorf("ems %t, renegotiation_info %t %x", sh.ExtendedMasterSecret, sh.SecureRenegotiationSupported, sh.SecureRenegotiation)
				}
				if !slices.Equal(sh.ECPointFormats, []uint8{0}) || sh.ALPNProtocol != "h2" || !sh.ServerNameAck {
					t.Errorf("point formats %v, alpn %q, sni ack %t", sh.ECPointFormats, sh.ALPNProtocol, sh.ServerNameAck)
				}
				if slices.Contains(sh.Extensions, wire.ExtSessionTicket) || slices.Contains(sh.Extensions, wire.ExtStatusRequest) {
					t.Errorf("unrequested extensions %v", sh.Extensions)
				}
			}},
		{"renegotiation scsv only", func(ch *msg.ClientHello) {
			ch.SecureRenegotiationSupported = false
			ch.CipherSuites = append(ch.CipherSuites, wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
		}, nil, func(t *testing.T, sh *msg.ServerHello) {
			if !sh.SecureRenegotiationSupported {
				t.Errorf("no renegotiation_info for a client that sent the scsv")
			}
		}},
		{"no renegotiation support", func(ch *msg.ClientHello) { ch.SecureRenegotiationSupported = false; ch.ECPointFormats = nil },
			nil, func(t *testing.T, sh *msg.ServerHello) {
				if slices.Contains(sh.Extensions, wire.ExtRenegotiationInfo) || slices.Contains(sh.Extensions, wire.ExtECPointFormats) {
					t.Errorf("unrequested extensions %v", sh.Extensions)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, scfg := pki.configs()
			if tt.server != nil {
				tt.server(scfg)
			}
			ch := s12Hello(s12ECDHESuites...)
			if tt.edit != nil {
				tt.edit(ch)
			}
			s := s12Start(t, scfg, ch)
			if s.Err != nil {
				t.Fatalf("server failed: %v", s.Err)
			}
			tt.check(t, s.sh)
		})
	}
}

func TestServer12Choices(t *testing.T) {
	ca := newTestCA(t, keyECDSAP256, "choices root")
	ecdsaCert := ca.issue(t, keyECDSAP256, leafOptions{CommonName: "ecdsa"})
	rsaCert := ca.issue(t, keyRSA2048, leafOptions{CommonName: "rsa"})
	aes := handshake.HasAESGCMHardware()
	first := map[bool]wire.CipherSuite{true: wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, false: wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}
	tests := []struct {
		name       string
		suites     []wire.CipherSuite
		groups     []wire.Group
		server     func(*handshake.Config)
		wantSuite  wire.CipherSuite
		wantGroup  wire.Group
		wantCertCN string
	}{
		{"server order wins", []wire.CipherSuite{wire.TLS_RSA_WITH_AES_128_GCM_SHA256, wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256},
			nil, func(s *handshake.Config) { s.LegacyRSAKeyExchange = true }, first[aes], wire.GroupX25519, "rsa"},
		{"client lists chacha first", []wire.CipherSuite{wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
			nil, nil, wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, wire.GroupX25519, "rsa"},
		{"rsa suites pick the rsa certificate", []wire.CipherSuite{wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
			nil, nil, wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, wire.GroupX25519, "rsa"},
		{"ecdsa suites pick the ecdsa certificate", []wire.CipherSuite{wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
			nil, nil, wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, wire.GroupX25519, "ecdsa"},
		{"rsa key transport needs the switch", []wire.CipherSuite{wire.TLS_RSA_WITH_AES_256_GCM_SHA384, wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
			nil, nil, wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, wire.GroupX25519, "rsa"},
		{"ECDSA certificate curve not among the client's groups", []wire.CipherSuite{wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
			[]wire.Group{wire.GroupX25519}, nil, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, wire.GroupX25519, "rsa"},
		{"server group preference", []wire.CipherSuite{wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, []wire.Group{wire.GroupX25519MLKEM768, wire.GroupX25519, wire.GroupSecp384r1, wire.GroupSecp256r1},
			func(s *handshake.Config) {
				s.CurvePreferences = []wire.Group{wire.GroupX25519MLKEM768, wire.GroupSecp384r1, wire.GroupX25519}
			}, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, wire.GroupSecp384r1, "ecdsa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scfg := &handshake.Config{Certificates: []*handshake.Certificate{ecdsaCert, rsaCert}}
			if tt.server != nil {
				tt.server(scfg)
			}
			ch := s12Hello(tt.suites...)
			if tt.groups != nil {
				ch.SupportedGroups = tt.groups
			}
			s := s12Start(t, scfg, ch)
			if s.Err != nil {
				t.Fatalf("server failed: %v", s.Err)
			}
			if s.sh.CipherSuite != tt.wantSuite || s.leaf.Subject.CommonName != tt.wantCertCN {
				t.Errorf("chose %v with certificate %q, want %v with %q", s.sh.CipherSuite, s.leaf.Subject.CommonName, tt.wantSuite, tt.wantCertCN)
			}
			if s.params == nil || s.params.Group != tt.wantGroup {
				t.Errorf("server key exchange %+v, want group %v", s.params, tt.wantGroup)
			}
		})
	}
}

// s12Connected runs a full ECDHE handshake with the scripted client.
func s12Connected(t *testing.T, scfg *handshake.Config, ch *msg.ClientHello) *s12Script {
	t.Helper()
	s := s12Start(t, scfg, ch)
	if s.Err != nil {
		t.Fatalf("server refused the hello: %v", s.Err)
	}
	s.finish(s.ecdheKeyExchange())
	if s.Err != nil || !s.serverFinished {
		t.Fatalf("handshake failed: %v", s.Err)
	}
	return s
}

func TestServer12ScriptedHandshake(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	for _, ems := range []bool{true, false} {
		_, scfg := pki.configs()
		scfg.InsecureAllowNoExtendedMasterSecret = true
		ch := s12Hello(s12ECDHESuites...)
		ch.ExtendedMasterSecret = ems
		s := s12Connected(t, scfg, ch)
		s.sendProtected(wire.ContentApplicationData, []byte("hello server"))
		var buf [64]byte
		n, _ := s.E.Read(buf[:])
		if string(buf[:n]) != "hello server" {
			t.Fatalf("server read %q", buf[:n])
		}
		if _, err := s.E.Write([]byte("hello client")); err != nil {
			t.Fatal(err)
		}
		s.readServer()
		if string(s.App) != "hello client" {
			t.Fatalf("client read %q", s.App)
		}
		_, err := s.E.Handshake().ExportKeyingMaterial("label", nil, 16)
		if (err == nil) != ems {
			t.Errorf("ems %t: exporter error %v", ems, err)
		}
	}
}

func TestServer12PostHandshakeMessages(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	hello, err := s12Hello(s12ECDHESuites...).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		message   []byte
		wantAlert wire.Alert
	}{
		{"renegotiation", hello, wire.AlertNoRenegotiation},
		{"key update", []byte{byte(wire.HandshakeKeyUpdate), 0, 0, 1, 0}, wire.AlertUnexpectedMessage},
		{"finished", []byte{byte(wire.HandshakeFinished), 0, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, wire.AlertUnexpectedMessage},
		{"hello request", []byte{byte(wire.HandshakeHelloRequest), 0, 0, 0}, wire.AlertUnexpectedMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, scfg := pki.configs()
			s := s12Connected(t, scfg, s12Hello(s12ECDHESuites...))
			s.sendProtected(wire.ContentHandshake, tt.message)
			if got := alertOf(s.Err); got != tt.wantAlert {
				t.Fatalf("server error %v, want %v", s.Err, tt.wantAlert)
			}
			if !slices.Equal(s.Alerts, []wire.Alert{tt.wantAlert}) {
				t.Fatalf("server sent %v", s.Alerts)
			}
		})
	}
	t.Run("change_cipher_spec", func(t *testing.T) {
		_, scfg := pki.configs()
		s := s12Connected(t, scfg, s12Hello(s12ECDHESuites...))
		s.sendProtected(wire.ContentChangeCipherSpec, []byte{1})
		if got := alertOf(s.Err); got != wire.AlertUnexpectedMessage {
			t.Fatalf("server error %v, want unexpected_message", s.Err)
		}
	})
}

func TestServer12OutOfOrder(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	plain := record.Plaintext(wire.VersionTLS12)
	tests := []struct {
		name string
		// send builds what the client sends after the server's flight.
		send func(s *s12Script) []byte
		want wire.Alert
	}{
		{"change_cipher_spec before key exchange", func(s *s12Script) []byte { return ccsRecord() }, wire.AlertUnexpectedMessage},
		{"finished before change_cipher_spec", func(s *s12Script) []byte {
			cke, pm := s.ecdheKeyExchange()
			s.deriveKeys(pm)
			fin := []byte{byte(wire.HandshakeFinished), 0, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
			return append(plain.Seal(nil, wire.ContentHandshake, cke, 0), plain.Seal(nil, wire.ContentHandshake, fin, 0)...)
		}, wire.AlertUnexpectedMessage},
		{"two change_cipher_specs", func(s *s12Script) []byte {
			cke, pm := s.ecdheKeyExchange()
			s.deriveKeys(pm)
			out := append(plain.Seal(nil, wire.ContentHandshake, cke, 0), ccsRecord()...)
			return append(out, s.wrNext.Seal(nil, wire.ContentChangeCipherSpec, []byte{1}, 0)...)
		}, wire.AlertUnexpectedMessage},
		{"application data before finished", func(s *s12Script) []byte {
			cke, pm := s.ecdheKeyExchange()
			s.deriveKeys(pm)
			out := append(plain.Seal(nil, wire.ContentHandshake, cke, 0), ccsRecord()...)
			return append(out, s.wrNext.Seal(nil, wire.ContentApplicationData, []byte("early"), 0)...)
		}, wire.AlertUnexpectedMessage},
		{"certificate not requested", func(s *s12Script) []byte {
			return plain.Seal(nil, wire.ContentHandshake, []byte{byte(wire.HandshakeCertificate), 0, 0, 3, 0, 0, 0}, 0)
		}, wire.AlertUnexpectedMessage},
		{"bad ecdhe public key", func(s *s12Script) []byte {
			cke, err := msg.NewECDHEClientKeyExchange(make([]byte, 32))
			if err != nil {
				t.Fatal(err)
			}
			return plain.Seal(nil, wire.ContentHandshake, s.marshal(cke), 0)
		}, wire.AlertIllegalParameter},
		{"wrong finished with the right keys", func(s *s12Script) []byte {
			cke, pm := s.ecdheKeyExchange()
			s.deriveKeys(pm)
			out := append(plain.Seal(nil, wire.ContentHandshake, cke, 0), ccsRecord()...)
			fin := []byte{byte(wire.HandshakeFinished), 0, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
			return append(out, s.wrNext.Seal(nil, wire.ContentHandshake, fin, 0)...)
		}, wire.AlertDecryptError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, scfg := pki.configs()
			s := s12Start(t, scfg, s12Hello(s12ECDHESuites...))
			s.feed(tt.send(s))
			if got := alertOf(s.Err); got != tt.want {
				t.Fatalf("server error %v, want %v", s.Err, tt.want)
			}
		})
	}
}

func TestServer12ScriptedClientAuth(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	plain := record.Plaintext(wire.VersionTLS12)
	tests := []struct {
		name string
		// scheme signs CertificateVerify; 0 sends no CertificateVerify.
		scheme  wire.SignatureScheme
		corrupt bool
		want    wire.Alert
	}{
		{"valid", wire.ECDSAWithP256AndSHA256, false, 0},
		{"valid with sha-384", wire.ECDSAWithP384AndSHA384, false, 0},
		{"no certificate verify", 0, false, wire.AlertUnexpectedMessage},
		{"scheme not offered", wire.ECDSAWithSHA1, false, wire.AlertIllegalParameter},
		{"bad signature", wire.ECDSAWithP256AndSHA256, true, wire.AlertDecryptError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, scfg := pki.configs()
			scfg.ClientAuth = handshake.RequireAndVerifyClientCert
			s := s12Start(t, scfg, s12Hello(s12ECDHESuites...))
			if s.certRq == nil || len(s.certRq.CertificateAuthorities) == 0 {
				t.Fatalf("no certificate request with CA names: %+v", s.certRq)
			}
			out := plain.Seal(nil, wire.ContentHandshake, s.marshal(&msg.Certificate{Entries: []msg.CertificateEntry{{Data: pki.Client.Chain[0]}}}), 0)
			cke, pm := s.ecdheKeyExchange()
			out = plain.Seal(out, wire.ContentHandshake, cke, 0)
			// The session hash of the extended master secret ends with the
			// ClientKeyExchange (RFC 7627, Section 3).
			s.deriveKeys(pm)
			if tt.scheme != 0 {
				out = plain.Seal(out, wire.ContentHandshake, s12CertificateVerify(t, s, pki.Client, tt.scheme, tt.corrupt), 0)
			}
			out = append(out, ccsRecord()...)
			out = append(out, s.finishedRecord()...)
			s.feed(out)
			s.checkServerFinished()
			if tt.want == 0 {
				if s.Err != nil || !s.serverFinished {
					t.Fatalf("handshake failed: %v", s.Err)
				}
				return
			}
			if got := alertOf(s.Err); got != tt.want {
				t.Fatalf("server error %v, want %v", s.Err, tt.want)
			}
		})
	}
}

// s12CertificateVerify signs the transcript with cert's key.
func s12CertificateVerify(t *testing.T, s *s12Script, cert *handshake.Certificate, scheme wire.SignatureScheme, corrupt bool) []byte {
	signature := []byte{0x30, 0x00}
	if scheme != wire.ECDSAWithSHA1 {
		var err error
		signature, err = sig.Sign(cert.PrivateKey, scheme, rand.Reader, s.transcript)
		if err != nil {
			t.Fatal(err)
		}
	}
	if corrupt {
		signature[len(signature)-1] ^= 1
	}
	return s.marshal(&msg.CertificateVerify{Scheme: scheme, Signature: signature})
}
