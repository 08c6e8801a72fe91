package handshake_test

// RSA key transport on the server against Bleichenbacher's attack: every
// kind of bad encrypted pre-master secret must let the handshake go on
// and fail only at the client's Finished, with the same alert.

import (
	"crypto/rand"
	"crypto/rsa"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"

	"gotls/internal/kex"
	"gotls/internal/wire"
)

// s12Corruption builds the encrypted pre-master secret a scripted client
// sends, and the pre-master secret it derives its own keys from.
type s12Corruption func(t *testing.T, s *s12Script) (preMaster, ciphertext []byte)

// s12Encrypt encrypts msg to the server's key with PKCS #1 v1.5.
func s12Encrypt(t *testing.T, s *s12Script, msg []byte) []byte {
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, s.leaf.PublicKey.(*rsa.PublicKey), msg)
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

// s12PreMaster returns a 48-byte pre-master secret with the given version.
func s12PreMaster(v wire.Version) []byte {
	pm := make([]byte, 48)
	rand.Read(pm)
	pm[0], pm[1] = byte(v>>8), byte(v)
	return pm
}

func s12RSACorruptions(otherKey *rsa.PrivateKey) map[string]s12Corruption {
	flip := func(i func(n int) int) s12Corruption {
		return func(t *testing.T, s *s12Script) ([]byte, []byte) {
			pm, ct := s.validRSAKeyExchange()
			ct[i(len(ct))] ^= 0x01
			return pm, ct
		}
	}
	plain := func(pm []byte) s12Corruption {
		return func(t *testing.T, s *s12Script) ([]byte, []byte) { return pm, s12Encrypt(t, s, pm) }
	}
	fill := func(b byte) s12Corruption {
		return func(t *testing.T, s *s12Script) ([]byte, []byte) {
			ct := make([]byte, s.leaf.PublicKey.(*rsa.PublicKey).Size())
			for i := range ct {
				ct[i] = b
			}
			return s12PreMaster(wire.VersionTLS12), ct
		}
	}
	return map[string]s12Corruption{
		"middle bit flipped":          flip(func(n int) int { return n / 2 }),
		"last bit flipped":            flip(func(n int) int { return n - 1 }),
		"first byte changed":          flip(func(int) int { return 0 }),
		"wrong embedded version 1.1":  plain(s12PreMaster(wire.VersionTLS11)),
		"wrong embedded version 1.3":  plain(s12PreMaster(wire.VersionTLS13)),
		"47-byte pre-master secret":   plain(s12PreMaster(wire.VersionTLS12)[:47]),
		"49-byte pre-master secret":   plain(append(s12PreMaster(wire.VersionTLS12), 7)),
		"empty pre-master secret":     plain([]byte{}),
		"all zeros":                   fill(0x00),
		"all ones, above the modulus": fill(0xff),
		"truncated ciphertext": func(t *testing.T, s *s12Script) ([]byte, []byte) {
			pm, ct := s.validRSAKeyExchange()
			return pm, ct[:len(ct)-1]
		},
		"ciphertext with a leading zero": func(t *testing.T, s *s12Script) ([]byte, []byte) {
			pm, ct := s.validRSAKeyExchange()
			return pm, append([]byte{0}, ct...)
		},
		"ciphertext equal to the modulus": func(t *testing.T, s *s12Script) ([]byte, []byte) {
			pub := s.leaf.PublicKey.(*rsa.PublicKey)
			return s12PreMaster(wire.VersionTLS12), pub.N.FillBytes(make([]byte, pub.Size()))
		},
		"random bytes below the modulus": func(t *testing.T, s *s12Script) ([]byte, []byte) {
			ct := make([]byte, s.leaf.PublicKey.(*rsa.PublicKey).Size())
			rand.Read(ct)
			ct[0] = 0x01
			return s12PreMaster(wire.VersionTLS12), ct
		},
		"encrypted to another key": func(t *testing.T, s *s12Script) ([]byte, []byte) {
			pm, ct, err := kex.EncryptPreMaster(rand.Reader, &otherKey.PublicKey, wire.VersionTLS12)
			if err != nil {
				t.Fatal(err)
			}
			return pm, ct
		},
	}
}

func TestServer12RSAKeyTransportBadCiphertexts(t *testing.T) {
	pki := newTestPKI(t, keyRSA2048)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	cases := s12RSACorruptions(otherKey)
	cases["valid (control)"] = func(t *testing.T, s *s12Script) ([]byte, []byte) { return s.validRSAKeyExchange() }
	for name, corrupt := range cases {
		for _, ems := range []bool{true, false} {
			t.Run(name+map[bool]string{true: "", false: "/no ems"}[ems], func(t *testing.T) {
				_, scfg := pki.configs()
				scfg.LegacyRSAKeyExchange = true
				scfg.InsecureAllowNoExtendedMasterSecret = true
				ch := s12Hello(wire.TLS_RSA_WITH_AES_128_GCM_SHA256)
				ch.ExtendedMasterSecret = ems
				s := s12Start(t, scfg, ch)
				if s.Err != nil {
					t.Fatalf("server refused the hello: %v", s.Err)
				}
				cke, pm := s.rsaKeyExchange(corrupt(t, s))
				s.finish(cke, pm)
				s12CheckRSAOutcome(t, s, name == "valid (control)")
			})
		}
	}
}

