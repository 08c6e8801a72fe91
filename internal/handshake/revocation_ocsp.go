package handshake

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"
)

// CertStatus is what an OCSP response or a CRL says about a certificate.
type CertStatus int

// Certificate statuses (RFC 6960, Section 2.2).
const (
	// CertStatusGood: not revoked.
	CertStatusGood CertStatus = iota
	// CertStatusRevoked: revoked, permanently or on hold.
	CertStatusRevoked
	// CertStatusUnknown: the responder does not know the certificate.
	CertStatusUnknown
)

// String returns "good", "revoked" or "unknown".
func (s CertStatus) String() string {
	switch s {
	case CertStatusGood:
		return "good"
	case CertStatusRevoked:
		return "revoked"
	case CertStatusUnknown:
		return "unknown"
	}
	return fmt.Sprintf("CertStatus(%d)", int(s))
}

// OCSPClockSkew is how far in the future an OCSP response's thisUpdate may
// be, to allow for a responder whose clock runs ahead. There is no grace
// after nextUpdate.
const OCSPClockSkew = 5 * time.Minute

// OCSPLifetimeWithoutNextUpdate is how long after thisUpdate a response
// without nextUpdate counts as current.
const OCSPLifetimeWithoutNextUpdate = 24 * time.Hour

// OCSPResult is what a verified OCSP response says about one certificate.
type OCSPResult struct {
	// Status is the certificate's status.
	Status CertStatus
	// ProducedAt is when the responder signed the response.
	ProducedAt time.Time
	// ThisUpdate is when the status was known to be correct.
	ThisUpdate time.Time
	// NextUpdate is when the response expires: its nextUpdate, or
	// ThisUpdate plus OCSPLifetimeWithoutNextUpdate when it has none.
	NextUpdate time.Time
	// RevokedAt and RevocationReason are set for revoked certificates;
	// the reason is an RFC 5280 CRLReason.
	RevokedAt        time.Time
	RevocationReason int
	// Responder says who signed: "the issuer" or "delegated responder"
	// with its subject.
	Responder string
}

// describe summarizes the result for a trace.
func (r *OCSPResult) describe() string {
	s := fmt.Sprintf("%s, signed by %s, this update %s, next update %s", r.Status, r.Responder,
		r.ThisUpdate.UTC().Format(time.RFC3339), r.NextUpdate.UTC().Format(time.RFC3339))
	if r.Status == CertStatusRevoked {
		s += fmt.Sprintf(", revoked at %s (%s)", r.RevokedAt.UTC().Format(time.RFC3339), RevocationReasonName(r.RevocationReason))
	}
	return s
}

// VerifyOCSPResponse checks that der is a successful OCSP response about
// leaf, issued by issuer, that is current at now: the response must name
// leaf's serial number under issuer's name and key hashes (RFC 6960,
// Section 4.1.1), be signed by issuer or by a responder certificate that
// issuer issued for OCSP signing (RFC 6960, Section 4.2.2.2), and have
// thisUpdate no later than now plus OCSPClockSkew and nextUpdate after
// now. Errors describe the first failed check in lowercase words.
func VerifyOCSPResponse(der []byte, leaf, issuer *x509.Certificate, now time.Time) (*OCSPResult, error) {
	if leaf == nil || issuer == nil {
		return nil, errors.New("no certificate or issuer to check the ocsp response against")
	}
	resp, err := ocsp.ParseResponseForCert(der, leaf, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot use ocsp response: %w", err)
	}
	if err := checkCertID(resp, leaf, issuer); err != nil {
		return nil, err
	}
	responder, err := checkOCSPSigner(resp, issuer, now)
	if err != nil {
		return nil, err
	}
	res := &OCSPResult{
		ProducedAt: resp.ProducedAt, ThisUpdate: resp.ThisUpdate, NextUpdate: resp.NextUpdate,
		RevokedAt: resp.RevokedAt, RevocationReason: resp.RevocationReason, Responder: responder,
	}
	switch resp.Status {
	case ocsp.Good:
		res.Status = CertStatusGood
	case ocsp.Revoked:
		res.Status = CertStatusRevoked
	default:
		res.Status = CertStatusUnknown
	}
	if res.NextUpdate.IsZero() {
		res.NextUpdate = res.ThisUpdate.Add(OCSPLifetimeWithoutNextUpdate)
	}
	if err := checkOCSPTimes(res, now); err != nil {
		return nil, err
	}
	return res, nil
}

