package engine_test

import (
	"errors"
	"strings"
	"testing"

	"gotls/internal/engine"
	"gotls/internal/msg"
	"gotls/internal/wire"
)

// serverCase feeds hand-made bytes to our server.
type serverCase struct {
	name  string
	input func(t testing.TB) []byte
	alert wire.Alert
	// ok means the input must be accepted (the server answers with its flight).
	ok bool
}

func hello(t testing.TB, edit func(h *rawHello)) []byte {
	h := validHello(t)
	if edit != nil {
		edit(h)
	}
	return plainRecord(wire.ContentHandshake, h.bytes())
}

var serverCases = []serverCase{
	{name: "valid hello is accepted", ok: true, input: func(t testing.TB) []byte { return hello(t, nil) }},
	{name: "unknown extension is ignored", ok: true, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) { h.set(0x7a7a, []byte{1, 2, 3}) })
	}},
	{name: "plaintext record over 2^14", alert: wire.AlertRecordOverflow, input: func(t testing.TB) []byte {
		return plainRecord(wire.ContentHandshake, make([]byte, 1<<14+1))
	}},
	{name: "record length over any limit", alert: wire.AlertRecordOverflow, input: func(t testing.TB) []byte {
		return []byte{22, 3, 3, 0xff, 0xff}
	}},
	{name: "unknown content type", alert: wire.AlertUnexpectedMessage, input: func(t testing.TB) []byte {
		return plainRecord(99, []byte{1})
	}},
	{name: "application data before handshake", alert: wire.AlertUnexpectedMessage, input: func(t testing.TB) []byte {
		return plainRecord(wire.ContentApplicationData, []byte("GET /"))
	}},
	{name: "empty handshake record", alert: wire.AlertUnexpectedMessage, input: func(t testing.TB) []byte {
		return plainRecord(wire.ContentHandshake, nil)
	}},
	{name: "alert record of one byte", alert: wire.AlertDecodeError, input: func(t testing.TB) []byte {
		return plainRecord(wire.ContentAlert, []byte{2})
	}},
	{name: "change_cipher_spec before ClientHello", alert: wire.AlertUnexpectedMessage, input: func(t testing.TB) []byte {
		return plainRecord(wire.ContentChangeCipherSpec, []byte{1})
	}},
	{name: "change_cipher_spec with bad payload", alert: wire.AlertUnexpectedMessage, input: func(t testing.TB) []byte {
		return append(hello(t, nil), plainRecord(wire.ContentChangeCipherSpec, []byte{2})...)
	}},
	{name: "Finished instead of ClientHello", alert: wire.AlertUnexpectedMessage, input: func(t testing.TB) []byte {
		return plainRecord(wire.ContentHandshake, append([]byte{20, 0, 0, 32}, make([]byte, 32)...))
	}},
	{name: "unknown handshake type", alert: wire.AlertUnexpectedMessage, input: func(t testing.TB) []byte {
		return plainRecord(wire.ContentHandshake, []byte{99, 0, 0, 0})
	}},
	{name: "oversized ClientHello header", alert: wire.AlertDecodeError, input: func(t testing.TB) []byte {
		return plainRecord(wire.ContentHandshake, []byte{1, 0xff, 0xff, 0xff})
	}},
	{name: "ClientHello with trailing bytes", alert: wire.AlertDecodeError, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) { h.trailing = []byte{0} })
	}},
	{name: "ClientHello truncated inside extensions", alert: wire.AlertDecodeError, input: func(t testing.TB) []byte {
		b := validHello(t).bytes()
		b = b[:len(b)-3]
		n := len(b) - 4
		b[1], b[2], b[3] = byte(n>>16), byte(n>>8), byte(n)
		return plainRecord(wire.ContentHandshake, b)
	}},
	{name: "duplicate extension", alert: wire.AlertDecodeError, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) {
			h.exts = append(h.exts, ext{wire.ExtSupportedGroups, u16list(uint16(wire.GroupX25519))})
		})
	}},
	{name: "pre_shared_key not last", alert: wire.AlertIllegalParameter, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) {
			psk := []byte{0, 7, 0, 1, 'x', 0, 0, 0, 0, 0, 33, 32}
			psk = append(psk, make([]byte, 32)...)
			h.exts = append([]ext{{wire.ExtPreSharedKey, psk}}, h.exts...)
		})
	}},
	{name: "TLS 1.2 hello without extended master secret", alert: wire.AlertHandshakeFailure, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) { h.drop(wire.ExtSupportedVersions) })
	}},
	{name: "supported_versions with only TLS 1.1", alert: wire.AlertProtocolVersion, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) { h.set(wire.ExtSupportedVersions, []byte{2, 3, 2}) })
	}},
	{name: "legacy_version SSL 3.0 without supported_versions", alert: wire.AlertProtocolVersion, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) { h.version = 0x0300; h.drop(wire.ExtSupportedVersions) })
	}},
	{name: "compression method other than null", alert: wire.AlertIllegalParameter, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) { h.comp = []byte{1, 0} })
	}},
	{name: "key share for a group not in supported_groups", alert: wire.AlertIllegalParameter, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) {
			h.set(wire.ExtSupportedGroups, u16list(uint16(wire.GroupSecp256r1)))
		})
	}},
	{name: "two key shares for one group", alert: wire.AlertIllegalParameter, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) {
			s := msg.KeyShare{Group: wire.GroupX25519, Data: x25519Share(t)}
			h.set(wire.ExtKeyShare, keyShareBody(s, s))
		})
	}},
	{name: "X25519 share of the wrong length", alert: wire.AlertIllegalParameter, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) {
			h.set(wire.ExtKeyShare, keyShareBody(msg.KeyShare{Group: wire.GroupX25519, Data: make([]byte, 31)}))
		})
	}},
	{name: "all-zero X25519 share", alert: wire.AlertIllegalParameter, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) {
			h.set(wire.ExtKeyShare, keyShareBody(msg.KeyShare{Group: wire.GroupX25519, Data: make([]byte, 32)}))
		})
	}},
	{name: "no signature_algorithms", alert: wire.AlertMissingExtension, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) { h.drop(wire.ExtSignatureAlgorithms) })
	}},
	{name: "no cipher suite in common", alert: wire.AlertHandshakeFailure, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) { h.suites = []uint16{0x1305} })
	}},
	{name: "no group in common", alert: wire.AlertHandshakeFailure, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) {
			h.set(wire.ExtSupportedGroups, u16list(0x0100))
			h.set(wire.ExtKeyShare, keyShareBody())
		})
	}},
	{name: "empty server_name", alert: wire.AlertDecodeError, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) { h.set(wire.ExtServerName, sniBody("")) })
	}},
	{name: "empty cipher suite list", alert: wire.AlertDecodeError, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) { h.suites = nil })
	}},
	{name: "empty ALPN protocol name", alert: wire.AlertDecodeError, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) { h.set(wire.ExtALPN, alpnBody("")) })
	}},
	{name: "odd-length supported_groups", alert: wire.AlertDecodeError, input: func(t testing.TB) []byte {
		return hello(t, func(h *rawHello) { h.set(wire.ExtSupportedGroups, []byte{0, 3, 0, 29, 0}) })
	}},
}

