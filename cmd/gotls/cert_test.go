package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"gotls"
)

// testCA is a CA directory made by "gotls cert init", optionally with its
// responder ("gotls cert serve") running on a free loopback port.
type testCA struct {
	dir    string
	caFile string
	// addr is the responder's address, empty without one.
	addr      string
	responder *bgServe
}

// mustRun runs a command in-process and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) cmdResult {
	t.Helper()
	r := runCmd(t, "", args...)
	if r.code != exitOK {
		t.Fatalf("gotls %s: exit code %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// newTestCA makes a CA with key kind in a temporary directory.
func newTestCA(t *testing.T, kind string) *testCA {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ca")
	mustRun(t, "cert", "-ca-dir", dir, "init", "-key", kind, "-name", "gotls cli test CA")
	return &testCA{dir: dir, caFile: filepath.Join(dir, caCertFile)}
}

// startResponder runs "gotls cert serve" for the CA and waits for it to
// stop when the test ends.
func (ca *testCA) startResponder(t *testing.T) *testCA {
	t.Helper()
	ca.responder = startBackground(t, "cert", "-ca-dir", ca.dir, "serve", "-accept", "127.0.0.1:0")
	ca.addr = ca.responder.addr
	done, stop := ca.responder.done, ca.responder.stop
	t.Cleanup(func() {
		stop()
		select {
		case <-done:
		case <-time.After(testTimeout):
			t.Errorf("gotls cert serve did not stop")
		}
	})
	return ca
}

// issue makes a leaf for localhost and 127.0.0.1 named after name, pointing
// at the CA's responder when it runs, and returns its chain and key files.
func (ca *testCA) issue(t *testing.T, name string, extra ...string) (certFile, keyFile string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), name)
	args := []string{"cert", "-ca-dir", ca.dir, "issue", "-name", "localhost,127.0.0.1", "-out", out}
	if ca.addr != "" {
		args = append(args, "-responder", ca.addr)
	}
	mustRun(t, append(args, extra...)...)
	return out + ".pem", out + "-key.pem"
}

// ocspFile writes a DER OCSP response about certFile and returns its path.
func (ca *testCA) ocspFile(t *testing.T, certFile string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "staple.der")
	mustRun(t, "cert", "-ca-dir", ca.dir, "ocsp", "-cert", certFile, "-out", out)
	return out
}

