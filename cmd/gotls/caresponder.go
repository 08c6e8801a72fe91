package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"
)

// Limits and timeouts of the responder.
const (
	maxOCSPRequestBytes = 64 << 10
	responderTimeout    = 10 * time.Second
	// ocspBackdate is how far before now thisUpdate is set, so that a
	// client whose clock is a little behind accepts fresh answers.
	ocspBackdate = time.Minute
)

// certStatusOf says what the CA knows of serial: good when it issued it
// and has not revoked it, revoked, or unknown.
func certStatusOf(st *caState, serial *big.Int) (status int, ic *issuedCert) {
	ic = st.find(serial)
	switch {
	case ic == nil:
		return ocsp.Unknown, nil
	case ic.Revoked != nil:
		return ocsp.Revoked, ic
	}
	return ocsp.Good, ic
}

// statusName names an x/crypto/ocsp status.
func statusName(status int) string {
	switch status {
	case ocsp.Good:
		return "good"
	case ocsp.Revoked:
		return "revoked"
	}
	return "unknown"
}

// ocspResponse signs an OCSP response about serial, valid from now for
// validity, with CertID hashes made with hash. It returns the response
// and the status it states.
func (ca *caDir) ocspResponse(st *caState, serial *big.Int, hash crypto.Hash, now time.Time, validity time.Duration) ([]byte, string, error) {
	status, ic := certStatusOf(st, serial)
	tmpl := ocsp.Response{
		Status:       status,
		SerialNumber: serial,
		ThisUpdate:   now.Add(-ocspBackdate).UTC().Truncate(time.Second),
		NextUpdate:   now.Add(validity).UTC().Truncate(time.Second),
		IssuerHash:   hash,
	}
	if status == ocsp.Revoked {
		tmpl.RevokedAt = ic.Revoked.At
		tmpl.RevocationReason = reasonCode(ic.Revoked.Reason)
	}
	if ca.ocspCert != ca.cert {
		// A delegated responder sends its certificate so that clients can
		// check that the CA made it a responder.
		tmpl.Certificate = ca.ocspCert
	}
	der, err := ocsp.CreateResponse(ca.cert, ca.ocspCert, tmpl, ca.ocspKey)
	if err != nil {
		return nil, "", fmt.Errorf("signing the ocsp response: %w", err)
	}
	return der, statusName(status), nil
}

// crl signs a CRL of every revoked certificate, valid from now for
// validity.
func (ca *caDir) crl(st *caState, number *big.Int, now time.Time, validity time.Duration) ([]byte, error) {
	tmpl := &x509.RevocationList{
		Number:     number,
		ThisUpdate: now.Add(-ocspBackdate).UTC().Truncate(time.Second),
		NextUpdate: now.Add(validity).UTC().Truncate(time.Second),
	}
	for _, ic := range st.Issued {
		if ic.Revoked == nil {
			continue
		}
		serial, err := parseSerial(ic.Serial)
		if err != nil {
			return nil, err
		}
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber: serial, RevocationTime: ic.Revoked.At, ReasonCode: reasonCode(ic.Revoked.Reason),
		})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.cert, ca.key)
	if err != nil {
		return nil, fmt.Errorf("signing the crl: %w", err)
	}
	return der, nil
}

// issuerHashes returns the CertID hashes of the CA's name and key with
// hash (RFC 6960, Section 4.1.1).
func (ca *caDir) issuerHashes(hash crypto.Hash) (name, key []byte, err error) {
	if !hash.Available() {
		return nil, nil, fmt.Errorf("hash %v is not available", hash)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(ca.cert.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil, nil, err
	}
	h := hash.New()
	h.Write(ca.cert.RawSubject)
	name = h.Sum(nil)
	h.Reset()
	h.Write(spki.PublicKey.RightAlign())
	return name, h.Sum(nil), nil
}

// responder answers OCSP requests and serves the CRL and the CA
// certificate over HTTP. It reads state.json at each request, so that
// "gotls cert revoke" takes effect at once.
type responder struct {
	ca       *caDir
	validity time.Duration
	now      func() time.Time
	logf     func(format string, args ...any)

	mu      sync.Mutex
	lastCRL int64
}

// ServeHTTP routes a request.
func (r *responder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch {
	case req.Method == http.MethodGet && req.URL.Path == crlPath:
		r.serveCRL(w)
	case req.Method == http.MethodGet && req.URL.Path == caPath:
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Write(pemBlock("CERTIFICATE", r.ca.cert.Raw))
	case req.Method == http.MethodPost:
		body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxOCSPRequestBytes))
		if err != nil {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.serveOCSP(w, "POST", body)
	case req.Method == http.MethodGet && req.URL.Path != "/":
		// RFC 6960, Appendix A.1: GET {url}/{url-encoding of base-64
		// encoding of the DER encoding of the OCSPRequest}.
		enc := strings.TrimPrefix(strings.TrimPrefix(req.URL.EscapedPath(), ocspPath), "/")
		b64, err := url.PathUnescape(enc)
		der, err2 := base64.StdEncoding.DecodeString(b64)
		if err != nil || err2 != nil {
			r.writeOCSP(w, ocsp.MalformedRequestErrorResponse)
			r.logf("ocsp GET: malformed request")
			return
		}
		r.serveOCSP(w, "GET", der)
	default:
		http.Error(w, "gotls cert serve: POST an OCSP request, or GET "+ocspPath+"/REQUEST, "+crlPath+" or "+caPath, http.StatusNotFound)
	}
}