func TestHostileClientInput(t *testing.T) {
	for _, tc := range serverCases {
		t.Run(tc.name, func(t *testing.T) {
			srv := engine.New(serverConfig(t), false)
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			_, err := srv.Feed(tc.input(t))
			if tc.ok {
				if err != nil || !srv.HasOutput() {
					t.Fatalf("input refused: %v", err)
				}
				return
			}
			checkFailure(t, err, srv.Output(), tc.alert)
		})
	}
}

// checkFailure asserts that err carries alert want, that the same alert
// went out, and that the error text starts with "tls: ".
func checkFailure(t *testing.T, err error, out []byte, want wire.Alert) {
	t.Helper()
	if err == nil {
		t.Fatalf("input accepted; want %s", want)
	}
	got, ok := alertOf(err)
	if !ok || got != want {
		t.Fatalf("error %q carries alert %v; want %s", err, got, want)
	}
	if !strings.HasPrefix(err.Error(), "tls: ") {
		t.Errorf("error %q does not start with tls:", err)
	}
	if sent, ok := sentAlert(out); ok && sent != want {
		t.Errorf("sent alert %s; want %s", sent, want)
	}
}

// clientCase feeds a broken server flight to our client.
type clientCase struct {
	name  string
	mods  serverMods
	alert wire.Alert
	// tail is appended after the flight.
	tail func(f *fakeServer) []byte
}

