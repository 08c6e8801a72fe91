package handshake_test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"strings"
	"testing"
	"time"

	"gotls/internal/handshake"
	"gotls/internal/wire"
)

// TestClientVerificationFailures runs handshakes whose server certificate
// fails one check and expects the alert, the failed check and the name.
func TestClientVerificationFailures(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	other := newTestCA(t, keyECDSAP256, "unrelated root")
	clientUsage := pki.CA.issue(t, keyECDSAP256, leafOptions{ClientAuth: true})
	tests := []struct {
		name      string
		setup     func(c, s *handshake.Config)
		alert     wire.Alert
		check     string
		certName  string
		errSubstr string
	}{
		{name: "unknown authority", alert: wire.AlertUnknownCA, check: "chain",
			setup:     func(c, s *handshake.Config) { c.RootCAs = other.Pool },
			errSubstr: "certificate verification failed: chain: certificate signed by unknown authority"},
		{name: "wrong host name", alert: wire.AlertBadCertificate, check: "hostname", certName: "foo.test",
			setup:     func(c, s *handshake.Config) { c.ServerName = "foo.test" },
			errSubstr: "certificate verification failed: hostname: certificate is valid for localhost, example.test, not foo.test"},
		{name: "expired", alert: wire.AlertCertificateExpired, check: "validity",
			setup: func(c, s *handshake.Config) {
				c.Time = func() time.Time { return time.Now().Add(48 * time.Hour) }
			}},
		{name: "not yet valid", alert: wire.AlertCertificateExpired, check: "validity",
			setup: func(c, s *handshake.Config) {
				c.Time = func() time.Time { return time.Now().Add(-48 * time.Hour) }
			}},
		{name: "client-only key usage", alert: wire.AlertBadCertificate, check: "key usage",
			setup: func(c, s *handshake.Config) { s.Certificates = []*handshake.Certificate{clientUsage} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccfg, scfg := pki.configs()
			tt.setup(ccfg, scfg)
			client, server := runHandshake(t, ccfg, scfg)
			if a := alertOf(client.Err); a != tt.alert {
				t.Fatalf("client error %v, want alert %v", client.Err, tt.alert)
			}
			if a := remoteAlertOf(server.Err); a != tt.alert {
				t.Errorf("server error %v, want the peer's %v", server.Err, tt.alert)
			}
			var cve *handshake.CertificateVerificationError
			if !errors.As(client.Err, &cve) {
				t.Fatalf("error %v carries no CertificateVerificationError", client.Err)
			}
			if cve.Check != tt.check || len(cve.Certs) != 1 || cve.Err == nil {
				t.Errorf("check %q (want %q), %d certs, err %v", cve.Check, tt.check, len(cve.Certs), cve.Err)
			}
			if tt.certName != "" && cve.Name != tt.certName {
				t.Errorf("name %q, want %q", cve.Name, tt.certName)
			}
			if tt.errSubstr != "" && !strings.Contains(cve.Error(), tt.errSubstr) {
				t.Errorf("error text %q lacks %q", cve.Error(), tt.errSubstr)
			}
			if !strings.HasPrefix(cve.Error(), "tls: certificate verification failed: "+tt.check) {
				t.Errorf("error text %q", cve.Error())
			}
		})
	}
}

// TestClientInsecureSkipVerify: the chain is parsed, not verified.
func TestClientInsecureSkipVerify(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	ccfg, scfg := pki.configs()
	ccfg.RootCAs = newTestCA(t, keyECDSAP256, "unrelated root").Pool
	ccfg.ServerName = ""
	ccfg.InsecureSkipVerify = true
	called := false
	ccfg.VerifyPeerCertificate = func(raw [][]byte, chains [][]*x509.Certificate) error {
		called = len(raw) == 1 && chains == nil
		return nil
	}
	client, server := runHandshake(t, ccfg, scfg)
	mustSucceed(t, client, server)
	r := client.E.Handshake().Result()
	if len(r.PeerCertificates) != 1 || r.VerifiedChains != nil || !called {
		t.Errorf("peer certs %d, verified chains %v, callback ok %v", len(r.PeerCertificates), r.VerifiedChains, called)
	}
}

// TestClientVerifyIntermediate verifies a chain with an intermediate CA
// sent by the server.
func TestClientVerifyIntermediate(t *testing.T) {
	root := newTestCA(t, keyECDSAP384, "root with intermediate")
	ikey := newKey(t, keyECDSAP256)
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: "test intermediate"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(48 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root.Cert, ikey.Public(), root.Key)
	if err != nil {
		t.Fatal(err)
	}
	icert, _ := x509.ParseCertificate(der)
	inter := &testCA{Cert: icert, Key: ikey}
	leaf := inter.issue(t, keyEd25519, leafOptions{})
	leaf.Chain = append(leaf.Chain, der)

	ccfg := &handshake.Config{Rand: rand.Reader, ServerName: "example.test", RootCAs: root.Pool}
	scfg := &handshake.Config{Rand: rand.Reader, Certificates: []*handshake.Certificate{leaf}}
	client, server := runHandshake(t, ccfg, scfg)
	mustSucceed(t, client, server)
	r := client.E.Handshake().Result()
	if len(r.PeerCertificates) != 2 || len(r.VerifiedChains) != 1 || len(r.VerifiedChains[0]) != 3 {
		t.Errorf("peer certs %d, chains %v", len(r.PeerCertificates), r.VerifiedChains)
	}
}

// TestCertificateVerificationErrorText checks the error format.
func TestCertificateVerificationErrorText(t *testing.T) {
	inner := errors.New("x509: certificate is valid for example.com, not foo.test")
	tests := []struct {
		err  *handshake.CertificateVerificationError
		want string
	}{
		{&handshake.CertificateVerificationError{Check: "hostname", Name: "foo.test", Err: inner},
			"tls: certificate verification failed: hostname: certificate is valid for example.com, not foo.test"},
		{&handshake.CertificateVerificationError{Check: "chain"},
			"tls: certificate verification failed: chain"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if tt.err.Err != nil && !errors.Is(tt.err, inner) {
			t.Errorf("Unwrap does not reach the cause")
		}
	}
}

// TestClientVerifyTrace checks that each passed check is traced.
func TestClientVerifyTrace(t *testing.T) {
	pki := newTestPKI(t, keyRSA2048)
	ccfg, scfg := pki.configs()
	fixed := time.Now().Add(time.Hour)
	ccfg.Time = func() time.Time { return fixed }
	var lines []string
	ccfg.Trace = func(ev handshake.Event) { lines = append(lines, ev.Detail) }
	client, server := runHandshake(t, ccfg, scfg)
	mustSucceed(t, client, server)
	all := strings.Join(lines, "\n")
	for _, want := range []string{
		`to root "gotls test root": ok`,
		`name "localhost": ok`,
		"valid at " + fixed.UTC().Format("2006-01-02 15:04:05 UTC"),
		"key usage server authentication: ok",
		"RSA 2048-bit key",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("trace lacks %q:\n%s", want, all)
		}
	}
}
