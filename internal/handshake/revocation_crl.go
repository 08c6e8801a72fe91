package handshake

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Extension OIDs that revocation checking reads.
var (
	oidTLSFeature             = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 24}
	oidCRLNumber              = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidCRLReason              = asn1.ObjectIdentifier{2, 5, 29, 21}
	oidInvalidityDate         = asn1.ObjectIdentifier{2, 5, 29, 24}
	oidAuthorityKeyID         = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidIssuingDistributionPtr = asn1.ObjectIdentifier{2, 5, 29, 28}
)

// tlsFeatureStatusRequest is the status_request extension number as a TLS
// feature (RFC 7633, Section 4.1).
const tlsFeatureStatusRequest = 5

// RequiresOCSPStaple reports whether cert carries the TLS feature
// extension (RFC 7633) with status_request, which is what "Must-Staple"
// means. It fails when the extension is malformed.
func RequiresOCSPStaple(cert *x509.Certificate) (bool, error) {
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(oidTLSFeature) {
			continue
		}
		features, err := ParseTLSFeatures(ext.Value)
		if err != nil {
			return false, err
		}
		return slices.Contains(features, tlsFeatureStatusRequest), nil
	}
	return false, nil
}

// ParseTLSFeatures parses the value of a TLS feature extension, a
// SEQUENCE OF INTEGER naming TLS extensions (RFC 7633, Section 4.1).
func ParseTLSFeatures(value []byte) ([]int, error) {
	bad := errors.New("malformed tls feature extension")
	in := cryptobyte.String(value)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, bad
	}
	var features []int
	for !seq.Empty() {
		var v int
		if !seq.ReadASN1Integer(&v) || v < 0 || v > 0xffff {
			return nil, bad
		}
		features = append(features, v)
	}
	return features, nil
}

// CRLResult is what a verified CRL says about one certificate.
type CRLResult struct {
	// Status is CertStatusGood or CertStatusRevoked.
	Status CertStatus
	// ThisUpdate and NextUpdate bound when the CRL is current.
	ThisUpdate time.Time
	NextUpdate time.Time
	// Number is the CRL number, if the CRL has one.
	Number *big.Int
	// RevokedAt and RevocationReason describe a revoked certificate; the
	// reason is an RFC 5280 CRLReason.
	RevokedAt        time.Time
	RevocationReason int
}

// describe summarizes the result for a trace.
func (r *CRLResult) describe() string {
	s := fmt.Sprintf("%s, this update %s, next update %s", r.Status, stamp(r.ThisUpdate), stamp(r.NextUpdate))
	if r.Status == CertStatusRevoked {
		s += fmt.Sprintf(", revoked at %s (%s)", stamp(r.RevokedAt), RevocationReasonName(r.RevocationReason))
	}
	return s
}

// CheckCRL checks that crl is a complete CRL of issuer, signed by it and
// current at now, that covers leaf, and looks leaf's serial number up.
// Indirect, delta and reason-partitioned CRLs are refused as unsupported.
func CheckCRL(crl *x509.RevocationList, leaf, issuer *x509.Certificate, now time.Time) (*CRLResult, error) {
	if crl == nil || leaf == nil || issuer == nil {
		return nil, errors.New("no crl, certificate or issuer to check")
	}
	// RFC 5280, Section 6.3.3 (f): the CRL issuer must be the certificate's issuer; indirect CRLs are not supported.
	if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
		return nil, fmt.Errorf("crl is issued by %q, not by the certificate's issuer %q", crl.Issuer.String(), issuer.Subject.String())
	}
	// RFC 5280, Section 6.3.3 (g): the CRL's signature must verify with the issuer's key.
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return nil, fmt.Errorf("crl signature does not verify with the key of issuer %q: %v", issuer.Subject.String(), err)
	}
	if err := checkCRLTimes(crl, now); err != nil {
		return nil, err
	}
	if err := checkCRLExtensions(crl, leaf); err != nil {
		return nil, err
	}
	res := &CRLResult{Status: CertStatusGood, ThisUpdate: crl.ThisUpdate, NextUpdate: crl.NextUpdate, Number: crl.Number}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber == nil || e.SerialNumber.Cmp(leaf.SerialNumber) != 0 || e.ReasonCode == 8 {
			continue
		}
		for _, ext := range e.Extensions {
			// RFC 5280, Section 5.3: an unrecognized critical entry extension makes the CRL unusable.
			if ext.Critical && !ext.Id.Equal(oidCRLReason) && !ext.Id.Equal(oidInvalidityDate) {
				return nil, fmt.Errorf("crl entry for the certificate has unsupported critical extension %v", ext.Id)
			}
		}
		res.Status = CertStatusRevoked
		res.RevokedAt = e.RevocationTime
		res.RevocationReason = e.ReasonCode
		break
	}
	return res, nil
}

// checkCRLTimes checks that the CRL is current at now.
func checkCRLTimes(crl *x509.RevocationList, now time.Time) error {
	if crl.ThisUpdate.After(now.Add(OCSPClockSkew)) {
		return fmt.Errorf("crl is not valid before %s (now is %s)", stamp(crl.ThisUpdate), stamp(now))
	}
	// RFC 5280, Section 5.1.2.5: conforming CRL issuers MUST include nextUpdate.
	if crl.NextUpdate.IsZero() {
		return errors.New("crl has no next update time")
	}
	if !now.Before(crl.NextUpdate) {
		return fmt.Errorf("crl expired at %s (now is %s)", stamp(crl.NextUpdate), stamp(now))
	}
	return nil
}

