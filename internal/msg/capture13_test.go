package msg

import (
	"crypto/tls"
	"reflect"
	"slices"
	"testing"

	"gotls/internal/wire"
)

// decode13 parses both directions of a TLS 1.3 capture.
func decode13(t *testing.T, c capture) (client, server []Message) {
	t.Helper()
	s := &flight{t: t, version: wire.VersionTLS13, secrets: [][]byte{
		c.secret(t, "SERVER_HANDSHAKE_TRAFFIC_SECRET"), c.secret(t, "SERVER_TRAFFIC_SECRET_0")}}
	server = s.run(c.s2c)
	cl := &flight{t: t, version: wire.VersionTLS13, suite: s.suite, secrets: [][]byte{
		c.secret(t, "CLIENT_HANDSHAKE_TRAFFIC_SECRET"), c.secret(t, "CLIENT_TRAFFIC_SECRET_0")}}
	client = cl.run(c.c2s)
	return client, server
}

// types lists the message types of msgs.
func types(msgs []Message) []wire.HandshakeType {
	var out []wire.HandshakeType
	for _, m := range msgs {
		out = append(out, m.Type())
	}
	return out
}

// checkReencodes checks that every captured message re-marshals to the
// exact bytes crypto/tls sent when it carries only extensions gotls
// writes in the same order, and to the same length when only the order
// differs.
func checkReencodes(t *testing.T, msgs []Message) {
	t.Helper()
	for _, m := range msgs {
		raw := slices.Clone(rawOf(m))
		before := extensionsOf(m)
		again, err := m.Marshal()
		if err != nil {
			t.Errorf("%v: re-marshal: %v", m.Type(), err)
			continue
		}
		after := extensionsOf(m)
		switch {
		case slices.Equal(before, after):
			if !slices.Equal(again, raw) {
				t.Errorf("%v: re-marshal differs from what crypto/tls sent", m.Type())
			}
		case sameSet(before, after):
			if len(again) != len(raw) {
				t.Errorf("%v: re-marshal has %d bytes, received %d", m.Type(), len(again), len(raw))
			}
		default:
			t.Logf("%v: crypto/tls sent extensions %v, gotls writes %v", m.Type(), before, after)
		}
	}
}

// extensionsOf returns the Extensions field of m, if it has one.
func extensionsOf(m Message) []wire.ExtensionType {
	f := reflect.ValueOf(m).Elem().FieldByName("Extensions")
	if !f.IsValid() {
		return nil
	}
	return slices.Clone(f.Interface().([]wire.ExtensionType))
}

func sameSet(a, b []wire.ExtensionType) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestCryptoTLS13(t *testing.T) {
	serverCert, clientCert := selfSigned(t, "gotls.example"), selfSigned(t, "client")
	client := &tls.Config{InsecureSkipVerify: true, ServerName: "gotls.example", NextProtos: []string{"h2", "http/1.1"},
		Certificates: []tls.Certificate{clientCert}, ClientSessionCache: tls.NewLRUClientSessionCache(4)}
	server := &tls.Config{Certificates: []tls.Certificate{serverCert}, NextProtos: []string{"h2"},
		ClientAuth: tls.RequireAnyClientCert}
	c, s := decode13(t, runTLS(t, client, server))

	wantServer := []wire.HandshakeType{wire.HandshakeServerHello, wire.HandshakeEncryptedExtensions,
		wire.HandshakeCertificateRequest, wire.HandshakeCertificate, wire.HandshakeCertificateVerify,
		wire.HandshakeFinished, wire.HandshakeNewSessionTicket}
	if got := types(s); !slices.Equal(got[:min(len(got), len(wantServer))], wantServer) {
		t.Fatalf("server messages %v, want %v...", got, wantServer)
	}
	wantClient := []wire.HandshakeType{wire.HandshakeClientHello, wire.HandshakeCertificate,
		wire.HandshakeCertificateVerify, wire.HandshakeFinished}
	if got := types(c); !slices.Equal(got, wantClient) {
		t.Fatalf("client messages %v, want %v", got, wantClient)
	}
	checkClientHello13(t, c[0].(*ClientHello))

	sh := s[0].(*ServerHello)
	if sh.IsHelloRetryRequest() || sh.SupportedVersion != wire.VersionTLS13 ||
		sh.ServerShare.Group != wire.GroupX25519MLKEM768 || len(sh.ServerShare.Data) != 1088+32 ||
		!slices.Equal(sh.SessionID, c[0].(*ClientHello).SessionID) {
		t.Errorf("server_hello: version %v share %v (%d bytes)", sh.SupportedVersion, sh.ServerShare.Group, len(sh.ServerShare.Data))
	}
	if err := CheckAllowed(wire.HandshakeServerHello, false, sh.SupportedVersion, sh.Extensions); err != nil {
		t.Errorf("CheckAllowed(server_hello): %v", err)
	}
	if ee := s[1].(*EncryptedExtensions); ee.ALPNProtocol != "h2" {
		t.Errorf("encrypted_extensions ALPN %q", ee.ALPNProtocol)
	}
	if cr := s[2].(*CertificateRequest); !cr.TLS13 || len(cr.SignatureAlgorithms) == 0 {
		t.Errorf("certificate_request: %+v", cr)
	}
	if cert := s[3].(*Certificate); len(cert.Entries) != 1 || !slices.Equal(cert.Entries[0].Data, serverCert.Certificate[0]) {
		t.Errorf("server certificate does not match")
	}
	if cert := c[1].(*Certificate); len(cert.Entries) != 1 || !slices.Equal(cert.Entries[0].Data, clientCert.Certificate[0]) {
		t.Errorf("client certificate does not match")
	}
	if cv := s[4].(*CertificateVerify); cv.Scheme != wire.ECDSAWithP256AndSHA256 {
		t.Errorf("certificate_verify scheme %v", cv.Scheme)
	}
	if nst := s[6].(*NewSessionTicket); !nst.TLS13 || len(nst.Ticket) == 0 {
		t.Errorf("new_session_ticket: %+v", nst)
	}
	checkReencodes(t, s)
	checkReencodes(t, c)

	c2, _ := decode13(t, runTLS(t, client, server)) // resumption: the ClientHello offers a PSK
	checkPSKClientHello(t, c2[0].(*ClientHello))
	checkReencodes(t, c2)
}

