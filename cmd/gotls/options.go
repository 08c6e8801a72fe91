package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"gotls"
)

// defaultAcceptHost is where serve listens when -accept names only a port:
// loopback, so that a test server is not exposed by accident.
const defaultAcceptHost = "127.0.0.1"

// splitList splits an openssl-style list on colons and commas, trimming
// spaces. An empty or blank string gives no items; an empty item is an
// error.
func splitList(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	items := strings.Split(strings.ReplaceAll(s, ",", ":"), ":")
	for i, it := range items {
		items[i] = strings.TrimSpace(it)
		if items[i] == "" {
			return nil, fmt.Errorf("empty item in list %q", s)
		}
	}
	return items, nil
}

// groupNamesHelp lists the accepted group names for -help texts.
const groupNamesHelp = "X25519, P-256 (prime256v1, secp256r1), P-384 (secp384r1), P-521 (secp521r1), X25519MLKEM768"

// applyGroups parses a colon- or comma-separated list of group names,
// case-insensitively, into cfg.CurvePreferences, in the order given.
func applyGroups(cfg *gotls.Config, list string) error {
	names, err := splitList(list)
	if err != nil {
		return err
	}
	cfg.CurvePreferences = nil
	seen := map[string]bool{}
	for _, n := range names {
		canon := canonicalGroup(n)
		if canon == "" {
			return fmt.Errorf("unknown group %q (known: %s)", n, groupNamesHelp)
		}
		if seen[canon] {
			return fmt.Errorf("group %q is listed twice", n)
		}
		seen[canon] = true
		switch canon {
		case "X25519":
			cfg.CurvePreferences = append(cfg.CurvePreferences, gotls.X25519)
		case "P-256":
			cfg.CurvePreferences = append(cfg.CurvePreferences, gotls.CurveP256)
		case "P-384":
			cfg.CurvePreferences = append(cfg.CurvePreferences, gotls.CurveP384)
		case "P-521":
			cfg.CurvePreferences = append(cfg.CurvePreferences, gotls.CurveP521)
		case "X25519MLKEM768":
			cfg.CurvePreferences = append(cfg.CurvePreferences, gotls.X25519MLKEM768)
		}
	}
	return nil
}

// canonicalGroup maps the names openssl and the IANA registry use for a
// group to one spelling, or "" when the name is unknown.
func canonicalGroup(name string) string {
	switch strings.ToLower(name) {
	case "x25519":
		return "X25519"
	case "p-256", "p256", "prime256v1", "secp256r1":
		return "P-256"
	case "p-384", "p384", "secp384r1":
		return "P-384"
	case "p-521", "p521", "secp521r1":
		return "P-521"
	case "x25519mlkem768":
		return "X25519MLKEM768"
	}
	return ""
}

// parseALPN parses a comma-separated protocol list such as "h2,http/1.1".
// RFC 7301 allows names of 1 to 255 bytes.
func parseALPN(list string) ([]string, error) {
	names, err := splitList(list)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if len(n) > 255 {
			return nil, fmt.Errorf("ALPN protocol name %.20q... is longer than 255 bytes", n)
		}
	}
	return names, nil
}

// parseAccept turns an -accept value into a listen address. A bare port
// or ":PORT" listens on 127.0.0.1; a host must be given to listen more
// widely. Port 0 picks a free port.
func parseAccept(s string) (string, error) {
	host, port := defaultAcceptHost, s
	if strings.Contains(s, ":") {
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return "", fmt.Errorf("bad -accept address %q: want [HOST:]PORT", s)
		}
		host, port = h, p
		if host == "" {
			host = defaultAcceptHost
		}
	}
	if err := checkPort(port); err != nil {
		return "", fmt.Errorf("bad -accept address %q: %v", s, err)
	}
	return net.JoinHostPort(host, port), nil
}

// parseConnect checks a -connect HOST:PORT value and returns the host.
func parseConnect(s string) (host string, err error) {
	h, p, err := net.SplitHostPort(s)
	if err != nil || h == "" {
		return "", fmt.Errorf("bad -connect address %q: want HOST:PORT", s)
	}
	if err := checkPort(p); err != nil {
		return "", fmt.Errorf("bad -connect address %q: %v", s, err)
	}
	return h, nil
}

func checkPort(p string) error {
	if _, err := strconv.ParseUint(p, 10, 16); err != nil {
		return fmt.Errorf("port %q is not a number from 0 to 65535", p)
	}
	return nil
}

// defaultServerName returns the name a client verifies when -servername
// is not given: the host of -connect. For an IP address it is the address
// itself, which gotls verifies against the certificate's IP SANs and does
// not send as SNI.
func defaultServerName(host string) string {
	if a, err := netip.ParseAddr(host); err == nil {
		return a.String()
	}
	return strings.TrimSuffix(host, ".")
}