// runOpenSSL runs openssl with args within testTimeout and returns its
// combined output.
func runOpenSSL(t *testing.T, openssl string, args ...string) string {
	t.Helper()
	out, err := openSSLCommand(t, openssl, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// openSSLCommand returns an openssl command that is killed after
// testTimeout.
func openSSLCommand(t *testing.T, openssl string, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return exec.CommandContext(ctx, openssl, args...)
}

// optionalOpenSSL returns the openssl binary for the parts of a test that
// use it, or "" when it is missing, which fails the test under CI=true.
func optionalOpenSSL(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("openssl is required when CI=true: %v", err)
		}
		t.Log("openssl not found; skipping the openssl checks")
		return ""
	}
	return path
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestCertUsage(t *testing.T) {
	ca := newTestCA(t, "ecdsa")
	leaf, _ := ca.issue(t, "leaf")
	empty := filepath.Join(t.TempDir(), "none")
	tests := []struct {
		name     string
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{"no command", []string{"cert"}, exitUsage, "", "missing COMMAND"},
		{"help", []string{"cert", "-help"}, exitOK, "", "gotls cert -ca-dir ./ca init -responder"},
		{"help command", []string{"cert", "help"}, exitOK, "ocsp-responder.pem", ""},
		{"top-level help lists cert", []string{"help"}, exitOK, "cert     a local CA", ""},
		{"unknown command", []string{"cert", "sign"}, exitUsage, "", `unknown command "sign"`},
		{"issue help", []string{"cert", "issue", "-help"}, exitOK, "", "-must-staple"},
		{"serve help", []string{"cert", "serve", "-help"}, exitOK, "", "openssl ocsp -issuer"},
		{"bad key kind", []string{"cert", "-ca-dir", empty, "init", "-key", "dsa"}, exitUsage, "", `unknown key kind "dsa"`},
		{"bad responder", []string{"cert", "-ca-dir", empty, "init", "-responder", "ftp://x:1"}, exitUsage, "", "bad -responder"},
		{"init twice", []string{"cert", "-ca-dir", ca.dir, "init"}, exitFailure, "", "already holds a CA"},
		{"issue without CA", []string{"cert", "-ca-dir", empty, "issue"}, exitFailure, "", "no CA in"},
		{"issue bad name", []string{"cert", "-ca-dir", ca.dir, "issue", "-name", "bad name!"}, exitUsage, "", "neither a host name nor an IP address"},
		{"issue twice the same name", []string{"cert", "-ca-dir", ca.dir, "issue", "-name", "a,a"}, exitUsage, "", "listed twice"},
		{"revoke without serial", []string{"cert", "-ca-dir", ca.dir, "revoke"}, exitUsage, "", "missing SERIAL"},
		{"revoke two serials", []string{"cert", "-ca-dir", ca.dir, "revoke", "01", "02"}, exitUsage, "", `unexpected argument "02"`},
		{"revoke unknown serial", []string{"cert", "-ca-dir", ca.dir, "revoke", "0xABCDEF"}, exitFailure, "", "issued no certificate with serial ABCDEF"},
		{"revoke bad reason", []string{"cert", "-ca-dir", ca.dir, "revoke", "-reason", "boredom", leaf}, exitUsage, "", `unknown revocation reason "boredom"`},
		{"revoke not a serial", []string{"cert", "-ca-dir", ca.dir, "revoke", "xyz"}, exitFailure, "", "neither a certificate file nor"},
		{"ocsp without -out", []string{"cert", "-ca-dir", ca.dir, "ocsp", "-cert", leaf}, exitUsage, "", "-cert and -out are required"},
		{"ocsp for another CA's certificate", []string{"cert", "-ca-dir", ca.dir, "ocsp", "-cert", newTestCA(t, "ecdsa").caFile, "-out", empty}, exitFailure, "", "was not issued by this CA"},
		{"serve bad validity", []string{"cert", "-ca-dir", ca.dir, "serve", "-valid", "-1h"}, exitUsage, "", "-valid must be positive"},
		{"list", []string{"cert", "-ca-dir", ca.dir, "list"}, exitOK, "1 certificates issued", ""},
		{"-ca-dir after the command", []string{"cert", "list", "-ca-dir", ca.dir}, exitOK, "CN=localhost", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, "", tt.args...)
			if r.code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			mustContain(t, "stdout", r.stdout, tt.inStdout)
			mustContain(t, "stderr", r.stderr, tt.inStderr)
		})
	}
}

// TestCertFiles makes a CA of each key kind and a leaf, and checks the
// files: permissions, chain, extensions, and that openssl and gotls load
// them.
func TestCertFiles(t *testing.T) {
	openssl := optionalOpenSSL(t)
	tests := []struct {
		kind, leafKey string
		leafArgs      []string
		wantText      []string // in openssl x509 -text of the leaf
	}{
		{"ecdsa", "ecdsa", []string{"-must-staple"}, []string{"TLS Feature", "status_request", "id-ecPublicKey"}},
		{"rsa2048", "rsa2048", []string{"-client"}, []string{"TLS Web Client Authentication", "rsaEncryption", "Key Encipherment"}},
		{"ed25519", "ed25519", nil, []string{"ED25519"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			ca := newTestCA(t, tt.kind)
			ca.addr = "127.0.0.1:8999" // named in the leaf; nothing needs to listen
			certFile, keyFile := ca.issue(t, "leaf", append([]string{"-key", tt.leafKey}, tt.leafArgs...)...)
			for path, mode := range map[string]os.FileMode{filepath.Join(ca.dir, caKeyFile): 0o600, keyFile: 0o600, filepath.Join(ca.dir, caStateFile): 0o600} {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != mode {
					t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), mode)
				}
			}
			cert, err := gotls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				t.Fatalf("gotls cannot load the leaf: %v", err)
			}
			if len(cert.Certificate) != 2 {
				t.Errorf("chain has %d certificates, want leaf and CA", len(cert.Certificate))
			}
			leaf, err := x509.ParseCertificate(cert.Certificate[0])
			if err != nil {
				t.Fatal(err)
			}
			caCert, err := readCertFile(ca.caFile)
			if err != nil {
				t.Fatal(err)
			}
			pool := x509.NewCertPool()
			pool.AddCert(caCert)
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "localhost"}); err != nil {
				t.Errorf("leaf does not verify: %v", err)
			}
			if openssl == "" {
				return
			}
			mustContain(t, "openssl x509 (CA)", runOpenSSL(t, openssl, "x509", "-in", ca.caFile, "-noout", "-text"),
				"CA:TRUE", "Certificate Sign, CRL Sign", "gotls cli test CA")
			mustContain(t, "openssl x509 (leaf)", runOpenSSL(t, openssl, "x509", "-in", certFile, "-noout", "-text"),
				append([]string{"OCSP - URI:http://127.0.0.1:8999/ocsp", "URI:http://127.0.0.1:8999/ca.crl",
					"DNS:localhost, IP Address:127.0.0.1", "TLS Web Server Authentication"}, tt.wantText...)...)
			runOpenSSL(t, openssl, "pkey", "-in", keyFile, "-noout")
			runOpenSSL(t, openssl, "verify", "-CAfile", ca.caFile, certFile)
		})
	}
}

