package main

import (
	"crypto/x509"
	"fmt"
	"strings"

	"gotls"
)

// connInfo is what the CLI reports about a connection, copied out of a
// Conn's ConnectionState so that formatting can be tested on its own.
type connInfo struct {
	version        uint16
	suite          uint16
	group          uint16
	alpn           string
	serverName     string
	peerCerts      []*x509.Certificate
	verifiedChains [][]*x509.Certificate
	didResume      bool
	helloRetry     bool
	// early is what became of 0-RTT data, such as "accepted, 18 bytes"
	// or "rejected"; empty when there was none.
	early string
}

// infoOf reads c's connection state.
func infoOf(c *gotls.Conn) connInfo {
	st := c.ConnectionState()
	return connInfo{
		version:        st.Version,
		suite:          st.CipherSuite,
		group:          uint16(st.CurveID),
		alpn:           st.NegotiatedProtocol,
		serverName:     st.ServerName,
		peerCerts:      st.PeerCertificates,
		verifiedChains: st.VerifiedChains,
		didResume:      st.DidResume,
		helloRetry:     st.HelloRetryRequest,
	}
}

// suiteLabel names a cipher suite by its OpenSSL name followed by its IANA
// name in parentheses, or once when both are the same, as for TLS 1.3.
func suiteLabel(id uint16) string {
	iana, ossl := gotls.CipherSuiteName(id), gotls.CipherSuiteOpenSSLName(id)
	if iana == ossl {
		return iana
	}
	return ossl + " (" + iana + ")"
}

// groupLabel names a key exchange group, or "none" when there was none.
func groupLabel(id uint16) string {
	if id == 0 {
		return "none"
	}
	return gotls.GroupName(id)
}

// groupText names the key exchange group, and says so when RSA key
// transport needed none.
func (i connInfo) groupText() string {
	if s, ok := lookupSuite(i.suite); ok && s.rsaKX && i.group == 0 {
		return "none (RSA key transport, no forward secrecy)"
	}
	return groupLabel(i.group)
}

// orNone returns s, or "none" when s is empty.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// certName names a certificate for people: its subject common name, else
// its first DNS or IP SAN, else its whole subject.
func certName(c *x509.Certificate) string {
	switch {
	case c == nil:
		return "none"
	case c.Subject.CommonName != "":
		return c.Subject.CommonName
	case len(c.DNSNames) > 0:
		return c.DNSNames[0]
	case len(c.IPAddresses) > 0:
		return c.IPAddresses[0].String()
	case c.Subject.String() != "":
		return c.Subject.String()
	}
	return "(no name)"
}

// peerName names the peer by its leaf certificate.
func (i connInfo) peerName() string {
	if len(i.peerCerts) == 0 {
		return "none"
	}
	return certName(i.peerCerts[0])
}

// verifiedRoot names the root of the first verified chain, or "" when no
// chain was verified.
func (i connInfo) verifiedRoot() string {
	if len(i.verifiedChains) == 0 || len(i.verifiedChains[0]) == 0 {
		return ""
	}
	chain := i.verifiedChains[0]
	return certName(chain[len(chain)-1])
}

// verification describes the outcome of certificate verification for a
// client. skipped is true with -insecure; note then says what a check
// would have found.
func (i connInfo) verification(skipped bool, note string) string {
	if skipped {
		if note == "" {
			return "verification: SKIPPED (-insecure)"
		}
		return "verification: SKIPPED (-insecure; " + note + ")"
	}
	if root := i.verifiedRoot(); root != "" {
		return fmt.Sprintf("verification: ok (chain to %q)", root)
	}
	return "verification: none"
}

// sessionWord says, as openssl does, whether the connection resumed a
// session ("Reused") or made a new one ("New").
func (i connInfo) sessionWord() string {
	if i.didResume {
		return "Reused"
	}
	return "New"
}

// parts returns the labelled pieces of a summary: New or Reused,
// version, suite, group, ALPN, HelloRetryRequest and early data.
func (i connInfo) parts() []string {
	p := []string{
		i.sessionWord(),
		gotls.VersionName(i.version),
		suiteLabel(i.suite),
		"group " + i.groupText(),
		"ALPN " + orNone(i.alpn),
	}
	if i.helloRetry {
		p = append(p, "after HelloRetryRequest")
	}
	if i.early != "" {
		p = append(p, "early data "+i.early)
	}
	return p
}

// brief is the short line of one -reconnect connection: New or Reused,
// version, suite and verification.
func (i connInfo) brief(skipped bool, note string) string {
	return strings.Join([]string{i.sessionWord(), gotls.VersionName(i.version), suiteLabel(i.suite), i.verification(skipped, note)}, ", ")
}

// clientSummary is the one-line summary connect prints at the end.
func (i connInfo) clientSummary(skipped bool, note, closing string) string {
	p := append(i.parts(), "peer "+i.peerName(), i.verification(skipped, note))
	if closing != "" {
		p = append(p, closing)
	}
	return strings.Join(p, ", ")
}

// serverSummary is the line serve prints for a connection from peer.
func (i connInfo) serverSummary(peer string) string {
	p := append([]string{peer}, i.parts()...)
	p = append(p, "SNI "+orNone(i.serverName))
	if len(i.peerCerts) > 0 {
		p = append(p, "client cert "+i.peerCerts[0].Subject.String())
	}
	return strings.Join(p, ", ")
}

// statusPage is the plain-text page serve -www returns.
func (i connInfo) statusPage() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gotls serve -www\n\n")
	row := func(k, v string) { fmt.Fprintf(&b, "%-20s %s\n", k+":", v) }
	row("Protocol version", gotls.VersionName(i.version))
	row("Cipher suite", gotls.CipherSuiteName(i.suite))
	row("OpenSSL name", gotls.CipherSuiteOpenSSLName(i.suite))
	row("Key exchange group", i.groupText())
	row("ALPN protocol", orNone(i.alpn))
	row("SNI", orNone(i.serverName))
	client := "none"
	if len(i.peerCerts) > 0 {
		client = i.peerCerts[0].Subject.String()
		if root := i.verifiedRoot(); root != "" {
			client += fmt.Sprintf(" (verified, chain to %q)", root)
		}
	}
	row("Client certificate", client)
	row("HelloRetryRequest", yesNo(i.helloRetry))
	row("Resumed", yesNo(i.didResume))
	row("Early data", orNone(i.early))
	return b.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
