package revocation_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"gotls"
	"gotls/internal/wire"
	"gotls/revocation/revocationtest"
)

// needOpenSSL returns the openssl binary, skipping the test when it is
// missing, unless CI=true, where that is a failure.
func needOpenSSL(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is required in CI")
		}
		t.Skip("openssl not found")
	}
	return path
}

// tlsVersions are the versions the interop tests cover, with openssl's
// flag for each.
var tlsVersions = []struct {
	name    string
	version uint16
	flag    string
}{
	{"TLS1.3", gotls.VersionTLS13, "-tls1_3"},
	{"TLS1.2", gotls.VersionTLS12, "-tls1_2"},
}

// TestOpenSSLClientSeesOurStaple runs `openssl s_client -status` against
// our server, which staples through a revocation.Stapler, in TLS 1.3 and
// TLS 1.2.
func TestOpenSSLClientSeesOurStaple(t *testing.T) {
	openssl := needOpenSSL(t)
	ca := revocationtest.New(t, revocationtest.Options{})
	leaf := ca.Issue(t, revocationtest.LeafOptions{})
	caFile := writeCA(t, ca)
	stapler := fetchedStapler(t, ca, leaf)
	for _, v := range tlsVersions {
		t.Run(v.name, func(t *testing.T) {
			scfg := serverConfig(leaf)
			scfg.OCSPStapler = stapler
			scfg.MinVersion, scfg.MaxVersion = v.version, v.version
			addr, serverErr := serveOnce(t, scfg)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, openssl, "s_client", "-connect", addr, "-servername", "localhost",
				"-status", v.flag, "-CAfile", caFile, "-verify_return_error")
			cmd.Stdin = strings.NewReader("")
			out, err := cmd.CombinedOutput()
			if srvErr := <-serverErr; srvErr != nil && v.version == gotls.VersionTLS12 && strings.Contains(srvErr.Error(), "protocol") {
				t.Skipf("our server does not speak TLS 1.2 yet: %v", srvErr)
			}
			if err != nil {
				t.Fatalf("s_client: %v\n%s", err, out)
			}
			for _, want := range []string{"OCSP Response Status: successful", "Cert Status: good",
				"Verify return code: 0 (ok)", "New, " + strings.ReplaceAll(v.name, "TLS", "TLSv")} {
				if !bytes.Contains(out, []byte(want)) {
					t.Errorf("s_client output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// serveOnce serves one TLS connection with our server on a free loopback
// port and reports the handshake's error.
func serveOnce(t *testing.T, cfg *gotls.Config) (string, <-chan error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	done := make(chan error, 1)
	go func() {
		raw, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		defer raw.Close()
		raw.SetDeadline(time.Now().Add(20 * time.Second))
		conn := gotls.Server(raw, cfg)
		err = conn.Handshake()
		if err == nil {
			io.Copy(io.Discard, conn)
		}
		done <- err
	}()
	return l.Addr().String(), done
}

// writeCA writes the CA certificate as PEM and returns its path.
func writeCA(t *testing.T, ca *revocationtest.CA) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOurClientVerifiesOpenSSLStaple runs `openssl s_server -status_file`
// with a good and with a revoked staple and connects our hard-fail
// client, in TLS 1.3 and TLS 1.2.
func TestOurClientVerifiesOpenSSLStaple(t *testing.T) {
	openssl := needOpenSSL(t)
	ca := revocationtest.New(t, revocationtest.Options{})
	leaf := ca.Issue(t, revocationtest.LeafOptions{NoOCSP: true, NoCRL: true})
	dir := t.TempDir()
	certFile, keyFile := leaf.WriteFiles(t, dir, "leaf")
	for _, v := range tlsVersions {
		for _, status := range []int{ocsp.Good, ocsp.Revoked} {
			t.Run(fmt.Sprintf("%s/%s", v.name, map[int]string{ocsp.Good: "good", ocsp.Revoked: "revoked"}[status]), func(t *testing.T) {
				staple, err := ca.Response(leaf.Cert, revocationtest.ResponseOptions{Status: status, RevocationReason: ocsp.KeyCompromise})
				if err != nil {
					t.Fatal(err)
				}
				stapleFile := filepath.Join(dir, fmt.Sprintf("staple-%d.der", status))
				if err := os.WriteFile(stapleFile, staple, 0o600); err != nil {
					t.Fatal(err)
				}
				addr := startSServer(t, openssl, "-cert", certFile, "-key", keyFile, "-status_file", stapleFile, v.flag)
				ccfg := clientConfig(ca, gotls.RevocationHardFail)
				ccfg.MinVersion, ccfg.MaxVersion = v.version, v.version
				checked := false
				ccfg.HandshakeTrace = func(e gotls.HandshakeEvent) { checked = checked || e.Step == "check revocation" }
				state, err := dialOurs(addr, ccfg)
				if !checked {
					t.Error("the handshake trace shows no revocation check")
				}
				if status == ocsp.Good {
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(state.OCSPResponse, staple) || state.Version != v.version {
						t.Fatalf("version %x, staple of %d bytes", state.Version, len(state.OCSPResponse))
					}
					return
				}
				checkFailure(t, err, wire.AlertCertificateRevoked, "staple", "revoked", "reason keyCompromise")
			})
		}
	}
}

// dialOurs connects our client to addr and returns the connection state.
func dialOurs(addr string, cfg *gotls.Config) (tls.ConnectionState, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer raw.Close()
	conn := gotls.Client(raw, cfg)
	err = conn.HandshakeContext(ctx)
	return conn.ConnectionState(), err
}

// startSServer starts `openssl s_server` on a free loopback port with
// args, waits until it accepts, and stops it when the test ends.
func startSServer(t *testing.T, openssl string, args ...string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	cmd := exec.CommandContext(ctx, openssl, append([]string{"s_server", "-accept", addr, "-naccept", "1"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// s_server ends a connection when its standard input ends, so it
	// gets a pipe that stays open until the test is over.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cancel()
		cmd.Wait()
	})
	if err := waitForAccept(stdout, 10*time.Second); err != nil {
		t.Fatalf("s_server did not start: %v\n%s", err, stderr.String())
	}
	return addr
}

// waitForAccept reads s_server's output until it says ACCEPT.
func waitForAccept(r io.Reader, timeout time.Duration) error {
	found := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "ACCEPT") {
				found <- nil
				io.Copy(io.Discard, r)
				return
			}
		}
		found <- errors.New("s_server exited")
	}()
	select {
	case err := <-found:
		return err
	case <-time.After(timeout):
		return errors.New("timed out")
	}
}
