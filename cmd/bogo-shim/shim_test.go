package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const testShimID = 0x0102030405060708

// testCertificate makes a self-signed ECDSA P-256 certificate for "test".
func testCertificate(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "test"},
		DNSNames:     []string{"test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// writeCredential writes cert as PEM files and returns their paths.
func writeCredential(t *testing.T, cert tls.Certificate) (certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// fakeRunner plays BoGo's runner for one connection: it accepts the
// shim, checks its ID and hands the TCP connection to peer.
func fakeRunner(t *testing.T, peer func(net.Conn) error) (port string, result <-chan error) {
	t.Helper()
	return fakeRunnerN(t, 1, func(_ int, c net.Conn) error { return peer(c) })
}

// fakeRunnerN is fakeRunner for n connections in a row.
func fakeRunnerN(t *testing.T, n int, peer func(int, net.Conn) error) (port string, result <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	done := make(chan error, 1)
	go func() {
		for i := range n {
			if err := acceptOne(ln, func(c net.Conn) error { return peer(i, c) }); err != nil {
				done <- fmt.Errorf("connection %d: %w", i+1, err)
				return
			}
		}
		done <- nil
	}()
	_, port, _ = net.SplitHostPort(ln.Addr().String())
	return port, done
}

// acceptOne accepts the shim's next connection, checks its ID and runs
// peer on it.
func acceptOne(ln net.Listener, peer func(net.Conn) error) error {
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var id [8]byte
	if _, err := io.ReadFull(conn, id[:]); err != nil {
		return err
	}
	if got := binary.LittleEndian.Uint64(id[:]); got != testShimID {
		return fmt.Errorf("shim ID %x", got)
	}
	return peer(conn)
}

// echoOnce sends one 32-byte test message and checks the XORed echo.
func echoOnce(conn *tls.Conn) error {
	msg := make([]byte, 32)
	for i := range msg {
		msg[i] = 0x42 ^ byte(i)
	}
	if _, err := conn.Write(msg); err != nil {
		return err
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(conn, got); err != nil {
		return err
	}
	for i := range got {
		if got[i] != msg[i]^0xff {
			return fmt.Errorf("bad echo %x", got)
		}
	}
	return nil
}

// runShim runs the shim against the fake runner and returns its exit
// status, its stderr and the runner's error.
func runShim(t *testing.T, port string, result <-chan error, args ...string) (int, string, error) {
	t.Helper()
	args = append([]string{"-port", port, "-shim-id", strconv.FormatUint(testShimID, 10)}, args...)
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	select {
	case err := <-result:
		return code, stderr.String(), err
	case <-time.After(15 * time.Second):
		return code, stderr.String(), errors.New("fake runner did not finish")
	}
}

func TestShimExchanges(t *testing.T) {
	cert := testCertificate(t)
	certFile, keyFile := writeCredential(t, cert)
	serverTLS := func(cfg *tls.Config, after func(*tls.Conn) error) func(net.Conn) error {
		return func(raw net.Conn) error {
			cfg.Certificates = []tls.Certificate{cert}
			c := tls.Server(raw, cfg)
			if err := c.Handshake(); err != nil {
				return err
			}
			if err := after(c); err != nil {
				return err
			}
			return c.Close()
		}
	}
	clientTLS := func(cfg *tls.Config, after func(*tls.Conn) error) func(net.Conn) error {
		return func(raw net.Conn) error {
			cfg.InsecureSkipVerify = true
			c := tls.Client(raw, cfg)
			if err := c.Handshake(); err != nil {
				return err
			}
			if err := after(c); err != nil {
				return err
			}
			return c.Close()
		}
	}
	serverRole := newOptions()
	serverRole.server = true
	client12, server12 := newOptions().implemented(versionTLS12), serverRole.implemented(versionTLS12)
	tests := []struct {
		name     string
		peer     func(net.Conn) error
		args     []string
		wantCode int
		wantErr  string
		// skip is set for cases that assume a version gotls now has.
		skip bool
	}{
		{
			name:     "client echo",
			peer:     serverTLS(&tls.Config{NextProtos: []string{"foo"}}, echoOnce),
			args:     []string{"-expect-version", "772", "-advertise-alpn", "\x03bar\x03foo", "-expect-alpn", "foo", "-curves", "29", "-expect-curve-id", "29", "-expect-no-hrr"},
			wantCode: exitOK,
		},
		{
			name: "server echo with SNI and ALPN",
			peer: clientTLS(&tls.Config{ServerName: "test", NextProtos: []string{"bar", "foo"}}, func(c *tls.Conn) error {
				if p := c.ConnectionState().NegotiatedProtocol; p != "foo" {
					return fmt.Errorf("ALPN %q", p)
				}
				return echoOnce(c)
			}),
			args:     []string{"-server", "-cert-file", certFile, "-key-file", keyFile, "-expect-server-name", "test", "-select-alpn", "foo", "-expect-advertised-alpn", "\x03bar\x03foo"},
			wantCode: exitOK,
		},
		{
			name: "exporter then shim writes first",
			peer: serverTLS(&tls.Config{}, func(c *tls.Conn) error {
				cs := c.ConnectionState()
				want, err := cs.ExportKeyingMaterial("label", []byte("ctx"), 20)
				if err != nil {
					return err
				}
				got := make([]byte, 20+len("hello"))
				if _, err := io.ReadFull(c, got); err != nil {
					return err
				}
				if !bytes.Equal(got[:20], want) || string(got[20:]) != "hello" {
					return fmt.Errorf("got %x", got)
				}
				return echoOnce(c)
			}),
			args:     []string{"-export-keying-material", "20", "-export-label", "label", "-export-context", "ctx", "-use-export-context", "-shim-writes-first"},
			wantCode: exitOK,
		},
		{
			name: "shim shuts down and checks close_notify",
			// crypto/tls sends its ticket with its Finished, before the
			// shim could skip reading it as BoringSSL's runner expects.
			peer: serverTLS(&tls.Config{SessionTicketsDisabled: true}, func(c *tls.Conn) error {
				n, err := c.Read(make([]byte, 1))
				if n != 0 || err != io.EOF {
					return fmt.Errorf("read %d, %v; want close_notify", n, err)
				}
				return nil
			}),
			args:     []string{"-shim-shuts-down", "-check-close-notify"},
			wantCode: exitOK,
		},
		{
			name:     "implicit handshake",
			peer:     serverTLS(&tls.Config{}, echoOnce),
			args:     []string{"-implicit-handshake", "-key-update", "-read-size", "7"},
			wantCode: exitOK,
		},
		{
			name: "failed expectation",
			peer: func(raw net.Conn) error {
				tls.Server(raw, &tls.Config{Certificates: []tls.Certificate{cert}}).Handshake()
				return nil
			},
			args:     []string{"-expect-alpn", "foo"},
			wantCode: exitFailure,
			wantErr:  "negotiated alpn proto mismatch",
		},
		{
			name: "verify callback failure sends handshake_failure",
			peer: func(raw net.Conn) error {
				err := tls.Server(raw, &tls.Config{Certificates: []tls.Certificate{cert}}).Handshake()
				if err == nil || !strings.Contains(err.Error(), "handshake failure") {
					return fmt.Errorf("runner got %v, want a handshake_failure alert", err)
				}
				return nil
			},
			args:     []string{"-verify-peer", "-verify-fail"},
			wantCode: exitFailure,
			wantErr:  "verify callback",
		},
		{
			name: "TLS 1.2 server is unimplemented",
			peer: func(raw net.Conn) error {
				tls.Server(raw, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12}).Handshake()
				return nil
			},
			wantCode: exitUnimplemented,
			skip:     client12,
		},
		{
			name: "TLS 1.2 server against a TLS 1.3-only shim fails",
			peer: func(raw net.Conn) error {
				tls.Server(raw, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12}).Handshake()
				return nil
			},
			args:     []string{"-min-version", "772"},
			wantCode: exitFailure,
		},
		{
			name: "TLS 1.2 client is unimplemented",
			peer: func(raw net.Conn) error {
				tls.Client(raw, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12}).Handshake()
				return nil
			},
			args:     []string{"-server", "-cert-file", certFile, "-key-file", keyFile},
			wantCode: exitUnimplemented,
			skip:     server12,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip {
				t.Skip("gotls implements TLS 1.2 in this role now")
			}
			port, result := fakeRunner(t, tt.peer)
			code, stderr, err := runShim(t, port, result, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.wantCode, stderr)
			}
			if tt.wantCode == exitOK && err != nil {
				t.Errorf("runner: %v", err)
			}
			if tt.wantErr != "" && !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.wantErr)
			}
		})
	}
}