// TestCertOCSPFiles writes OCSP responses for a good and a revoked
// certificate, for RSA, ECDSA and Ed25519 (delegated responder) CAs, and
// checks them with x/crypto/ocsp and openssl.
func TestCertOCSPFiles(t *testing.T) {
	openssl := optionalOpenSSL(t)
	for _, kind := range []string{"ecdsa", "ed25519", "rsa2048"} {
		t.Run(kind, func(t *testing.T) {
			ca := newTestCA(t, kind)
			good, _ := ca.issue(t, "good")
			bad, _ := ca.issue(t, "bad")
			r := mustRun(t, "cert", "-ca-dir", ca.dir, "revoke", "-reason", "keycompromise", bad)
			mustContain(t, "revoke", r.stdout, "reason keyCompromise")
			if r := runCmd(t, "", "cert", "-ca-dir", ca.dir, "revoke", bad); r.code != exitFailure || !strings.Contains(r.stderr, "already revoked") {
				t.Errorf("revoking twice: exit %d\n%s", r.code, r.stderr)
			}
			caCert, err := readCertFile(ca.caFile)
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				file   string
				status int
				text   []string
			}{
				{good, ocsp.Good, []string{"Cert Status: good"}},
				{bad, ocsp.Revoked, []string{"Cert Status: revoked", "Revocation Reason: keyCompromise (0x1)"}},
			} {
				resp := ca.ocspFile(t, tc.file)
				der, err := os.ReadFile(resp)
				if err != nil {
					t.Fatal(err)
				}
				leaf, err := readCertFile(tc.file)
				if err != nil {
					t.Fatal(err)
				}
				parsed, err := ocsp.ParseResponseForCert(der, leaf, caCert)
				if err != nil {
					t.Fatalf("response does not verify: %v", err)
				}
				if parsed.Status != tc.status || !parsed.NextUpdate.After(time.Now().Add(23*time.Hour)) {
					t.Errorf("status %d next update %v, want %d about a day from now", parsed.Status, parsed.NextUpdate, tc.status)
				}
				if openssl != "" {
					text := runOpenSSL(t, openssl, "ocsp", "-respin", resp, "-resp_text", "-noverify")
					mustContain(t, "openssl ocsp -resp_text", text, append([]string{"OCSP Response Status: successful"}, tc.text...)...)
				}
			}
		})
	}
}