// s12CheckRSAOutcome checks that the handshake succeeded (ok) or failed
// exactly at the client's Finished. The alert is bad_record_mac: the
// server's pre-master secret (random, after a bad ciphertext) differs
// from the client's, so the record carrying the client's Finished does not
// authenticate under the server's keys. Every corruption gets this same
// alert at the same point, which is what leaves no padding oracle.
func s12CheckRSAOutcome(t *testing.T, s *s12Script, ok bool) {
	t.Helper()
	hist := s.E.Handshake().History()
	if ok {
		if s.Err != nil || !s.serverFinished || !s.E.HandshakeComplete() {
			t.Fatalf("valid handshake failed: %v (history %q)", s.Err, hist)
		}
		return
	}
	if got := alertOf(s.Err); got != wire.AlertBadRecordMAC {
		t.Fatalf("server error %v, want bad_record_mac", s.Err)
	}
	if !slices.Equal(s.Alerts, []wire.Alert{wire.AlertBadRecordMAC}) {
		t.Fatalf("server sent alerts %v", s.Alerts)
	}
	want := []string{"server:expect ClientHello", "server:expect ClientKeyExchange", "server:expect ChangeCipherSpec", "server:expect Finished"}
	if !slices.Equal(hist, want) {
		t.Fatalf("history %q, want %q: the failure must come at Finished", hist, want)
	}
}

// TestServer12RSADoesNotBranchOnDecryption reads the server's RSA key
// transport function and checks that the decrypted pre-master secret goes
// straight into the master secret derivation, and that the decryption is
// kex's constant-time one built on rsa.DecryptPKCS1v15SessionKey.
func TestServer12RSADoesNotBranchOnDecryption(t *testing.T) {
	fn := s12FindFunc(t, "server12_client.go", "rsaMasterSecret12")
	var preMaster string
	var uses []ast.Node
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if ok && len(as.Rhs) == 1 && s12IsCall(as.Rhs[0], "kex", "DecryptPreMasterWith") {
			preMaster = as.Lhs[0].(*ast.Ident).Name
		}
		return true
	})
	if preMaster == "" {
		t.Fatal("rsaMasterSecret12 does not call kex.DecryptPreMasterWith")
	}
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if ok && s12IsCall(call, "", "masterSecret12") {
			for _, a := range call.Args {
				if id, ok := a.(*ast.Ident); ok && id.Name == preMaster {
					uses = append(uses, a)
				}
			}
		}
		return true
	})
	count := 0
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == preMaster {
			count++
		}
		return true
	})
	// One definition and one use, as an argument of masterSecret12: no
	// comparison, branch or error path looks at the decrypted value.
	if count != 2 || len(uses) != 1 {
		t.Fatalf("%s appears %d times, %d of them passed to masterSecret12; want a definition and that single use", preMaster, count, len(uses))
	}
	with := s12FindFunc(t, "../kex/rsa.go", "DecryptPreMasterWith")
	if !s12Calls(with, "", "DecryptPreMaster") {
		t.Fatal("kex.DecryptPreMasterWith does not hand *rsa.PrivateKey to DecryptPreMaster")
	}
	if !s12Calls(s12FindFunc(t, "../kex/rsa.go", "DecryptPreMaster"), "rsa", "DecryptPKCS1v15SessionKey") {
		t.Fatal("kex.DecryptPreMaster does not use rsa.DecryptPKCS1v15SessionKey")
	}
}

// s12FindFunc parses file and returns its top-level function name.
func s12FindFunc(t *testing.T, file, name string) *ast.FuncDecl {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == name && fn.Recv == nil {
			return fn
		}
	}
	t.Fatalf("%s has no function %s", file, name)
	return nil
}

// s12IsCall reports whether e calls pkg.name (or name when pkg is "").
func s12IsCall(e ast.Expr, pkg, name string) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return pkg == "" && f.Name == name
	case *ast.SelectorExpr:
		x, ok := f.X.(*ast.Ident)
		return ok && x.Name == pkg && f.Sel.Name == name
	}
	return false
}

// s12Calls reports whether fn calls pkg.name anywhere.
func s12Calls(fn *ast.FuncDecl, pkg, name string) bool {
	found := false
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if e, ok := n.(ast.Expr); ok && s12IsCall(e, pkg, name) {
			found = true
		}
		return !found
	})
	return found
}
