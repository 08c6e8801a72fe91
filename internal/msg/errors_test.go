package msg

import (
	"testing"

	"golang.org/x/crypto/cryptobyte"

	"gotls/internal/wire"
)

// Test helpers that build raw messages, including malformed ones.

func ext(typ wire.ExtensionType, body []byte) []byte {
	return []byte(append([]byte{byte(typ >> 8), byte(typ), byte(len(body) >> 8), byte(len(body))}, body...))
}

func u8(v []byte) []byte  { return append([]byte{byte(len(v))}, v...) }
func u16(v []byte) []byte { return append([]byte{byte(len(v) >> 8), byte(len(v))}, v...) }
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// chWith returns a ClientHello with the given raw extensions.
func chWith(exts ...[]byte) []byte {
	var b cryptobyte.Builder
	b.AddUint16(uint16(wire.VersionTLS12))
	b.AddBytes(fill(32, 1))
	b.AddUint8(0)
	b.AddBytes(u16([]byte{0x13, 0x01}))
	b.AddBytes(u8([]byte{0}))
	b.AddBytes(u16(cat(exts...)))
	return withBody(byte(wire.HandshakeClientHello), b.BytesOrPanic())
}

// shWith returns a ServerHello with the given random and raw extensions.
func shWith(random []byte, exts ...[]byte) []byte {
	body := cat([]byte{3, 3}, random, []byte{0, 0x13, 0x01, 0}, u16(cat(exts...)))
	return withBody(byte(wire.HandshakeServerHello), body)
}

func eeWith(exts ...[]byte) []byte {
	return withBody(byte(wire.HandshakeEncryptedExtensions), u16(cat(exts...)))
}

func sni(names ...[]byte) []byte {
	var list []byte
	for _, n := range names {
		list = append(list, cat([]byte{0}, u16(n))...)
	}
	return ext(wire.ExtServerName, u16(list))
}

func pskBody(binders ...[]byte) []byte {
	ids := cat(u16([]byte("id")), []byte{0, 0, 0, 1})
	var bl []byte
	for _, b := range binders {
		bl = append(bl, u8(b)...)
	}
	return cat(u16(ids), u16(bl))
}

func alpn(names ...string) []byte {
	var list []byte
	for _, n := range names {
		list = append(list, u8([]byte(n))...)
	}
	return ext(wire.ExtALPN, u16(list))
}

// parseErrorCase is a malformed message and the alert Parse must report.
type parseErrorCase struct {
	name    string
	raw     []byte
	version wire.Version
	want    wire.Alert
}

