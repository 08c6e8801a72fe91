package handshake_test

// Our TLS 1.3 client against crypto/tls's server, in process over
// net.Pipe.

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"gotls/internal/engine"
	"gotls/internal/handshake"
	"gotls/internal/wire"
)

// cliServerReport is what the crypto/tls server saw.
type cliServerReport struct {
	state    tls.ConnectionState
	exported []byte
	err      error
}

// cliCryptoServer starts a crypto/tls server with scfg on one end of a
// pipe; after the handshake it reports its state and then echoes what it
// reads until the connection closes. It returns our client, already
// handshaken (or the handshake error), and the server's report channel.
func cliCryptoServer(t *testing.T, scfg *tls.Config, ccfg *handshake.Config) (*netPeer, error, <-chan cliServerReport) {
	t.Helper()
	c1, c2 := net.Pipe()
	report := make(chan cliServerReport, 1)
	go func() {
		ts := tls.Server(c2, scfg)
		ts.SetDeadline(time.Now().Add(20 * time.Second))
		defer ts.Close()
		var r cliServerReport
		r.err = ts.Handshake()
		if r.err == nil {
			r.state = ts.ConnectionState()
			r.exported, r.err = r.state.ExportKeyingMaterial("gotls cross", []byte("context"), 48)
		}
		report <- r
		if r.err != nil {
			return
		}
		buf := make([]byte, 64*1024)
		for {
			n, err := ts.Read(buf)
			if err != nil {
				return
			}
			if _, err := ts.Write(buf[:n]); err != nil {
				return
			}
		}
	}()
	p := newNetPeer(t, engine.New(ccfg, true), c1)
	return p, p.handshake(), report
}

// cliEcho sends data and expects it back.
func cliEcho(t *testing.T, p *netPeer, data []byte) {
	t.Helper()
	if err := p.write(data); err != nil {
		t.Fatalf("write: %v", err)
	}
	got, err := p.readN(len(data))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("echo mismatch: %d bytes back", len(got))
	}
}

// cliTLSServerConfig is a crypto/tls server configuration for the PKI.
func cliTLSServerConfig(pki *testPKI) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{tlsCertificate(pki.Server)},
		ClientCAs:    pki.CA.Pool,
		MinVersion:   tls.VersionTLS13,
	}
}

func TestClientCryptoTLSMatrix(t *testing.T) {
	suites := []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_AES_256_GCM_SHA384, wire.TLS_CHACHA20_POLY1305_SHA256}
	groups := []wire.Group{wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupX25519MLKEM768}
	for _, kt := range []keyType{keyECDSAP256, keyRSA2048, keyEd25519} {
		pki := newTestPKI(t, kt)
		for _, suite := range suites {
			for _, group := range groups {
				t.Run(fmt.Sprintf("%s/%s/%s", kt, suite, group), func(t *testing.T) {
					ccfg, _ := pki.configs()
					ccfg.CipherSuites = []wire.CipherSuite{suite}
					ccfg.CurvePreferences = []wire.Group{group}
					scfg := cliTLSServerConfig(pki)
					scfg.CurvePreferences = []tls.CurveID{tls.CurveID(group)}
					p, err, report := cliCryptoServer(t, scfg, ccfg)
					if err != nil {
						t.Fatalf("handshake: %v", err)
					}
					r := <-report
					if r.err != nil {
						t.Fatalf("server: %v", r.err)
					}
					res := p.E.Handshake().Result()
					if res.CipherSuite != suite || res.Group != group || res.HelloRetry {
						t.Errorf("we negotiated %v/%v (retry %v)", res.CipherSuite, res.Group, res.HelloRetry)
					}
					if r.state.CipherSuite != uint16(suite) || r.state.CurveID != tls.CurveID(group) {
						t.Errorf("crypto/tls negotiated %#x/%v", r.state.CipherSuite, r.state.CurveID)
					}
					if got := p.E.Handshake().History(); !slices.Equal(got, cliShapeFull) {
						t.Errorf("history %q", got)
					}
					cliEcho(t, p, []byte("hello crypto/tls"))
				})
			}
		}
	}
}

func TestClientCryptoTLSHelloRetry(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	ccfg, _ := pki.configs()
	scfg := cliTLSServerConfig(pki)
	scfg.CurvePreferences = []tls.CurveID{tls.CurveP384}
	p, err, report := cliCryptoServer(t, scfg, ccfg)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if r := <-report; r.err != nil || r.state.CurveID != tls.CurveP384 || !r.state.HelloRetryRequest {
		t.Fatalf("server: %v, curve %v, HRR %v", r.err, r.state.CurveID, r.state.HelloRetryRequest)
	}
	res := p.E.Handshake().Result()
	if !res.HelloRetry || res.Group != wire.GroupSecp384r1 {
		t.Errorf("retry %v, group %v", res.HelloRetry, res.Group)
	}
	if got := p.E.Handshake().History(); !slices.Equal(got, cliShapeHRR) {
		t.Errorf("history\n got %q\nwant %q", got, cliShapeHRR)
	}
	cliEcho(t, p, []byte("after a retry"))
}