// serveOCSP answers one DER OCSP request.
func (r *responder) serveOCSP(w http.ResponseWriter, method string, der []byte) {
	req, err := ocsp.ParseRequest(der)
	if err != nil {
		r.logf("ocsp %s: malformed request: %v", method, err)
		r.writeOCSP(w, ocsp.MalformedRequestErrorResponse)
		return
	}
	name, key, err := r.ca.issuerHashes(req.HashAlgorithm)
	if err != nil || !bytes.Equal(name, req.IssuerNameHash) || !bytes.Equal(key, req.IssuerKeyHash) {
		r.logf("ocsp %s: serial %s: not issued by this CA: unauthorized", method, serialHex(req.SerialNumber))
		r.writeOCSP(w, ocsp.UnauthorizedErrorResponse)
		return
	}
	st, err := loadState(r.ca.dir)
	if err != nil {
		r.logf("ocsp %s: %v", method, err)
		r.writeOCSP(w, ocsp.InternalErrorErrorResponse)
		return
	}
	resp, status, err := r.ca.ocspResponse(&st, req.SerialNumber, req.HashAlgorithm, r.now(), r.validity)
	if err != nil {
		r.logf("ocsp %s: %v", method, err)
		r.writeOCSP(w, ocsp.InternalErrorErrorResponse)
		return
	}
	r.logf("ocsp %s: serial %s: %s", method, serialHex(req.SerialNumber), status)
	r.writeOCSP(w, resp)
}

// writeOCSP sends an OCSP response.
func (r *responder) writeOCSP(w http.ResponseWriter, der []byte) {
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(der)
}

// serveCRL signs and sends a fresh CRL.
func (r *responder) serveCRL(w http.ResponseWriter) {
	st, err := loadState(r.ca.dir)
	if err != nil {
		r.logf("crl: %v", err)
		http.Error(w, "cannot read the CA state", http.StatusInternalServerError)
		return
	}
	now := r.now()
	der, err := r.ca.crl(&st, r.nextCRLNumber(now), now, r.validity)
	if err != nil {
		r.logf("crl: %v", err)
		http.Error(w, "cannot sign the crl", http.StatusInternalServerError)
		return
	}
	r.logf("crl: %d revoked", countRevoked(&st))
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Write(der)
}

// nextCRLNumber returns a CRL number larger than every one this responder
// gave before: the Unix time, or one more than the last.
func (r *responder) nextCRLNumber(now time.Time) *big.Int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastCRL = max(now.Unix(), r.lastCRL+1)
	return big.NewInt(r.lastCRL)
}

// countRevoked counts the revoked certificates.
func countRevoked(st *caState) int {
	n := 0
	for _, ic := range st.Issued {
		if ic.Revoked != nil {
			n++
		}
	}
	return n
}

// serveResponder runs the responder on ln until ctx ends.
func serveResponder(ctx context.Context, ln net.Listener, r *responder) error {
	srv := &http.Server{
		Handler:           r,
		ReadHeaderTimeout: responderTimeout,
		ReadTimeout:       responderTimeout,
		WriteTimeout:      responderTimeout,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	stop := context.AfterFunc(ctx, func() { srv.Close() })
	defer stop()
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) && ctx.Err() != nil {
		return nil
	}
	return err
}