func TestSelectedCredential(t *testing.T) {
	first := testCertificate(t)
	second := testCertificate(t)
	c1, k1 := writeCredential(t, first)
	c2, k2 := writeCredential(t, second)
	for _, tt := range []struct {
		want     string
		wantCode int
	}{
		{"0", exitOK},
		{"-1", exitFailure},
	} {
		t.Run(tt.want, func(t *testing.T) {
			port, result := fakeRunner(t, func(raw net.Conn) error {
				c := tls.Client(raw, &tls.Config{InsecureSkipVerify: true})
				if err := c.Handshake(); err != nil {
					return nil
				}
				if !bytes.Equal(c.ConnectionState().PeerCertificates[0].Raw, first.Certificate[0]) {
					return errors.New("server did not use the first credential")
				}
				echoOnce(c)
				return c.Close()
			})
			code, stderr, err := runShim(t, port, result, "-server", "-cert-file", c2, "-key-file", k2,
				"-new-x509-credential", "-cert-file", c1, "-key-file", k1, "-expect-selected-credential", tt.want)
			if code != tt.wantCode || err != nil {
				t.Errorf("exit %d (want %d), runner %v, stderr %s", code, tt.wantCode, err, stderr)
			}
		})
	}
}

func TestRunWithoutConnection(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
	}{
		{"probe", []string{"-is-handshaker-supported"}, exitOK, "No\n"},
		{"unknown flag", []string{"-port", "1", "-frobnicate"}, exitUnimplemented, ""},
		{"unsupported feature", []string{"-port", "1", "-dtls"}, exitUnimplemented, ""},
		{"resumption with an unsupported resumption flag", []string{"-port", "1", "-resume-count", "1", "-on-resume-expect-early-data-reason", "x"}, exitUnimplemented, ""},
		{"invalid value", []string{"-port", "x"}, exitFailure, ""},
		{"missing credential", []string{"-port", "1", "-server", "-cert-file", "/nonexistent", "-key-file", "/nonexistent"}, exitFailure, ""},
		{"invalid SCT list", []string{"-port", "1", "-server", "-signed-cert-timestamps", "AAA="}, exitFailure, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, &stdout, &stderr); code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr %s", code, tt.wantCode, stderr.String())
			}
			if stdout.String() != tt.wantStdout {
				t.Errorf("stdout %q, want %q", stdout.String(), tt.wantStdout)
			}
		})
	}
}