var clientCases = []clientCase{
	{name: "session id echo differs", alert: wire.AlertIllegalParameter,
		mods: serverMods{sh: func(m *msg.ServerHello) { m.SessionID = []byte{1, 2, 3} }}},
	{name: "cipher suite not offered", alert: wire.AlertIllegalParameter,
		mods: serverMods{sh: func(m *msg.ServerHello) { m.CipherSuite = 0x1305 }}},
	{name: "compression method not null", alert: wire.AlertIllegalParameter,
		mods: serverMods{sh: func(m *msg.ServerHello) { m.CompressionMethod = 1 }}},
	{name: "key share for a group not offered", alert: wire.AlertIllegalParameter,
		mods: serverMods{sh: func(m *msg.ServerHello) { m.ServerShare.Group = wire.GroupSecp521r1 }}},
	{name: "unknown selected version", alert: wire.AlertIllegalParameter,
		mods: serverMods{sh: func(m *msg.ServerHello) { m.SupportedVersion = 0x0305 }}},
	{name: "ServerHello extension not offered (pre_shared_key)", alert: wire.AlertUnsupportedExtension,
		mods: serverMods{sh: func(m *msg.ServerHello) { m.SelectedIdentityPresent = true }}},
	{name: "ALPN in EncryptedExtensions when not offered", alert: wire.AlertUnsupportedExtension,
		mods: serverMods{ee: func(m *msg.EncryptedExtensions) { m.ALPNProtocol = "h2" }}},
	{name: "early_data in EncryptedExtensions when not offered", alert: wire.AlertUnsupportedExtension,
		mods: serverMods{ee: func(m *msg.EncryptedExtensions) { m.EarlyData = true }}},
	{name: "empty Certificate", alert: wire.AlertDecodeError,
		mods: serverMods{cert: func(m *msg.Certificate) { m.Entries = nil }}},
	{name: "garbage certificate", alert: wire.AlertBadCertificate,
		mods: serverMods{cert: func(m *msg.Certificate) { m.Entries[0].Data = []byte{0x30, 0x03, 1, 2, 3} }}},
	{name: "bad CertificateVerify signature", alert: wire.AlertDecryptError,
		mods: serverMods{cv: func(m *msg.CertificateVerify) { m.Signature[len(m.Signature)/2] ^= 1 }}},
	{name: "CertificateVerify scheme not offered", alert: wire.AlertIllegalParameter,
		mods: serverMods{cv: func(m *msg.CertificateVerify) { m.Scheme = wire.ECDSAWithSHA1 }}},
	{name: "bad Finished", alert: wire.AlertDecryptError,
		mods: serverMods{fin: func(m *msg.Finished) { m.VerifyData[0] ^= 0x80 }}},
	{name: "Finished of the wrong length", alert: wire.AlertDecryptError,
		mods: serverMods{fin: func(m *msg.Finished) { m.VerifyData = m.VerifyData[:16] }}},
	{name: "Finished without a certificate", alert: wire.AlertUnexpectedMessage,
		mods: serverMods{skipCert: true}},
	{name: "Certificate sent twice", alert: wire.AlertUnexpectedMessage,
		mods: serverMods{flight: func(m [][]byte) [][]byte { return [][]byte{m[0], m[1], m[1], m[2], m[3]} }}},
	{name: "EncryptedExtensions missing", alert: wire.AlertUnexpectedMessage,
		mods: serverMods{flight: func(m [][]byte) [][]byte { return m[1:] }}},
	{name: "tampered encrypted record", alert: wire.AlertBadRecordMAC,
		mods: serverMods{record: func(r []byte) []byte { r[len(r)-1] ^= 1; return r }}},
	{name: "encrypted record over 2^14+256", alert: wire.AlertRecordOverflow,
		mods: serverMods{record: func(r []byte) []byte {
			const n = 1<<14 + 257
			r = append(r[:5:5], make([]byte, n)...)
			r[3], r[4] = n>>8, n&0xff
			return r
		}}},
	{name: "encrypted record with outer type handshake", alert: wire.AlertUnexpectedMessage,
		mods: serverMods{record: func(r []byte) []byte { r[0] = byte(wire.ContentHandshake); return r }}},
	{name: "inner plaintext of only zeros", alert: wire.AlertUnexpectedMessage,
		mods: serverMods{flight: func(m [][]byte) [][]byte { return m[:1] }},
		tail: func(f *fakeServer) []byte { return f.wr.Seal(nil, 0, nil, 3) }},
	{name: "ServerHello with TLS 1.1 legacy version", alert: wire.AlertIllegalParameter,
		mods: serverMods{sh: func(m *msg.ServerHello) { m.Version = wire.VersionTLS11 }}},
	{name: "application data before Finished", alert: wire.AlertUnexpectedMessage,
		mods: serverMods{flight: func(m [][]byte) [][]byte { return m[:1] }},
		tail: func(f *fakeServer) []byte { return f.wr.Seal(nil, wire.ContentApplicationData, []byte("early"), 0) }},
	{name: "ClientHello sent to the client", alert: wire.AlertUnexpectedMessage,
		mods: serverMods{flight: func(m [][]byte) [][]byte { return [][]byte{validHello(nil).bytes()} }}},
}