// parseErrorCases returns the malformed messages of TestParseErrors; they
// also seed FuzzParse.
func parseErrorCases() []parseErrorCase {
	v12, v13 := wire.VersionTLS12, wire.VersionTLS13
	ems := ext(wire.ExtExtendedMasterSecret, nil)
	hrr := wire.HelloRetryRequestRandom[:]
	return []parseErrorCase{
		{"duplicate extension", chWith(ems, ems), 0, wire.AlertDecodeError},
		{"duplicate unknown extension", chWith(ext(0x1234, nil), ext(0x1234, []byte{1})), 0, wire.AlertDecodeError},
		{"duplicate in encrypted_extensions", eeWith(ext(wire.ExtEarlyData, nil), ext(wire.ExtEarlyData, nil)), v13, wire.AlertDecodeError},
		{"key_update value 2", []byte{24, 0, 0, 1, 2}, v13, wire.AlertIllegalParameter},
		{"key_update value 255", []byte{24, 0, 0, 1, 255}, v13, wire.AlertIllegalParameter},
		{"key_update empty", []byte{24, 0, 0, 0}, v13, wire.AlertDecodeError},
		{"oversize client_hello header", []byte{1, 1, 0, 0}, 0, wire.AlertDecodeError},
		{"oversize finished", withBody(20, fill(65, 1)), v13, wire.AlertDecodeError},
		{"non-empty server_hello_done", []byte{14, 0, 0, 1, 0}, v12, wire.AlertDecodeError},
		{"unknown message type", []byte{99, 0, 0, 0}, 0, wire.AlertUnexpectedMessage},
		{"message_hash on the wire", withBody(254, fill(32, 0)), 0, wire.AlertUnexpectedMessage},
		{"length mismatch", append(withBody(20, fill(12, 1)), 0), v12, wire.AlertDecodeError},
		{"empty sni", chWith(sni([]byte{})), 0, wire.AlertDecodeError},
		{"nul in sni", chWith(sni([]byte("a\x00b"))), 0, wire.AlertDecodeError},
		{"two host_names", chWith(sni([]byte("a"), []byte("b"))), 0, wire.AlertDecodeError},
		{"empty server_name list", chWith(ext(wire.ExtServerName, u16(nil))), 0, wire.AlertDecodeError},
		{"hrr key_share as entry", shWith(hrr, ext(wire.ExtKeyShare, cat([]byte{0, 29}, u16(fill(32, 1))))), 0, wire.AlertDecodeError},
		{"server_hello key_share as group", shWith(fill(32, 2), ext(wire.ExtKeyShare, []byte{0, 29})), 0, wire.AlertDecodeError},
		{"cookie in server_hello", shWith(fill(32, 2), ext(wire.ExtCookie, u16([]byte{1}))), 0, wire.AlertIllegalParameter},
		{"alpn in hrr", shWith(hrr, alpn("h2")), 0, wire.AlertIllegalParameter},
		{"signature_algorithms in server_hello", shWith(fill(32, 2), ext(wire.ExtSignatureAlgorithms, u16([]byte{4, 3}))), 0, wire.AlertIllegalParameter},
		{"key_share in encrypted_extensions", eeWith(ext(wire.ExtKeyShare, []byte{0, 29})), v13, wire.AlertIllegalParameter},
		{"oid_filters in client_hello", chWith(ext(wire.ExtOIDFilters, nil)), 0, wire.AlertIllegalParameter},
		{"certificate_request without signature_algorithms", withBody(13, cat(u8(nil), u16(nil))), v13, wire.AlertMissingExtension},
		{"certificate_request 1.2 no types", withBody(13, cat(u8(nil), u16([]byte{4, 1}), u16(nil))), v12, wire.AlertDecodeError},
		{"empty alpn list", chWith(ext(wire.ExtALPN, u16(nil))), 0, wire.AlertDecodeError},
		{"empty alpn name", chWith(alpn("h2", "")), 0, wire.AlertDecodeError},
		{"two alpn names from server", eeWith(alpn("h2", "http/1.1")), v13, wire.AlertDecodeError},
		{"empty signature", withBody(15, cat([]byte{4, 3}, u16(nil))), v13, wire.AlertDecodeError},
		{"empty tls13 ticket", withBody(4, cat(fill(8, 0), u8(nil), u16(nil), u16(nil))), v13, wire.AlertDecodeError},
		{"long session id", withBody(2, cat([]byte{3, 3}, fill(32, 1), u8(fill(33, 1)), []byte{0x13, 1, 0})), 0, wire.AlertDecodeError},
		{"odd cipher_suites", withBody(1, cat([]byte{3, 3}, fill(32, 1), u8(nil), u16([]byte{0x13, 1, 2}), u8([]byte{0}))), 0, wire.AlertDecodeError},
		{"no cipher_suites", withBody(1, cat([]byte{3, 3}, fill(32, 1), u8(nil), u16(nil), u8([]byte{0}))), 0, wire.AlertDecodeError},
		{"no compression methods", withBody(1, cat([]byte{3, 3}, fill(32, 1), u8(nil), u16([]byte{0x13, 1}), u8(nil))), 0, wire.AlertDecodeError},
		{"trailing bytes after extensions", withBody(1, append(chWith(ems)[HeaderLen:], 0)), 0, wire.AlertDecodeError},
		{"bytes inside empty extension", chWith(ext(wire.ExtExtendedMasterSecret, []byte{0})), 0, wire.AlertDecodeError},
		{"empty supported_versions", chWith(ext(wire.ExtSupportedVersions, u8(nil))), 0, wire.AlertDecodeError},
		{"empty certificate", withBody(11, cat(u8(nil), []byte{0, 0, 5}, []byte{0, 0, 0}, u16(nil))), v13, wire.AlertDecodeError},
		{"empty finished", []byte{20, 0, 0, 0}, v13, wire.AlertDecodeError},
		{"certificate_status type 2", withBody(22, cat([]byte{2, 0, 0, 1, 1})), v12, wire.AlertDecodeError},
		{"empty client_key_exchange", []byte{16, 0, 0, 0}, v12, wire.AlertDecodeError},
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range parseErrorCases() {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.raw, tt.version)
			if !isAlert(err, tt.want) {
				t.Fatalf("Parse = %T, %v; want %v", m, err, tt.want)
			}
			if m != nil {
				t.Errorf("message returned with error")
			}
			t.Log(err)
		})
	}
}