// TestCertServeResponder queries "gotls cert serve" over HTTP: OCSP by POST
// and GET, the CRL and the CA certificate, before and after a revocation,
// and checks its answers with openssl ocsp when openssl is present.
func TestCertServeResponder(t *testing.T) {
	ca := newTestCA(t, "ecdsa").startResponder(t)
	certFile, _ := ca.issue(t, "leaf")
	caCert, err := readCertFile(ca.caFile)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := readCertFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ca.addr
	query := func(t *testing.T) *ocsp.Response {
		t.Helper()
		req, err := ocsp.CreateRequest(leaf, caCert, nil)
		if err != nil {
			t.Fatal(err)
		}
		body := httpDo(t, http.MethodPost, base+ocspPath, string(req))
		resp, err := ocsp.ParseResponseForCert([]byte(body), leaf, caCert)
		if err != nil {
			t.Fatalf("bad ocsp answer: %v", err)
		}
		return resp
	}
	if got := query(t); got.Status != ocsp.Good {
		t.Errorf("status %d before revocation, want good", got.Status)
	}
	openssl := optionalOpenSSL(t)
	if openssl != "" {
		out := runOpenSSL(t, openssl, "ocsp", "-issuer", ca.caFile, "-cert", certFile, "-url", base+ocspPath, "-CAfile", ca.caFile)
		mustContain(t, "openssl ocsp", out, "Response verify OK", certFile+": good")
	}
	mustRun(t, "cert", "-ca-dir", ca.dir, "revoke", "-reason", "superseded", certFile)
	if got := query(t); got.Status != ocsp.Revoked || got.RevocationReason != ocsp.Superseded {
		t.Errorf("status %d reason %d after revocation, want revoked, superseded", got.Status, got.RevocationReason)
	}
	if openssl != "" {
		out := runOpenSSL(t, openssl, "ocsp", "-issuer", ca.caFile, "-cert", certFile, "-url", base+ocspPath, "-CAfile", ca.caFile)
		mustContain(t, "openssl ocsp", out, "Response verify OK", certFile+": revoked", "Reason: superseded")
	}
	crl, err := x509.ParseRevocationList([]byte(httpDo(t, http.MethodGet, base+crlPath, "")))
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(caCert); err != nil {
		t.Errorf("crl signature: %v", err)
	}
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(leaf.SerialNumber) != 0 {
		t.Errorf("crl entries %+v, want the leaf's serial", crl.RevokedCertificateEntries)
	}
	if block, _ := pem.Decode([]byte(httpDo(t, http.MethodGet, base+caPath, ""))); block == nil || string(block.Bytes) != string(caCert.Raw) {
		t.Errorf("%s does not serve the CA certificate", caPath)
	}
	other := newTestCA(t, "ecdsa")
	otherLeaf, _ := other.issue(t, "other")
	stranger, err := readCertFile(otherLeaf)
	if err != nil {
		t.Fatal(err)
	}
	otherCA, _ := readCertFile(other.caFile)
	req, _ := ocsp.CreateRequest(stranger, otherCA, nil)
	if _, err := ocsp.ParseResponse([]byte(httpDo(t, http.MethodPost, base+ocspPath, string(req))), nil); err == nil || !strings.Contains(err.Error(), "unauthorized") {
		t.Errorf("request about another CA's certificate: %v, want unauthorized", err)
	}
	if _, err := ocsp.ParseResponse([]byte(httpDo(t, http.MethodPost, base+ocspPath, "junk")), nil); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("junk request: %v, want malformed", err)
	}
	mustContain(t, "responder log", ca.responder.stderr.String(), "ocsp POST: serial "+serialHex(leaf.SerialNumber)+": revoked", "crl: 1 revoked", "unauthorized")
}

// httpDo sends one request and returns the body of a 200 answer.
func httpDo(t *testing.T, method, url, body string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s %v", method, url, resp.Status, err)
	}
	return string(b)
}

func TestParseSerialAndNames(t *testing.T) {
	serials := []struct {
		in   string
		want string
		ok   bool
	}{
		{"7A3F", "7A3F", true}, {"0x7a3f", "7A3F", true}, {"7A:3F", "7A3F", true}, {"serial=7A3F", "7A3F", true},
		{"", "", false}, {"0x", "", false}, {"g1", "", false}, {"-5", "", false},
	}
	for _, tt := range serials {
		n, err := parseSerial(tt.in)
		if (err == nil) != tt.ok || (err == nil && serialHex(n) != tt.want) {
			t.Errorf("parseSerial(%q) = %v, %v; want %s, ok %v", tt.in, n, err, tt.want, tt.ok)
		}
	}
	names := []struct {
		in string
		ok bool
	}{
		{"localhost", true}, {"*.example.test", true}, {"::1", true}, {"10.0.0.1", true},
		{"a b", false}, {"*", false}, {"x.*.y", false}, {".lead", false}, {"", false},
	}
	for _, tt := range names {
		if _, _, err := splitNames([]string{tt.in}); (err == nil) != tt.ok {
			t.Errorf("splitNames(%q) error %v, want ok %v", tt.in, err, tt.ok)
		}
	}
	if got := defaultOutPrefix([]string{"*.example.test", "a"}); got != "_wildcard.example.test+1" {
		t.Errorf("defaultOutPrefix = %q", got)
	}
	responders := []struct{ in, want string }{
		{"127.0.0.1:8888", "http://127.0.0.1:8888"}, {"http://localhost:80/", "http://localhost:80"}, {"none", ""},
		{"127.0.0.1", "error"}, {"https://x:1", "error"}, {"http://x:1/path", "error"},
	}
	for _, tt := range responders {
		got, err := responderBase(tt.in)
		if err != nil {
			got = "error"
		}
		if got != tt.want {
			t.Errorf("responderBase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
