package handshake_test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"gotls/internal/handshake"
	"gotls/revocation/revocationtest"
)

var (
	oidIDP        = asn1.ObjectIdentifier{2, 5, 29, 28}
	oidDeltaCRL   = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidCertIssuer = asn1.ObjectIdentifier{2, 5, 29, 29}
)

// idpSpec describes an issuingDistributionPoint to encode.
type idpSpec struct {
	uris                                 []string
	relative                             bool
	onlyUser, onlyCA, someReasons, indir bool
	onlyAttr                             bool
	badBool                              bool
	trailing                             bool
}

// encodeIDP builds the DER value of an issuingDistributionPoint.
func encodeIDP(s idpSpec) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if len(s.uris) > 0 || s.relative {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				if s.relative {
					b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {})
					return
				}
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					for _, u := range s.uris {
						b.AddASN1(cbasn1.Tag(6).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(u)) })
					}
				})
			})
		}
		boolean := func(tag int, v bool) {
			if v {
				val := byte(0xff)
				if s.badBool {
					val = 1
				}
				b.AddASN1(cbasn1.Tag(tag).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddUint8(val) })
			}
		}
		boolean(1, s.onlyUser)
		boolean(2, s.onlyCA)
		if s.someReasons {
			b.AddASN1(cbasn1.Tag(3).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte{7, 0x80}) })
		}
		boolean(4, s.indir)
		boolean(5, s.onlyAttr)
	})
	out := b.BytesOrPanic()
	if s.trailing {
		out = append(out, 0)
	}
	return out
}