func TestClientCryptoTLSClientAuth(t *testing.T) {
	for _, kt := range []keyType{keyECDSAP256, keyECDSAP384, keyRSA2048, keyEd25519} {
		t.Run(kt.String(), func(t *testing.T) {
			pki := newTestPKI(t, keyECDSAP256)
			cert := pki.CA.issue(t, kt, leafOptions{ClientAuth: true, CommonName: "client " + kt.String()})
			ccfg, _ := pki.configs()
			ccfg.Certificates = []*handshake.Certificate{cert}
			scfg := cliTLSServerConfig(pki)
			scfg.ClientAuth = tls.RequireAndVerifyClientCert
			p, err, report := cliCryptoServer(t, scfg, ccfg)
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			r := <-report
			if r.err != nil {
				t.Fatalf("server: %v", r.err)
			}
			if len(r.state.PeerCertificates) != 1 || r.state.PeerCertificates[0].Subject.CommonName != "client "+kt.String() {
				t.Errorf("server saw peer certificates %v", r.state.PeerCertificates)
			}
			if got := p.E.Handshake().History(); !slices.Equal(got, cliShapeClientAuth) {
				t.Errorf("history %q", got)
			}
			cliEcho(t, p, []byte("authenticated"))
		})
	}
}

func TestClientCryptoTLSClientAuthMissing(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	ccfg, _ := pki.configs()
	scfg := cliTLSServerConfig(pki)
	scfg.ClientAuth = tls.RequireAnyClientCert
	p, err, report := cliCryptoServer(t, scfg, ccfg)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if r := <-report; r.err == nil {
		t.Fatal("crypto/tls accepted a missing client certificate")
	}
	_, err = p.readN(1)
	if remoteAlertOf(err) != wire.AlertCertificateRequired {
		t.Errorf("read error %v, want the peer's certificate_required", err)
	}
}

func TestClientCryptoTLSKeyUpdateAndExporter(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	ccfg, _ := pki.configs()
	p, err, report := cliCryptoServer(t, cliTLSServerConfig(pki), ccfg)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	r := <-report
	if r.err != nil {
		t.Fatal(r.err)
	}
	ours, err := p.E.Handshake().ExportKeyingMaterial("gotls cross", []byte("context"), 48)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, r.exported) {
		t.Errorf("exporter mismatch:\n ours %x\n them %x", ours, r.exported)
	}
	cliEcho(t, p, []byte("before any update"))
	for i, request := range []bool{false, true, true, false} {
		if err := p.E.KeyUpdate(request); err != nil {
			t.Fatalf("KeyUpdate(%v): %v", request, err)
		}
		cliEcho(t, p, bytes.Repeat([]byte{byte('a' + i)}, 20000))
	}
}

func TestClientCryptoTLSALPN(t *testing.T) {
	pki := newTestPKI(t, keyEd25519)
	ccfg, _ := pki.configs()
	ccfg.NextProtos = []string{"h2", "http/1.1"}
	scfg := cliTLSServerConfig(pki)
	scfg.NextProtos = []string{"http/1.1", "h2"}
	p, err, report := cliCryptoServer(t, scfg, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	if r := <-report; r.err != nil || r.state.NegotiatedProtocol != "http/1.1" {
		t.Fatalf("server: %v, ALPN %q", r.err, r.state.NegotiatedProtocol)
	}
	if got := p.E.Handshake().Result().NegotiatedProtocol; got != "http/1.1" {
		t.Errorf("ALPN %q", got)
	}
}

func TestClientCryptoTLSVerificationFailure(t *testing.T) {
	pki := newTestPKI(t, keyECDSAP256)
	other := newTestCA(t, keyECDSAP256, "some other root")
	ccfg, _ := pki.configs()
	ccfg.RootCAs = other.Pool
	_, err, report := cliCryptoServer(t, cliTLSServerConfig(pki), ccfg)
	if alertOf(err) != wire.AlertUnknownCA {
		t.Fatalf("handshake error %v, want unknown_ca", err)
	}
	var cve *handshake.CertificateVerificationError
	if !errors.As(err, &cve) || cve.Check != "chain" {
		t.Errorf("error %v is not a chain CertificateVerificationError", err)
	}
	var x509Err x509.UnknownAuthorityError
	if !errors.As(err, &x509Err) {
		t.Errorf("error %v does not wrap x509.UnknownAuthorityError", err)
	}
	if r := <-report; r.err == nil {
		t.Error("crypto/tls server completed the handshake")
	}
}