func checkClientHello13(t *testing.T, ch *ClientHello) {
	t.Helper()
	if ch.ServerName != "gotls.example" {
		t.Errorf("ServerName %q", ch.ServerName)
	}
	if !slices.Contains(ch.SupportedGroups, wire.GroupX25519MLKEM768) || !slices.Contains(ch.SupportedGroups, wire.GroupX25519) {
		t.Errorf("SupportedGroups %v", ch.SupportedGroups)
	}
	if !slices.Contains(ch.SupportedVersions, wire.VersionTLS13) || !slices.Contains(ch.SupportedVersions, wire.VersionTLS12) {
		t.Errorf("SupportedVersions %v", ch.SupportedVersions)
	}
	shares := map[wire.Group]int{}
	for _, ks := range ch.KeyShares {
		shares[ks.Group] = len(ks.Data)
	}
	if shares[wire.GroupX25519MLKEM768] != 1184+32 || shares[wire.GroupX25519] != 32 {
		t.Errorf("key shares %v", shares)
	}
	if !slices.Equal(ch.ALPNProtocols, []string{"h2", "http/1.1"}) || len(ch.SignatureAlgorithms) == 0 ||
		len(ch.Random) != 32 || len(ch.SessionID) != 32 || !ch.ExtendedMasterSecret {
		t.Errorf("client_hello fields: %+v", ch)
	}
	if err := CheckAllowed(wire.HandshakeClientHello, false, wire.VersionTLS13, ch.Extensions); err != nil {
		t.Errorf("CheckAllowed(client_hello): %v", err)
	}
}

func checkPSKClientHello(t *testing.T, ch *ClientHello) {
	t.Helper()
	if len(ch.PSKIdentities) != 1 || len(ch.PSKBinders) != 1 || ch.Extensions[len(ch.Extensions)-1] != wire.ExtPreSharedKey {
		t.Fatalf("resumption client_hello: identities %d binders %d extensions %v",
			len(ch.PSKIdentities), len(ch.PSKBinders), ch.Extensions)
	}
	if !slices.Contains(ch.PSKModes, wire.PSKModeDHEKE) {
		t.Errorf("PSKModes %v", ch.PSKModes)
	}
	n := ch.BindersLen()
	if n != 2+1+len(ch.PSKBinders[0]) || len(ch.TruncatedForBinders()) != len(ch.Raw)-n {
		t.Errorf("BindersLen %d, truncated %d of %d", n, len(ch.TruncatedForBinders()), len(ch.Raw))
	}
	if !slices.Equal(ch.Raw[len(ch.Raw)-len(ch.PSKBinders[0]):], ch.PSKBinders[0]) {
		t.Errorf("binder is not at the end of Raw")
	}
	truncated := slices.Clone(ch.TruncatedForBinders())
	binder := fill(len(ch.PSKBinders[0]), 0xab)
	if err := ch.SetBinders([][]byte{binder}); err != nil {
		t.Fatal(err)
	}
	again := mustParse(t, ch.Raw, 0).(*ClientHello)
	if !slices.Equal(again.PSKBinders[0], binder) || !slices.Equal(again.TruncatedForBinders(), truncated) {
		t.Errorf("SetBinders did not rewrite only the binder")
	}
}

func TestCryptoTLS13HelloRetryRequest(t *testing.T) {
	client := &tls.Config{InsecureSkipVerify: true, ServerName: "hrr.example"}
	server := &tls.Config{Certificates: []tls.Certificate{selfSigned(t, "hrr.example")},
		CurvePreferences: []tls.CurveID{tls.CurveP256}}
	c, s := decode13(t, runTLS(t, client, server))
	hrr := s[0].(*ServerHello)
	if !hrr.IsHelloRetryRequest() || hrr.SelectedGroup != wire.GroupSecp256r1 || hrr.ServerShare.Group != 0 ||
		hrr.SupportedVersion != wire.VersionTLS13 {
		t.Fatalf("hello_retry_request: %+v", hrr)
	}
	if err := CheckAllowed(wire.HandshakeServerHello, true, wire.VersionTLS13, hrr.Extensions); err != nil {
		t.Errorf("CheckAllowed(hrr): %v", err)
	}
	sh := s[1].(*ServerHello)
	if sh.IsHelloRetryRequest() || sh.ServerShare.Group != wire.GroupSecp256r1 || len(sh.ServerShare.Data) != 65 {
		t.Errorf("server_hello after hrr: %+v", sh)
	}
	ch2 := c[1].(*ClientHello)
	if len(ch2.KeyShares) != 1 || ch2.KeyShares[0].Group != wire.GroupSecp256r1 {
		t.Errorf("second client_hello key shares: %+v", ch2.KeyShares)
	}
	checkReencodes(t, s)
}