// TestParseIssuingDistributionPoint parses well-formed and malformed
// extension values.
func TestParseIssuingDistributionPoint(t *testing.T) {
	tests := []struct {
		name string
		der  []byte
		want *handshake.IssuingDistributionPoint
	}{
		{"empty", encodeIDP(idpSpec{}), &handshake.IssuingDistributionPoint{}},
		{"uris and user certs", encodeIDP(idpSpec{uris: []string{"http://a/crl", "http://b/crl"}, onlyUser: true}),
			&handshake.IssuingDistributionPoint{URIs: []string{"http://a/crl", "http://b/crl"}, OnlyContainsUserCerts: true}},
		{"relative name", encodeIDP(idpSpec{relative: true}), &handshake.IssuingDistributionPoint{RelativeName: true}},
		{"every flag", encodeIDP(idpSpec{onlyCA: true, someReasons: true, indir: true, onlyAttr: true}),
			&handshake.IssuingDistributionPoint{OnlyContainsCACerts: true, OnlySomeReasons: true, IndirectCRL: true, OnlyContainsAttributeCert: true}},
		{"non-DER boolean", encodeIDP(idpSpec{onlyUser: true, badBool: true}), nil},
		{"trailing byte", encodeIDP(idpSpec{trailing: true}), nil},
		{"not a sequence", []byte{0x04, 0x00}, nil},
		{"truncated", encodeIDP(idpSpec{uris: []string{"http://a/crl"}})[:5], nil},
		{"fields out of order", []byte{0x30, 0x06, 0x82, 0x01, 0xff, 0x81, 0x01, 0xff}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := handshake.ParseIssuingDistributionPoint(tt.der)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("parsed %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestParseTLSFeatures parses TLS feature extension values (RFC 7633).
func TestParseTLSFeatures(t *testing.T) {
	tests := []struct {
		name string
		der  []byte
		want []int
		bad  bool
	}{
		{"status_request", []byte{0x30, 0x03, 0x02, 0x01, 0x05}, []int{5}, false},
		{"two features", []byte{0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x11}, []int{5, 17}, false},
		{"empty sequence", []byte{0x30, 0x00}, nil, false},
		{"negative", []byte{0x30, 0x03, 0x02, 0x01, 0xff}, nil, true},
		{"too large", []byte{0x30, 0x05, 0x02, 0x03, 0x01, 0x00, 0x00}, nil, true},
		{"not integers", []byte{0x30, 0x02, 0x04, 0x00}, nil, true},
		{"trailing", []byte{0x30, 0x00, 0x00}, nil, true},
		{"empty", nil, nil, true},
	}
	for _, tt := range tests {
		got, err := handshake.ParseTLSFeatures(tt.der)
		if (err != nil) != tt.bad || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, %v", tt.name, got, err)
		}
	}
}

// TestRequiresOCSPStaple finds Must-Staple in issued certificates.
func TestRequiresOCSPStaple(t *testing.T) {
	ca := revocationtest.New(t, revocationtest.Options{})
	for _, must := range []bool{false, true} {
		leaf := ca.Issue(t, revocationtest.LeafOptions{MustStaple: must})
		got, err := handshake.RequiresOCSPStaple(leaf.Cert)
		if err != nil || got != must {
			t.Errorf("must-staple %v: got %v, %v", must, got, err)
		}
	}
	bad := &x509.Certificate{Extensions: []pkix.Extension{{Id: revocationtest.OIDTLSFeature, Value: []byte{1}}}}
	if _, err := handshake.RequiresOCSPStaple(bad); err == nil {
		t.Error("a malformed tls feature extension was accepted")
	}
}

// crlSpec describes a CRL to build for TestCheckCRL.
type crlSpec struct {
	revoke     bool
	thisUpdate time.Time
	nextUpdate time.Time
	ext        []pkix.Extension
	entryExt   []pkix.Extension
	reason     int
}

// TestCheckCRL checks CRLs of every kind against a leaf and its issuer.
func TestCheckCRL(t *testing.T) {
	ca := revocationtest.New(t, revocationtest.Options{})
	other := revocationtest.New(t, revocationtest.Options{Name: "another CA"})
	leaf := ca.Issue(t, revocationtest.LeafOptions{})
	now := ca.Now()
	build := func(signer *revocationtest.CA, s crlSpec) *x509.RevocationList {
		tmpl := &x509.RevocationList{Number: big.NewInt(7), ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(time.Hour),
			ExtraExtensions: s.ext}
		if !s.thisUpdate.IsZero() {
			tmpl.ThisUpdate = s.thisUpdate
		}
		if !s.nextUpdate.IsZero() {
			tmpl.NextUpdate = s.nextUpdate
		}
		entries := []x509.RevocationListEntry{{SerialNumber: big.NewInt(99999), RevocationTime: now.Add(-time.Hour)}}
		if s.revoke {
			entries = append(entries, x509.RevocationListEntry{SerialNumber: leaf.Cert.SerialNumber,
				RevocationTime: now.Add(-time.Hour), ReasonCode: s.reason, ExtraExtensions: s.entryExt})
		}
		tmpl.RevokedCertificateEntries = entries
		der, err := x509.CreateRevocationList(rand.Reader, tmpl, signer.Cert, signer.Key)
		if err != nil {
			t.Fatal(err)
		}
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatal(err)
		}
		return crl
	}
	idp := func(s idpSpec) []pkix.Extension {
		return []pkix.Extension{{Id: oidIDP, Critical: true, Value: encodeIDP(s)}}
	}
	tests := []struct {
		name      string
		crl       *x509.RevocationList
		status    handshake.CertStatus
		errSubstr string
	}{
		{"good", build(ca, crlSpec{}), handshake.CertStatusGood, ""},
		{"revoked", build(ca, crlSpec{revoke: true, reason: 1}), handshake.CertStatusRevoked, ""},
		{"on hold", build(ca, crlSpec{revoke: true, reason: 6}), handshake.CertStatusRevoked, ""},
		{"removed from crl", build(ca, crlSpec{revoke: true, reason: 8}), handshake.CertStatusGood, ""},
		{"expired", build(ca, crlSpec{thisUpdate: now.Add(-2 * time.Hour), nextUpdate: now.Add(-time.Hour)}), 0, "crl expired at"},
		{"not yet valid", build(ca, crlSpec{thisUpdate: now.Add(time.Hour), nextUpdate: now.Add(2 * time.Hour)}), 0, "crl is not valid before"},
		{"another issuer", build(other, crlSpec{}), 0, "not by the certificate's issuer"},
		{"matching distribution point", build(ca, crlSpec{ext: idp(idpSpec{uris: []string{ca.CRLURL}, onlyUser: true})}), handshake.CertStatusGood, ""},
		{"other distribution point", build(ca, crlSpec{ext: idp(idpSpec{uris: []string{"http://elsewhere/crl"}})}), 0, "crl is for distribution point"},
		{"only ca certificates", build(ca, crlSpec{ext: idp(idpSpec{onlyCA: true})}), 0, "covers only ca"},
		{"only some reasons", build(ca, crlSpec{ext: idp(idpSpec{someReasons: true})}), 0, "only some revocation reasons"},
		{"indirect", build(ca, crlSpec{ext: idp(idpSpec{indir: true})}), 0, "indirect crls"},
		{"relative name", build(ca, crlSpec{ext: idp(idpSpec{relative: true})}), 0, "relative to the issuer"},
		{"malformed distribution point", build(ca, crlSpec{ext: []pkix.Extension{{Id: oidIDP, Critical: true, Value: []byte{5, 0}}}}), 0, "malformed issuing distribution point"},
		{"delta crl", build(ca, crlSpec{ext: []pkix.Extension{{Id: oidDeltaCRL, Critical: true, Value: []byte{2, 1, 1}}}}), 0, "unsupported critical extension 2.5.29.27"},
		{"non-critical unknown extension", build(ca, crlSpec{ext: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3}, Value: []byte{5, 0}}}}), handshake.CertStatusGood, ""},
		{"critical entry extension", build(ca, crlSpec{revoke: true, entryExt: []pkix.Extension{{Id: oidCertIssuer, Critical: true, Value: []byte{0x30, 0}}}}), 0, "crl entry for the certificate has unsupported critical extension"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := handshake.CheckCRL(tt.crl, leaf.Cert, ca.Cert, now)
			if tt.errSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errSubstr) {
					t.Fatalf("error %v, want one containing %q", err, tt.errSubstr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tt.status || res.Number.Int64() != 7 {
				t.Errorf("status %v, number %v", res.Status, res.Number)
			}
			if res.Status == handshake.CertStatusRevoked && res.RevokedAt.IsZero() {
				t.Error("revoked without a time")
			}
		})
	}
	t.Run("wrong key", func(t *testing.T) {
		der, err := ca.CRL(revocationtest.CRLWrongKey)
		if err != nil {
			t.Fatal(err)
		}
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := handshake.CheckCRL(crl, leaf.Cert, ca.Cert, now); err == nil || !strings.Contains(err.Error(), "crl signature does not verify") {
			t.Fatalf("error %v", err)
		}
	})
	if _, err := handshake.CheckCRL(nil, leaf.Cert, ca.Cert, now); err == nil {
		t.Error("a nil crl was accepted")
	}
}