// checkOCSPTimes checks that the response is current at now.
func checkOCSPTimes(res *OCSPResult, now time.Time) error {
	if res.ThisUpdate.After(now.Add(OCSPClockSkew)) {
		return fmt.Errorf("ocsp response is not valid before %s (now is %s)", stamp(res.ThisUpdate), stamp(now))
	}
	if !now.Before(res.NextUpdate) {
		return fmt.Errorf("ocsp response expired at %s (now is %s)", stamp(res.NextUpdate), stamp(now))
	}
	if res.NextUpdate.Before(res.ThisUpdate) {
		return fmt.Errorf("ocsp response has next update %s before this update %s", stamp(res.NextUpdate), stamp(res.ThisUpdate))
	}
	return nil
}

// stamp formats a time for an error message.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// certID is the CertID of one SingleResponse (RFC 6960, Section 4.1.1).
type certID struct {
	hashOID   asn1.ObjectIdentifier
	nameHash  []byte
	keyHash   []byte
	serialNum *big.Int
}

// ocspHash is a CertID hash algorithm with its OID.
type ocspHash struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}

// ocspHashes lists the CertID hash algorithms gotls accepts.
var ocspHashes = []ocspHash{
	{asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, crypto.SHA1},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, crypto.SHA256},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}, crypto.SHA384},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, crypto.SHA512},
}

// checkCertID finds the first SingleResponse for leaf's serial number, the
// one ocsp.ParseResponseForCert reported, and checks that it names issuer.
func checkCertID(resp *ocsp.Response, leaf, issuer *x509.Certificate) error {
	ids, err := parseCertIDs(resp.TBSResponseData)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ids, func(id certID) bool { return id.serialNum.Cmp(leaf.SerialNumber) == 0 })
	if i < 0 {
		return errors.New("ocsp response does not cover the certificate's serial number")
	}
	id := ids[i]
	j := slices.IndexFunc(ocspHashes, func(h ocspHash) bool { return h.oid.Equal(id.hashOID) })
	if j < 0 || !ocspHashes[j].hash.Available() {
		return fmt.Errorf("ocsp response uses unsupported certid hash %v", id.hashOID)
	}
	keyBits, err := subjectPublicKeyBits(issuer)
	if err != nil {
		return err
	}
	h := ocspHashes[j].hash
	// RFC 6960, Section 4.1.1: the CertID names the issuer by the hashes of its name and key.
	if !bytes.Equal(id.nameHash, digest(h, issuer.RawSubject)) || !bytes.Equal(id.keyHash, digest(h, keyBits)) {
		return fmt.Errorf("ocsp response is about a certificate of another issuer than %q", issuer.Subject.String())
	}
	return nil
}

// digest hashes data with h.
func digest(h crypto.Hash, data []byte) []byte {
	w := h.New()
	w.Write(data)
	return w.Sum(nil)
}