// TestClientHelloTLS13OnlyErrors checks that a ClientHello whose TLS
// 1.3-only extensions are bad still parses, with those extensions empty
// and the error kept for a server that negotiates TLS 1.3.
func TestClientHelloTLS13OnlyErrors(t *testing.T) {
	ems := ext(wire.ExtExtendedMasterSecret, nil)
	psk := ext(wire.ExtPreSharedKey, pskBody(fill(32, 1)))
	tests := []struct {
		name string
		exts [][]byte
		want wire.Alert // 0: no error
	}{
		{"valid psk", [][]byte{ems, psk}, 0},
		{"psk not last", [][]byte{psk, ems}, wire.AlertIllegalParameter},
		{"psk binder count", [][]byte{ems, ext(wire.ExtPreSharedKey, pskBody(fill(32, 1), fill(32, 2)))}, wire.AlertIllegalParameter},
		{"psk short binder", [][]byte{ems, ext(wire.ExtPreSharedKey, pskBody(fill(31, 1)))}, wire.AlertDecodeError},
		{"psk without binders", [][]byte{ems, ext(wire.ExtPreSharedKey, cat(u16(cat(u16([]byte("id")), []byte{0, 0, 0, 1})), u16(nil)))}, wire.AlertDecodeError},
		{"empty key_exchange", [][]byte{ems, ext(wire.ExtKeyShare, u16(cat([]byte{0, 29}, u16(nil))))}, wire.AlertDecodeError},
		{"empty psk_key_exchange_modes", [][]byte{ems, ext(wire.ExtPSKKeyExchangeModes, u8(nil))}, wire.AlertDecodeError},
		{"early_data with a body", [][]byte{ems, ext(wire.ExtEarlyData, []byte{0})}, wire.AlertDecodeError},
		{"empty cookie", [][]byte{ems, ext(wire.ExtCookie, u16(nil))}, wire.AlertDecodeError},
		{"first error wins", [][]byte{ext(wire.ExtEarlyData, []byte{0}), psk, ems}, wire.AlertDecodeError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := mustParse(t, chWith(tt.exts...), 0).(*ClientHello)
			if !ch.ExtendedMasterSecret {
				t.Error("extended_master_secret lost")
			}
			err := ch.TLS13ExtensionsError()
			if tt.want == 0 {
				if err != nil || len(ch.PSKIdentities) != 1 || ch.BindersLen() == 0 {
					t.Fatalf("error %v, identities %d", err, len(ch.PSKIdentities))
				}
				return
			}
			if !isAlert(err, tt.want) {
				t.Fatalf("TLS13ExtensionsError = %v, want %v", err, tt.want)
			}
			if ch.PSKIdentities != nil || ch.PSKBinders != nil || ch.KeyShares != nil || ch.PSKModes != nil || ch.EarlyData || ch.Cookie != nil {
				t.Errorf("fields of the failed extension are set: %+v", ch)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	hrr := wire.HelloRetryRequestRandom[:]
	ch := mustParse(t, chWith(sni([]byte("example.com.")), ext(0x1234, []byte("ignored")), ext(wire.ExtPadding, fill(20, 0)),
		ext(wire.ExtStatusRequest, []byte{2, 9, 9}), ext(wire.ExtPreSharedKey, pskBody(fill(32, 7)))), 0).(*ClientHello)
	if ch.ServerName != "example.com." || ch.OCSPStapling {
		t.Errorf("ServerName %q OCSPStapling %v", ch.ServerName, ch.OCSPStapling)
	}
	wantExts := []wire.ExtensionType{wire.ExtServerName, 0x1234, wire.ExtPadding, wire.ExtStatusRequest, wire.ExtPreSharedKey}
	if len(ch.Extensions) != len(wantExts) {
		t.Fatalf("Extensions = %v", ch.Extensions)
	}
	for i := range wantExts {
		if ch.Extensions[i] != wantExts[i] {
			t.Errorf("Extensions = %v, want %v", ch.Extensions, wantExts)
		}
	}
	sh := mustParse(t, shWith(hrr, ext(wire.ExtKeyShare, []byte{0, 23}), ext(0x4444, nil)), 0).(*ServerHello)
	if !sh.IsHelloRetryRequest() || sh.SelectedGroup != wire.GroupSecp256r1 || sh.ServerShare.Group != 0 {
		t.Errorf("hrr: %+v", sh)
	}
	sh = mustParse(t, withBody(2, cat([]byte{3, 3}, fill(32, 4), u8(nil), []byte{0xc0, 0x2f, 0})), 0).(*ServerHello)
	if sh.Extensions != nil || sh.CipherSuite != wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 {
		t.Errorf("server_hello without extensions: %+v", sh)
	}
	nst := mustParse(t, withBody(4, cat([]byte{0, 0, 0, 9}, u16(nil))), wire.VersionTLS12).(*NewSessionTicket)
	if nst.TLS13 || nst.Lifetime != 9 || nst.Ticket != nil {
		t.Errorf("tls12 ticket: %+v", nst)
	}
	ee := mustParse(t, eeWith(ext(0x7777, []byte{1})), wire.VersionTLS13).(*EncryptedExtensions)
	if len(ee.Extensions) != 1 || ee.Extensions[0] != 0x7777 {
		t.Errorf("unknown extension in encrypted_extensions not listed: %v", ee.Extensions)
	}
}

func mustParse(t *testing.T, raw []byte, v wire.Version) Message {
	t.Helper()
	m, err := Parse(raw, v)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		in      []byte
		typ     wire.HandshakeType
		n       int
		ok      bool
		wantErr wire.Alert
	}{
		{nil, 0, 0, false, 0},
		{[]byte{1, 0, 0}, 0, 0, false, 0},
		{[]byte{1, 0, 1, 0}, wire.HandshakeClientHello, 256, true, 0},
		{[]byte{11, 4, 0, 0}, wire.HandshakeCertificate, 1 << 18, true, 0},
		{[]byte{11, 4, 0, 1}, wire.HandshakeCertificate, 1<<18 + 1, true, wire.AlertDecodeError},
		{[]byte{24, 0, 0, 2}, wire.HandshakeKeyUpdate, 2, true, wire.AlertDecodeError},
		{[]byte{3, 0, 0, 0}, 3, 0, true, wire.AlertUnexpectedMessage},
	}
	for _, tt := range tests {
		typ, n, ok, err := ParseHeader(tt.in)
		if typ != tt.typ || n != tt.n || ok != tt.ok {
			t.Errorf("ParseHeader(%x) = %v, %d, %v", tt.in, typ, n, ok)
		}
		if tt.wantErr == 0 && err != nil || tt.wantErr != 0 && !isAlert(err, tt.wantErr) {
			t.Errorf("ParseHeader(%x) error %v, want %v", tt.in, err, tt.wantErr)
		}
	}
}

func TestCheckAllowed(t *testing.T) {
	v12, v13 := wire.VersionTLS12, wire.VersionTLS13
	type E = wire.ExtensionType
	tests := []struct {
		where   wire.HandshakeType
		hrr     bool
		version wire.Version
		exts    []E
		ok      bool
	}{
		{wire.HandshakeServerHello, false, v13, []E{wire.ExtSupportedVersions, wire.ExtKeyShare, wire.ExtPreSharedKey}, true},
		{wire.HandshakeServerHello, false, v12, []E{wire.ExtSupportedVersions}, false},
		{wire.HandshakeServerHello, false, v13, []E{wire.ExtALPN}, false},
		{wire.HandshakeServerHello, false, v12, []E{wire.ExtALPN, wire.ExtExtendedMasterSecret, wire.ExtRenegotiationInfo, wire.ExtServerName}, true},
		{wire.HandshakeServerHello, false, v13, []E{wire.ExtExtendedMasterSecret}, false},
		{wire.HandshakeServerHello, false, v12, []E{wire.ExtSupportedGroups}, true},
		{wire.HandshakeServerHello, false, v13, []E{wire.ExtSupportedGroups}, false},
		{wire.HandshakeServerHello, true, v13, []E{wire.ExtCookie, wire.ExtKeyShare, wire.ExtSupportedVersions}, true},
		{wire.HandshakeServerHello, true, v13, []E{wire.ExtPreSharedKey}, false},
		{wire.HandshakeServerHello, false, 0, []E{wire.ExtALPN, wire.ExtPreSharedKey}, true},
		{wire.HandshakeEncryptedExtensions, false, v13, []E{0x9999, wire.ExtALPN, wire.ExtEarlyData}, true},
		{wire.HandshakeEncryptedExtensions, false, v13, []E{wire.ExtSignatureAlgorithms}, false},
		{wire.HandshakeCertificate, false, v13, []E{wire.ExtStatusRequest, wire.ExtSignedCertificateTimestamp}, true},
		{wire.HandshakeCertificateRequest, false, v13, []E{wire.ExtOIDFilters, wire.ExtSignatureAlgorithms}, true},
		{wire.HandshakeNewSessionTicket, false, v13, []E{wire.ExtEarlyData, 0x1111}, true},
		{wire.HandshakeNewSessionTicket, false, v13, []E{wire.ExtKeyShare}, false},
		{wire.HandshakeFinished, false, v13, []E{wire.ExtServerName}, false},
		{wire.HandshakeFinished, false, v13, nil, true},
		{wire.HandshakeClientHello, false, v12, []E{wire.ExtKeyShare, wire.ExtPreSharedKey, wire.ExtPadding}, true},
	}
	for _, tt := range tests {
		err := CheckAllowed(tt.where, tt.hrr, tt.version, tt.exts)
		if tt.ok != (err == nil) || err != nil && !isAlert(err, wire.AlertIllegalParameter) {
			t.Errorf("CheckAllowed(%v, %v, %v, %v) = %v", tt.where, tt.hrr, tt.version, tt.exts, err)
		}
	}
}

func TestTLS12Helpers(t *testing.T) {
	p := ECDHEParams{CurveType: CurveTypeNamedCurve, Group: wire.GroupSecp256r1, Public: fill(65, 4),
		Scheme: wire.ECDSAWithP256AndSHA256, Signature: fill(70, 5)}
	for _, hasScheme := range []bool{true, false} {
		body, err := MarshalECDHEParams(p, hasScheme)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseECDHEParams(body, hasScheme)
		if err != nil {
			t.Fatal(err)
		}
		want := p
		if !hasScheme {
			want.Scheme = 0
		}
		if got.Group != want.Group || got.Scheme != want.Scheme || string(got.Public) != string(want.Public) ||
			string(got.Signature) != string(want.Signature) {
			t.Errorf("ECDHE params round trip (scheme %v): %+v", hasScheme, got)
		}
		if signed := got.SignedParams(); string(signed) != string(body[:1+2+1+65]) {
			t.Errorf("SignedParams = %x", signed)
		}
	}
	bad := []struct {
		name string
		body []byte
		want wire.Alert
	}{
		{"explicit curve", cat([]byte{1, 0, 23}, u8(fill(65, 4)), []byte{4, 3}, u16(fill(8, 1))), wire.AlertIllegalParameter},
		{"empty signature", cat([]byte{3, 0, 23}, u8(fill(65, 4)), []byte{4, 3}, u16(nil)), wire.AlertDecodeError},
		{"empty point", cat([]byte{3, 0, 23}, u8(nil), []byte{4, 3}, u16(fill(8, 1))), wire.AlertDecodeError},
		{"trailing", cat([]byte{3, 0, 23}, u8(fill(65, 4)), []byte{4, 3}, u16(fill(8, 1)), []byte{0}), wire.AlertDecodeError},
		{"empty", nil, wire.AlertDecodeError},
	}
	for _, tt := range bad {
		if _, err := ParseECDHEParams(tt.body, true); !isAlert(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	cke, err := NewECDHEClientKeyExchange(fill(32, 1))
	if err != nil {
		t.Fatal(err)
	}
	if pub, err := cke.ECDHEPublic(); err != nil || len(pub) != 32 {
		t.Errorf("ECDHEPublic = %x, %v", pub, err)
	}
	if _, err := cke.RSAEncryptedPreMasterSecret(); !isAlert(err, wire.AlertDecodeError) {
		t.Errorf("ECDHE body decoded as RSA: %v", err)
	}
	if _, err := NewECDHEClientKeyExchange(fill(256, 1)); err == nil {
		t.Errorf("256-byte ECDHE public accepted")
	}
	if _, err := NewRSAClientKeyExchange(nil); err == nil {
		t.Errorf("empty RSA ciphertext accepted")
	}
}

func TestMarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		m    Message
	}{
		{"short random", &ClientHello{Random: fill(31, 0), CipherSuites: []wire.CipherSuite{1}, CompressionMethods: []uint8{0}}},
		{"no cipher suites", &ClientHello{Random: fill(32, 0), CompressionMethods: []uint8{0}}},
		{"psk without binders", &ClientHello{Random: fill(32, 0), CipherSuites: []wire.CipherSuite{1}, CompressionMethods: []uint8{0},
			PSKIdentities: []PSKIdentity{{Identity: []byte{1}}}}},
		{"short binder", &ClientHello{Random: fill(32, 0), CipherSuites: []wire.CipherSuite{1}, CompressionMethods: []uint8{0},
			PSKIdentities: []PSKIdentity{{Identity: []byte{1}}}, PSKBinders: [][]byte{{1}}}},
		{"long alpn name", &EncryptedExtensions{ALPNProtocol: string(fill(256, 'a'))}},
		{"server_hello random", &ServerHello{Random: nil}},
		{"certificate_request 1.3 no schemes", &CertificateRequest{TLS13: true}},
		{"empty certificate", &Certificate{TLS13: true, Entries: []CertificateEntry{{}}}},
		{"key_update 2", &KeyUpdate{Request: 2}},
		{"empty finished", &Finished{}},
		{"empty tls13 ticket", &NewSessionTicket{TLS13: true}},
		{"oversize certificate", &Certificate{Entries: []CertificateEntry{{Data: fill(1<<18, 1)}}}},
	}
	for _, tt := range tests {
		_, err := tt.m.Marshal()
		if !isAlert(err, wire.AlertInternalError) {
			t.Errorf("%s: Marshal error = %v, want internal_error", tt.name, err)
		}
	}
}
