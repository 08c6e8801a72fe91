package revocationtest

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"
)

// ResponderMode says how the OCSP responder answers.
type ResponderMode int

// Responder modes.
const (
	// Signed by the CA, current, with the certificate's true status.
	ResponderNormal ResponderMode = iota
	// Signed by the delegated responder certificate CA.Delegated.
	ResponderDelegated
	// Signed by CA.NoEKU, which lacks the OCSP signing usage.
	ResponderDelegatedNoEKU
	// Naming the CA as responder but signed with another key.
	ResponderWrongKey
	// Signed by the CA, with nextUpdate already past.
	ResponderExpired
	// HTTP 503 with no OCSP response.
	ResponderUnavailable
	// A successful HTTP answer carrying the OCSP status tryLater.
	ResponderTryLater
)

// CRLMode says how the CRL server answers.
type CRLMode int

// CRL modes.
const (
	// A current CRL signed by the CA.
	CRLNormal CRLMode = iota
	// A CRL whose nextUpdate is already past.
	CRLExpired
	// A CRL naming the CA as issuer but signed with another key.
	CRLWrongKey
	// HTTP 503 with no CRL.
	CRLUnavailable
)

// ResponseOptions describe an OCSP response to build with Response. Zero
// times mean the CA's clock and the clock plus ResponseValidity.
type ResponseOptions struct {
	// Status is ocsp.Good, ocsp.Revoked or ocsp.Unknown.
	Status     int
	ThisUpdate time.Time
	NextUpdate time.Time
	// Mode picks the signer (ResponderNormal, ResponderDelegated,
	// ResponderDelegatedNoEKU or ResponderWrongKey).
	Mode ResponderMode
	// RevocationReason is the reason given for revoked certificates.
	RevocationReason int
	// IssuerHash is the CertID hash; zero means SHA-1.
	IssuerHash crypto.Hash
	// OmitNextUpdate leaves nextUpdate out of the response.
	OmitNextUpdate bool
}

// Response builds a DER OCSP response about cert.
func (ca *CA) Response(cert *x509.Certificate, o ResponseOptions) ([]byte, error) {
	if o.ThisUpdate.IsZero() {
		o.ThisUpdate = ca.Now().Add(-time.Minute)
	}
	if o.NextUpdate.IsZero() && !o.OmitNextUpdate {
		o.NextUpdate = o.ThisUpdate.Add(ca.opts.ResponseValidity)
	}
	tmpl := ocsp.Response{
		Status:       o.Status,
		SerialNumber: cert.SerialNumber,
		ThisUpdate:   o.ThisUpdate,
		NextUpdate:   o.NextUpdate,
		IssuerHash:   o.IssuerHash,
	}
	if o.Status == ocsp.Revoked {
		tmpl.RevokedAt = o.ThisUpdate.Add(-time.Hour)
		tmpl.RevocationReason = o.RevocationReason
	}
	responder, key := ca.Cert, ca.Key
	switch o.Mode {
	case ResponderDelegated:
		responder, key = ca.Delegated.Cert, ca.Delegated.Key
		tmpl.Certificate = responder
	case ResponderDelegatedNoEKU:
		responder, key = ca.NoEKU.Cert, ca.NoEKU.Key
		tmpl.Certificate = responder
	case ResponderWrongKey:
		key = ca.wrong
	}
	return ocsp.CreateResponse(ca.Cert, responder, tmpl, key)
}

// maxRequestBytes bounds the OCSP requests the responder reads.
const maxRequestBytes = 16 << 10

// serveOCSP answers OCSP requests by GET and POST (RFC 6960, Appendix A).
func (ca *CA) serveOCSP(w http.ResponseWriter, r *http.Request) {
	var der []byte
	var err error
	ca.mu.Lock()
	ca.ocspCount++
	mode := ca.mode
	switch r.Method {
	case http.MethodGet:
		ca.getCount++
	case http.MethodPost:
		ca.postCount++
	}
	ca.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		der, err = base64.StdEncoding.DecodeString(strings.TrimPrefix(r.URL.Path, "/ocsp/"))
	case http.MethodPost:
		der, err = io.ReadAll(io.LimitReader(r.Body, maxRequestBytes))
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if mode == ResponderUnavailable {
		http.Error(w, "responder unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	if err != nil {
		w.Write(ocsp.MalformedRequestErrorResponse)
		return
	}
	resp := ca.answer(der, mode)
	w.Write(resp)
}

// answer builds the OCSP response to a DER request in mode.
func (ca *CA) answer(reqDER []byte, mode ResponderMode) []byte {
	req, err := ocsp.ParseRequest(reqDER)
	if err != nil {
		return ocsp.MalformedRequestErrorResponse
	}
	if mode == ResponderTryLater {
		return ocsp.TryLaterErrorResponse
	}
	o := ResponseOptions{Mode: mode, Status: ocsp.Good}
	ca.mu.Lock()
	key := req.SerialNumber.String()
	if rev, ok := ca.revoked[key]; ok {
		o.Status, o.RevocationReason = ocsp.Revoked, rev.reason
	} else if !ca.issued[key] {
		o.Status = ocsp.Unknown
	}
	ca.mu.Unlock()
	if mode == ResponderExpired {
		o.ThisUpdate = ca.Now().Add(-2 * ca.opts.ResponseValidity)
		o.NextUpdate = ca.Now().Add(-ca.opts.ResponseValidity)
	}
	cert := &x509.Certificate{SerialNumber: req.SerialNumber}
	der, err := ca.Response(cert, o)
	if err != nil {
		return ocsp.InternalErrorErrorResponse
	}
	return der
}

// serveCRL answers with a freshly signed CRL.
func (ca *CA) serveCRL(w http.ResponseWriter, r *http.Request) {
	ca.mu.Lock()
	ca.crlCount++
	mode := ca.crlMode
	ca.mu.Unlock()
	if mode == CRLUnavailable {
		http.Error(w, "crl unavailable", http.StatusServiceUnavailable)
		return
	}
	der, err := ca.CRL(mode)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Write(der)
}

// CRL builds a DER CRL listing every revoked certificate, as the CRL
// server would serve it in mode.
func (ca *CA) CRL(mode CRLMode) ([]byte, error) {
	now := ca.Now()
	ca.mu.Lock()
	ca.crlNumber++
	tmpl := &x509.RevocationList{
		Number:     big.NewInt(ca.crlNumber),
		ThisUpdate: now.Add(-time.Minute),
		NextUpdate: now.Add(ca.opts.CRLValidity),
	}
	for _, rev := range ca.revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber: rev.serial, RevocationTime: rev.at, ReasonCode: rev.reason})
	}
	ca.mu.Unlock()
	if mode == CRLExpired {
		tmpl.ThisUpdate = now.Add(-2 * ca.opts.CRLValidity)
		tmpl.NextUpdate = now.Add(-ca.opts.CRLValidity)
	}
	var key crypto.Signer = ca.Key
	if mode == CRLWrongKey {
		key = ca.wrong
	}
	return x509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, key)
}
