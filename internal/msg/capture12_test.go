package msg

import (
	"crypto/tls"
	"slices"
	"testing"

	"gotls/internal/wire"
)

func TestCryptoTLS12(t *testing.T) {
	serverCert, clientCert := selfSigned(t, "legacy.example"), selfSigned(t, "client")
	client := &tls.Config{InsecureSkipVerify: true, ServerName: "legacy.example", MaxVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"}, Certificates: []tls.Certificate{clientCert},
		ClientSessionCache: tls.NewLRUClientSessionCache(1)}
	server := &tls.Config{Certificates: []tls.Certificate{serverCert}, MaxVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"}, ClientAuth: tls.RequireAnyClientCert}
	capt := runTLS(t, client, server)
	s := (&flight{t: t, version: wire.VersionTLS12}).run(capt.s2c)
	c := (&flight{t: t, version: wire.VersionTLS12}).run(capt.c2s)

	wantServer := []wire.HandshakeType{wire.HandshakeServerHello, wire.HandshakeCertificate,
		wire.HandshakeServerKeyExchange, wire.HandshakeCertificateRequest, wire.HandshakeServerHelloDone,
		wire.HandshakeNewSessionTicket}
	if got := types(s); !slices.Equal(got, wantServer) {
		t.Fatalf("server messages %v, want %v", got, wantServer)
	}
	wantClient := []wire.HandshakeType{wire.HandshakeClientHello, wire.HandshakeCertificate,
		wire.HandshakeClientKeyExchange, wire.HandshakeCertificateVerify}
	if got := types(c); !slices.Equal(got, wantClient) {
		t.Fatalf("client messages %v, want %v", got, wantClient)
	}
	sh := s[0].(*ServerHello)
	if sh.SupportedVersion != 0 || sh.Version != wire.VersionTLS12 || sh.ALPNProtocol != "http/1.1" ||
		!sh.ExtendedMasterSecret || !sh.SecureRenegotiationSupported || !sh.TicketSupported {
		t.Errorf("server_hello: %+v", sh)
	}
	if err := CheckAllowed(wire.HandshakeServerHello, false, wire.VersionTLS12, sh.Extensions); err != nil {
		t.Errorf("CheckAllowed: %v", err)
	}
	if cert := s[1].(*Certificate); cert.TLS13 || !slices.Equal(cert.Entries[0].Data, serverCert.Certificate[0]) {
		t.Errorf("certificate does not match")
	}
	p, err := ParseECDHEParams(s[2].(*ServerKeyExchange).Body, true)
	if err != nil || p.Group != wire.GroupX25519 || len(p.Public) != 32 || p.Scheme != wire.ECDSAWithP256AndSHA256 {
		t.Errorf("server_key_exchange params %+v, %v", p, err)
	}
	if cr := s[3].(*CertificateRequest); cr.TLS13 || len(cr.CertificateTypes) == 0 || len(cr.SignatureAlgorithms) == 0 {
		t.Errorf("certificate_request: %+v", cr)
	}
	if nst := s[5].(*NewSessionTicket); nst.TLS13 || len(nst.Ticket) == 0 {
		t.Errorf("new_session_ticket: %+v", nst)
	}
	if pub, err := c[2].(*ClientKeyExchange).ECDHEPublic(); err != nil || len(pub) != 32 {
		t.Errorf("client_key_exchange public %x, %v", pub, err)
	}
	checkReencodes(t, s)
	checkReencodes(t, c)
}