// parseCertIDs reads the CertIDs of every SingleResponse in a DER
// ResponseData (RFC 6960, Section 4.2.1).
func parseCertIDs(tbs []byte) ([]certID, error) {
	bad := errors.New("malformed ocsp response data")
	in := cryptobyte.String(tbs)
	var rd, responses cryptobyte.String
	if !in.ReadASN1(&rd, cbasn1.SEQUENCE) ||
		!rd.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!rd.SkipASN1(cbasn1.Tag(1).Constructed().ContextSpecific()) && !rd.SkipASN1(cbasn1.Tag(2).Constructed().ContextSpecific()) ||
		!rd.SkipASN1(cbasn1.GeneralizedTime) ||
		!rd.ReadASN1(&responses, cbasn1.SEQUENCE) {
		return nil, bad
	}
	var ids []certID
	for !responses.Empty() {
		var single, cid, alg cryptobyte.String
		var id certID
		id.serialNum = new(big.Int)
		if !responses.ReadASN1(&single, cbasn1.SEQUENCE) ||
			!single.ReadASN1(&cid, cbasn1.SEQUENCE) ||
			!cid.ReadASN1(&alg, cbasn1.SEQUENCE) ||
			!alg.ReadASN1ObjectIdentifier(&id.hashOID) ||
			!cid.ReadASN1Bytes(&id.nameHash, cbasn1.OCTET_STRING) ||
			!cid.ReadASN1Bytes(&id.keyHash, cbasn1.OCTET_STRING) ||
			!cid.ReadASN1Integer(id.serialNum) {
			return nil, bad
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// subjectPublicKeyBits returns the contents of the subjectPublicKey BIT
// STRING of cert, which OCSP key hashes cover.
func subjectPublicKeyBits(cert *x509.Certificate) ([]byte, error) {
	in := cryptobyte.String(cert.RawSubjectPublicKeyInfo)
	var spki cryptobyte.String
	var bits asn1.BitString
	if !in.ReadASN1(&spki, cbasn1.SEQUENCE) || !spki.SkipASN1(cbasn1.SEQUENCE) || !spki.ReadASN1BitString(&bits) {
		return nil, fmt.Errorf("malformed public key in certificate %q", cert.Subject.String())
	}
	return bits.RightAlign(), nil
}

// checkOCSPSigner checks that the response was signed by issuer or by a
// responder issuer authorized, and names the signer.
func checkOCSPSigner(resp *ocsp.Response, issuer *x509.Certificate, now time.Time) (string, error) {
	rc := resp.Certificate
	if rc == nil || bytes.Equal(rc.Raw, issuer.Raw) {
		// ParseResponseForCert checked the signature with an embedded
		// certificate; without one it checked nothing.
		if rc == nil {
			if err := resp.CheckSignatureFrom(issuer); err != nil {
				return "", fmt.Errorf("ocsp response signature does not verify with the key of issuer %q: %v", issuer.Subject.String(), err)
			}
		}
		if !responderIDMatches(resp, issuer) {
			return "", errors.New("ocsp response's responder id does not name the issuer that signed it")
		}
		return "the issuer", nil
	}
	name := fmt.Sprintf("delegated responder %q", rc.Subject.String())
	// RFC 6960, Section 4.2.2.2: a delegated responder MUST be issued directly by the CA that issued the certificate.
	if err := rc.CheckSignatureFrom(issuer); err != nil {
		return "", fmt.Errorf("ocsp response is signed by %s, which issuer %q did not issue: %v", name, issuer.Subject.String(), err)
	}
	// RFC 6960, Section 4.2.2.2: the responder certificate MUST carry id-kp-OCSPSigning.
	if !slices.Contains(rc.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
		return "", fmt.Errorf("ocsp response is signed by %s, whose certificate lacks the ocsp signing extended key usage", name)
	}
	if now.Before(rc.NotBefore) || now.After(rc.NotAfter) {
		return "", fmt.Errorf("ocsp response is signed by %s, whose certificate is valid only from %s to %s", name, stamp(rc.NotBefore), stamp(rc.NotAfter))
	}
	if !responderIDMatches(resp, rc) {
		return "", fmt.Errorf("ocsp response's responder id does not name %s", name)
	}
	return name, nil
}

// responderIDMatches reports whether the response's ResponderID names
// cert, by subject or by the SHA-1 hash of its key (RFC 6960, Section
// 4.2.2.3).
func responderIDMatches(resp *ocsp.Response, cert *x509.Certificate) bool {
	if resp.RawResponderName != nil {
		return bytes.Equal(resp.RawResponderName, cert.RawSubject)
	}
	bits, err := subjectPublicKeyBits(cert)
	if err != nil {
		return false
	}
	sum := sha1.Sum(bits)
	return bytes.Equal(resp.ResponderKeyHash, sum[:])
}

// RevocationReasonName names an RFC 5280 CRLReason code.
func RevocationReasonName(code int) string {
	names := map[int]string{
		0: "unspecified", 1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged",
		4: "superseded", 5: "cessationOfOperation", 6: "certificateHold", 8: "removeFromCRL",
		9: "privilegeWithdrawn", 10: "aACompromise",
	}
	if n, ok := names[code]; ok {
		return n
	}
	return fmt.Sprintf("reason(%d)", code)
}