// loadCAFile reads a PEM file of CA certificates into a pool.
func loadCAFile(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s: no PEM certificate found", path)
	}
	return pool, nil
}

// openKeyLog opens an NSS key log file for appending, readable by the
// owner only since it lets anyone decrypt recorded traffic.
func openKeyLog(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
}

// commonConfig builds a Config from the flags serve and connect share.
// The note warns about legacy suites; it is empty with -quiet.
func commonConfig(o *commonFlags) (cfg *gotls.Config, note string, err error) {
	cfg = &gotls.Config{}
	if err := applyCommon(cfg, o); err != nil {
		return nil, "", err
	}
	if !o.quiet {
		note = legacyNote(cfg.CipherSuites)
	}
	return cfg, note, nil
}

// useKeyLog points cfg.KeyLogWriter at the -keylogfile file, if any, and
// returns the function that closes it.
func useKeyLog(cfg *gotls.Config, o *commonFlags) (closeFn func(), err error) {
	if o.keylog == "" {
		return func() {}, nil
	}
	f, err := openKeyLog(o.keylog)
	if err != nil {
		return nil, err
	}
	cfg.KeyLogWriter = f
	return func() { f.Close() }, nil
}

// applyCommon applies the flags serve and connect share.
func applyCommon(cfg *gotls.Config, o *commonFlags) error {
	if err := applyGroups(cfg, o.groups); err != nil {
		return err
	}
	suites13, err := parseSuites13(o.suites)
	if err != nil {
		return err
	}
	suites12, err := parseSuites12(o.cipher)
	if err != nil {
		return err
	}
	// TLS 1.3 suites in CipherSuites restrict TLS 1.3 only, TLS 1.2
	// suites TLS 1.2 only: the two lists do not interfere.
	cfg.CipherSuites = append(suites13, suites12...)
	if cfg.NextProtos, err = parseALPN(o.alpn); err != nil {
		return err
	}
	return applyVersions(cfg, o)
}

// applyVersions applies -tls1_2, -tls1_3 and -no_tls1_3.
func applyVersions(cfg *gotls.Config, o *commonFlags) error {
	switch {
	case o.tls12 && o.tls13:
		return errors.New("-tls1_2 and -tls1_3 exclude each other")
	case o.tls13 && o.noTLS13:
		return errors.New("-tls1_3 and -no_tls1_3 exclude each other")
	case o.tls12:
		cfg.MinVersion, cfg.MaxVersion = gotls.VersionTLS12, gotls.VersionTLS12
	case o.tls13:
		cfg.MinVersion, cfg.MaxVersion = gotls.VersionTLS13, gotls.VersionTLS13
	case o.noTLS13:
		cfg.MaxVersion = gotls.VersionTLS12
	}
	return nil
}

// commonFlags are the flags serve and connect share.
type commonFlags struct {
	groups, suites, cipher, alpn string
	tls12, tls13, noTLS13        bool
	keylog                       string
	quiet                        bool
}

// register adds the common flags to fs.
func (o *commonFlags) register(fs flagAdder) {
	fs.StringVar(&o.groups, "groups", "", "`LIST` of key exchange groups in preference order, colon-separated: "+groupNamesHelp)
	fs.StringVar(&o.suites, "ciphersuites", "", "`LIST` of TLS 1.3 cipher suites, colon-separated: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256")
	fs.StringVar(&o.cipher, "cipher", "", "`LIST` of TLS 1.2 cipher suites, colon-separated OpenSSL or IANA names such as ECDHE-RSA-AES128-GCM-SHA256 or AES128-SHA; "+
		"naming a legacy suite (RSA key transport, CBC) enables it")
	fs.StringVar(&o.alpn, "alpn", "", "`LIST` of ALPN protocols, comma-separated, such as h2,http/1.1")
	fs.BoolVar(&o.tls12, "tls1_2", false, "use TLS 1.2 only")
	fs.BoolVar(&o.tls13, "tls1_3", false, "use TLS 1.3 only")
	fs.BoolVar(&o.noTLS13, "no_tls1_3", false, "do not use TLS 1.3 (TLS 1.2 at most)")
	fs.StringVar(&o.keylog, "keylogfile", "", "append secrets to `FILE` in NSS key log format (lets anyone with the file decrypt the traffic)")
	fs.BoolVar(&o.quiet, "quiet", false, "print only data and errors: no connection lines or summaries")
}

// flagAdder is the part of *flag.FlagSet register uses.
type flagAdder interface {
	StringVar(p *string, name, value, usage string)
	BoolVar(p *bool, name string, value bool, usage string)
}