// checkCRLExtensions refuses CRLs with critical extensions gotls does not
// handle and checks the issuing distribution point against leaf.
func checkCRLExtensions(crl *x509.RevocationList, leaf *x509.Certificate) error {
	for _, ext := range crl.Extensions {
		switch {
		case ext.Id.Equal(oidIssuingDistributionPtr):
			if err := checkIssuingDistributionPoint(ext.Value, leaf); err != nil {
				return err
			}
		case ext.Id.Equal(oidCRLNumber), ext.Id.Equal(oidAuthorityKeyID):
		case ext.Critical:
			// RFC 5280, Section 5.2: a CRL with an unrecognized critical extension MUST NOT be used.
			return fmt.Errorf("crl has unsupported critical extension %v", ext.Id)
		}
	}
	return nil
}

// IssuingDistributionPoint is the parsed issuingDistributionPoint CRL
// extension (RFC 5280, Section 5.2.5).
type IssuingDistributionPoint struct {
	// URIs are the distribution point's fullName URIs.
	URIs []string
	// RelativeName is true when the point is named relative to the CRL
	// issuer, which gotls does not support.
	RelativeName              bool
	OnlyContainsUserCerts     bool
	OnlyContainsCACerts       bool
	OnlySomeReasons           bool
	IndirectCRL               bool
	OnlyContainsAttributeCert bool
}

// checkIssuingDistributionPoint checks that a CRL with this extension
// covers leaf completely.
func checkIssuingDistributionPoint(value []byte, leaf *x509.Certificate) error {
	idp, err := ParseIssuingDistributionPoint(value)
	if err != nil {
		return err
	}
	switch {
	case idp.RelativeName:
		return errors.New("crl distribution point named relative to the issuer is not supported")
	case idp.OnlyContainsCACerts, idp.OnlyContainsAttributeCert:
		return errors.New("crl covers only ca or attribute certificates, not this certificate")
	case idp.OnlySomeReasons:
		return errors.New("crl covers only some revocation reasons, which is not supported")
	case idp.IndirectCRL:
		return errors.New("indirect crls are not supported")
	}
	// RFC 5280, Section 6.3.3 (b)(2)(i): a name of the CRL's distribution point must match one of the certificate's.
	if len(idp.URIs) > 0 && !slices.ContainsFunc(idp.URIs, func(u string) bool { return slices.Contains(leaf.CRLDistributionPoints, u) }) {
		return fmt.Errorf("crl is for distribution point %v, not the certificate's %v", idp.URIs, leaf.CRLDistributionPoints)
	}
	return nil
}

// ParseIssuingDistributionPoint parses the DER value of an
// issuingDistributionPoint extension.
func ParseIssuingDistributionPoint(value []byte) (*IssuingDistributionPoint, error) {
	bad := errors.New("malformed issuing distribution point extension in crl")
	in := cryptobyte.String(value)
	var seq, dpn cryptobyte.String
	var hasDP bool
	idp := &IssuingDistributionPoint{}
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadOptionalASN1(&dpn, &hasDP, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, bad
	}
	if hasDP && !parseDistributionPointName(dpn, idp) {
		return nil, bad
	}
	flags := []*bool{&idp.OnlyContainsUserCerts, &idp.OnlyContainsCACerts, nil, &idp.IndirectCRL, &idp.OnlyContainsAttributeCert}
	for i, out := range flags {
		tag := cbasn1.Tag(i + 1).ContextSpecific()
		if out == nil {
			// onlySomeReasons [3] is a BIT STRING; its presence is enough.
			var reasons cryptobyte.String
			var present bool
			if !seq.ReadOptionalASN1(&reasons, &present, tag) {
				return nil, bad
			}
			idp.OnlySomeReasons = present
			continue
		}
		if !readImplicitBoolean(&seq, tag, out) {
			return nil, bad
		}
	}
	if !seq.Empty() {
		return nil, bad
	}
	return idp, nil
}

// parseDistributionPointName reads a DistributionPointName: fullName [0]
// GeneralNames, whose URIs are kept, or nameRelativeToCRLIssuer [1].
func parseDistributionPointName(dpn cryptobyte.String, idp *IssuingDistributionPoint) bool {
	var names cryptobyte.String
	var tag cbasn1.Tag
	if !dpn.ReadAnyASN1(&names, &tag) || !dpn.Empty() {
		return false
	}
	switch tag {
	case cbasn1.Tag(1).Constructed().ContextSpecific():
		idp.RelativeName = true
		return true
	case cbasn1.Tag(0).Constructed().ContextSpecific():
	default:
		return false
	}
	for !names.Empty() {
		var name cryptobyte.String
		var nameTag cbasn1.Tag
		if !names.ReadAnyASN1(&name, &nameTag) {
			return false
		}
		if nameTag == cbasn1.Tag(6).ContextSpecific() {
			idp.URIs = append(idp.URIs, string(name))
		}
	}
	return true
}

// readImplicitBoolean reads an optional IMPLICIT-tagged DER BOOLEAN,
// which is false when absent.
func readImplicitBoolean(s *cryptobyte.String, tag cbasn1.Tag, out *bool) bool {
	var v cryptobyte.String
	var present bool
	if !s.ReadOptionalASN1(&v, &present, tag) {
		return false
	}
	if !present {
		*out = false
		return true
	}
	if len(v) != 1 || (v[0] != 0 && v[0] != 0xff) {
		return false
	}
	*out = v[0] == 0xff
	return true
}