func TestHostileServerInput(t *testing.T) {
	for _, tc := range clientCases {
		t.Run(tc.name, func(t *testing.T) {
			cl := engine.New(clientConfig(t), true)
			f := &fakeServer{t: t, ch: clientHelloFrom(t, cl), mods: tc.mods}
			in := f.flight()
			if tc.tail != nil {
				in = append(in, tc.tail(f)...)
			}
			err := feedAll(cl, in)
			if err == nil {
				err = cl.Err()
			}
			checkFailure(t, err, cl.Output(), tc.alert)
		})
	}
}

// TestHostileCount keeps the hostile table at the size the project promises.
func TestHostileCount(t *testing.T) {
	if n := len(serverCases) + len(clientCases); n < 40 {
		t.Fatalf("only %d hostile cases", n)
	}
}

// TestKeyUpdateBurstAnsweredOnce checks RFC 8446, Section 4.6.3: requests
// received while silent get a single answer.
func TestKeyUpdateBurstAnsweredOnce(t *testing.T) {
	cl := engine.New(clientConfig(t), true)
	srv := engine.New(serverConfig(t), false)
	if err := cl.Start(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if errA, errB := pump(t, cl, srv); errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	for i := 0; i < 5; i++ {
		if err := cl.KeyUpdate(true); err != nil {
			t.Fatal(err)
		}
	}
	burst := append([]byte(nil), cl.Output()...)
	cl.Sent(len(burst))
	// Feed the requests one record at a time: they arrive while the server
	// is silent, however they are split.
	for len(burst) > 0 {
		n := 5 + (int(burst[3])<<8 | int(burst[4]))
		if err := feedAll(srv, burst[:n]); err != nil {
			t.Fatal(err)
		}
		burst = burst[n:]
	}
	if n := countRecords(srv.Output()); n != 0 {
		t.Fatalf("server answered before sending anything: %d records", n)
	}
	if _, err := srv.Write([]byte("data")); err != nil {
		t.Fatal(err)
	}
	if n := countRecords(srv.Output()); n != 2 {
		t.Fatalf("server sent %d records for one write after 5 requested KeyUpdates; want the KeyUpdate and the data", n)
	}
	if err := feedAll(cl, append([]byte(nil), srv.Output()...)); err != nil {
		t.Fatalf("client could not read the answer and the data: %v", err)
	}
}

// TestIdleRecordLimits checks that a stream of KeyUpdates with no data
// between them ends the connection.
func TestIdleRecordLimits(t *testing.T) {
	cl := engine.New(clientConfig(t), true)
	srv := engine.New(serverConfig(t), false)
	cl.Start()
	srv.Start()
	if errA, errB := pump(t, cl, srv); errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	for i := 0; i < 40; i++ {
		if err := cl.KeyUpdate(false); err != nil {
			t.Fatal(err)
		}
	}
	err := feedAll(srv, append([]byte(nil), cl.Output()...))
	checkFailure(t, err, srv.Output(), wire.AlertUnexpectedMessage)
}

func countRecords(b []byte) int {
	n := 0
	for len(b) >= 5 {
		b = b[5+(int(b[3])<<8|int(b[4])):]
		n++
	}
	return n
}

// TestAutomaticKeyUpdate checks that a writer whose keys near the AEAD
// limit sends a KeyUpdate before its next record (RFC 8446, Section 5.5),
// and that the peer keeps reading.
func TestAutomaticKeyUpdate(t *testing.T) {
	cl := engine.New(clientConfig(t), true)
	srv := engine.New(serverConfig(t), false)
	cl.Start()
	srv.Start()
	if errA, errB := pump(t, cl, srv); errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	cl.WearOutWriteKeys()
	if _, err := cl.Write([]byte("after the limit")); err != nil {
		t.Fatal(err)
	}
	if n := countRecords(cl.Output()); n != 2 {
		t.Fatalf("client sent %d records; want a KeyUpdate and the data", n)
	}
	if err := feedAll(srv, append([]byte(nil), cl.Output()...)); err != nil {
		t.Fatalf("server could not read after the KeyUpdate: %v", err)
	}
	cl.Sent(len(cl.Output()))
	if _, err := cl.Write([]byte("again")); err != nil {
		t.Fatal(err)
	}
	if n := countRecords(cl.Output()); n != 1 {
		t.Fatalf("client sent %d records with fresh keys; want only the data", n)
	}
	if err := feedAll(srv, append([]byte(nil), cl.Output()...)); err != nil {
		t.Fatal(err)
	}
}

// TestCloseNotifyDuringHandshake checks that close_notify before the
// handshake completes fails it, in both feeding modes, instead of leaving
// an engine that wants no input yet never completes.
func TestCloseNotifyDuringHandshake(t *testing.T) {
	closeNotify := plainRecord(wire.ContentAlert, []byte{byte(wire.AlertLevelWarning), byte(wire.AlertCloseNotify)})
	for _, inPlace := range []bool{false, true} {
		srv := engine.New(serverConfig(t), false)
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		in := append(append([]byte(nil), closeNotify...), hello(t, nil)...)
		feed := srv.Feed
		if inPlace {
			feed = srv.FeedInPlace
		}
		_, err := feed(in)
		var remote *engine.RemoteAlertError
		if !errors.As(err, &remote) || remote.Alert != wire.AlertCloseNotify {
			t.Errorf("inPlace=%v: err = %v; want the peer's close_notify", inPlace, err)
		}
		if srv.WantsInput() || srv.HandshakeComplete() {
			t.Errorf("inPlace=%v: engine still wants input or completed", inPlace)
		}
	}
}