func TestResumption(t *testing.T) {
	cert := testCertificate(t)
	certFile, keyFile := writeCredential(t, cert)
	serverCfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	clientCfg := &tls.Config{InsecureSkipVerify: true, ServerName: "test", ClientSessionCache: tls.NewLRUClientSessionCache(4)}
	tests := []struct {
		name string
		peer func(int, net.Conn) error
		args []string
	}{
		{
			name: "client resumes a crypto/tls server's ticket",
			peer: func(i int, raw net.Conn) error {
				c := tls.Server(raw, serverCfg)
				if err := echoOnce(c); err != nil {
					return err
				}
				if got := c.ConnectionState().DidResume; got != (i > 0) {
					return fmt.Errorf("DidResume = %t", got)
				}
				return c.Close()
			},
		},
		{
			name: "server resumes for a crypto/tls client",
			peer: func(i int, raw net.Conn) error {
				c := tls.Client(raw, clientCfg)
				if err := echoOnce(c); err != nil {
					return err
				}
				if got := c.ConnectionState().DidResume; got != (i > 0) {
					return fmt.Errorf("DidResume = %t", got)
				}
				return c.Close()
			},
			args: []string{"-server", "-cert-file", certFile, "-key-file", keyFile},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port, result := fakeRunnerN(t, 2, tt.peer)
			code, stderr, err := runShim(t, port, result, append(tt.args, "-resume-count", "1")...)
			if code != exitOK || err != nil {
				t.Errorf("exit %d, runner %v, stderr %s", code, err, stderr)
			}
		})
	}
}
