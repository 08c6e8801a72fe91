package main

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync/atomic"

	"golang.org/x/crypto/cryptobyte"

	"gotls"
)

// defaultCredentialIndex is how BoringSSL's shim numbers the credential
// configured without -new-x509-credential, and also what it reports when
// no credential was used.
const defaultCredentialIndex = -1

// credentialUse records which credential signed during a handshake, so
// that -expect-selected-credential can be checked: gotls does not report
// the certificate it chose.
type credentialUse struct {
	index atomic.Int64
}

func newCredentialUse() *credentialUse {
	u := &credentialUse{}
	u.index.Store(defaultCredentialIndex)
	return u
}

// selected returns the index of the credential that signed last.
func (u *credentialUse) selected() int { return int(u.index.Load()) }

// recordingSigner is a private key that notes its credential's index in a
// credentialUse each time it signs.
type recordingSigner struct {
	crypto.Signer
	index int
	use   *credentialUse
}

// Sign records the use, then signs with the wrapped key.
func (s *recordingSigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	s.use.index.Store(int64(s.index))
	return s.Signer.Sign(rand, digest, opts)
}

// recordingDecrypter is a recordingSigner for a key that also decrypts
// (RSA), so that TLS 1.2 RSA key transport still finds a crypto.Decrypter.
type recordingDecrypter struct {
	*recordingSigner
	decrypter crypto.Decrypter
}

// Decrypt records the use, then decrypts with the wrapped key.
func (d *recordingDecrypter) Decrypt(rand io.Reader, msg []byte, opts crypto.DecrypterOpts) ([]byte, error) {
	d.use.index.Store(int64(d.index))
	return d.decrypter.Decrypt(rand, msg, opts)
}

// wrapKey returns key wrapped to record its uses, keeping the interfaces
// (crypto.Signer, crypto.Decrypter) it has.
func wrapKey(key crypto.Signer, index int, use *credentialUse) crypto.Signer {
	rs := &recordingSigner{Signer: key, index: index, use: use}
	if d, ok := key.(crypto.Decrypter); ok {
		return &recordingDecrypter{recordingSigner: rs, decrypter: d}
	}
	return rs
}

// loadCredentials loads the credentials in BoringSSL's order of
// preference: those from -new-x509-credential first, in order, and the
// default one last.
func loadCredentials(o *options, use *credentialUse) ([]tls.Certificate, error) {
	// BoringSSL rejects a bad SCT list when it is configured, before any
	// connection.
	for _, spec := range append([]credentialSpec{o.defaultCred}, o.creds...) {
		if spec.sctList != nil {
			if _, err := parseSCTList(spec.sctList); err != nil {
				return nil, err
			}
		}
	}
	var out []tls.Certificate
	for i, spec := range o.creds {
		cert, err := loadCredential(spec, i, use)
		if err != nil {
			return nil, fmt.Errorf("credential %d: %w", i, err)
		}
		out = append(out, cert)
	}
	if o.defaultCred.certFile != "" || o.defaultCred.keyFile != "" {
		cert, err := loadCredential(o.defaultCred, defaultCredentialIndex, use)
		if err != nil {
			return nil, err
		}
		out = append(out, cert)
	}
	return out, nil
}

// loadCredential reads one chain and key and attaches its staples.
func loadCredential(spec credentialSpec, index int, use *credentialUse) (tls.Certificate, error) {
	if spec.certFile == "" || spec.keyFile == "" {
		return tls.Certificate{}, errors.New("a credential needs both -cert-file and -key-file")
	}
	cert, err := gotls.LoadX509KeyPair(spec.certFile, spec.keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		return tls.Certificate{}, err
	}
	if err != nil {
		// The runner's files are valid; a key gotls cannot load (such
		// as ML-DSA) is a missing feature.
		return tls.Certificate{}, &unimplementedError{reason: "cannot load credential: " + err.Error()}
	}
	signer, ok := cert.PrivateKey.(crypto.Signer)
	if !ok {
		return tls.Certificate{}, fmt.Errorf("private key of type %T cannot sign", cert.PrivateKey)
	}
	cert.PrivateKey = wrapKey(signer, index, use)
	cert.OCSPStaple = spec.ocsp
	for _, s := range spec.signingPrefs {
		cert.SupportedSignatureAlgorithms = append(cert.SupportedSignatureAlgorithms, tls.SignatureScheme(s))
	}
	if spec.sctList != nil {
		scts, err := parseSCTList(spec.sctList)
		if err != nil {
			return tls.Certificate{}, err
		}
		cert.SignedCertificateTimestamps = scts
	}
	return cert, nil
}

// errInvalidSCTList rejects a -signed-cert-timestamps value, as
// BoringSSL does when the credential is configured.
var errInvalidSCTList = errors.New("invalid SCT list")

// parseSCTList splits a SignedCertificateTimestampList (RFC 6962, Section
// 3.3) into its entries; the list and each entry must be non-empty.
func parseSCTList(list []byte) ([][]byte, error) {
	s := cryptobyte.String(list)
	var entries cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&entries) || !s.Empty() || entries.Empty() {
		return nil, errInvalidSCTList
	}
	var out [][]byte
	for !entries.Empty() {
		var sct cryptobyte.String
		if !entries.ReadUint16LengthPrefixed(&sct) || sct.Empty() {
			return nil, errInvalidSCTList
		}
		out = append(out, []byte(sct))
	}
	return out, nil
}

// marshalSCTList is the inverse of parseSCTList.
func marshalSCTList(scts [][]byte) []byte {
	if len(scts) == 0 {
		return nil
	}
	var b cryptobyte.Builder
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, sct := range scts {
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(sct) })
		}
	})
	return b.BytesOrPanic()
}

// readPEMChain reads every CERTIFICATE block of a PEM file as DER.
func readPEMChain(path string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var chain [][]byte
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type == "CERTIFICATE" {
			chain = append(chain, block.Bytes)
		}
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("no certificate in %s", path)
	}
	return chain, nil
}

// sameChain reports whether the peer's certificates are exactly want.
func sameChain(got []*x509.Certificate, want [][]byte) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !bytes.Equal(got[i].Raw, want[i]) {
			return false
		}
	}
	return true
}
