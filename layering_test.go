package gotls_test

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// This file enforces the layering rules of DESIGN.md §2 on every non-test
// Go file of the module. Each rule says which files it applies to and what
// it forbids; a violation names the file, the line and the rule.

// srcFile is one parsed non-test Go file.
type srcFile struct {
	rel  string // slash-separated path from the module root
	dir  string // slash-separated directory, "." for the root
	fset *token.FileSet
	file *ast.File
}

// finding is one forbidden construct in a file.
type finding struct {
	pos token.Pos
	msg string
}

// layerRule is one layering rule.
type layerRule struct {
	name    string
	applies func(module string, f *srcFile) bool
	check   func(module string, f *srcFile) []finding
}

// internalForbidden are the imports internal/ packages must not use: they
// take I/O, time and randomness from the engine's caller (DESIGN.md §2).
var internalForbidden = []string{"net", "os", "os/exec", "net/http", "crypto/tls", "syscall", "unsafe"}

// clockFuncs read the wall clock; internal/ gets time from its config.
var clockFuncs = []string{"Now", "Since", "Until"}

// tlsConversions are the crypto/tls types the root package and commands
// may convert to; every other call of a crypto/tls function is forbidden
// outside tests.
var tlsConversions = []string{"Certificate", "ConnectionState", "CurveID", "SignatureScheme", "ClientAuthType"}

// tlsCallExempt are the directories that may call crypto/tls functions
// outside tests. cmd/gotls/internal/stdpeer runs crypto/tls as the
// comparison peer of "gotls bench -compare", the role of a test peer that
// DESIGN.md §2 allows, kept in one small package so the exception stays
// narrow.
var tlsCallExempt = []string{"cmd/gotls/internal/stdpeer"}

// layerRules is the table of rules the test enforces.
var layerRules = []layerRule{
	{
		name:    "internal packages import no OS, network or unsafe packages",
		applies: func(_ string, f *srcFile) bool { return isInternal(f.dir) && !isTestenv(f.dir) },
		check: func(_ string, f *srcFile) []finding {
			return importsOf(f, internalForbidden, "internal/ must not import %q (DESIGN.md §2)")
		},
	},
	{
		name:    "internal packages read no clock",
		applies: func(_ string, f *srcFile) bool { return isInternal(f.dir) && !isTestenv(f.dir) },
		check: func(_ string, f *srcFile) []finding {
			return selectorsOf(f, "time", clockFuncs, "internal/ must not use time.%s: time comes from the config")
		},
	},
	{
		name:    "internal packages start no goroutines",
		applies: func(_ string, f *srcFile) bool { return isInternal(f.dir) && !isTestenv(f.dir) },
		check:   goStatements,
	},
	{
		// internal/ is covered by the first rule. Commands may name the
		// crypto/tls types that gotls's public API uses (tls.Certificate,
		// tls.ConnectionState, ...), so they are checked by the last rule.
		name: "crypto/tls is imported only by the root package and commands",
		applies: func(_ string, f *srcFile) bool {
			return f.dir != "." && !isCommand(f.dir) && (!isInternal(f.dir) || isTestenv(f.dir))
		},
		check: func(_ string, f *srcFile) []finding {
			return importsOf(f, []string{"crypto/tls"}, "only the root package and commands may import %q")
		},
	},
	{
		name:    "internal/testenv is imported only by tests",
		applies: func(_ string, f *srcFile) bool { return !isTestenv(f.dir) },
		check: func(module string, f *srcFile) []finding {
			return importsOf(f, []string{module + "/internal/testenv"}, "only _test.go files may import %q")
		},
	},
	{
		name: "the root package and commands call no crypto/tls function",
		applies: func(_ string, f *srcFile) bool {
			return (f.dir == "." || isCommand(f.dir)) && !slices.Contains(tlsCallExempt, f.dir)
		},
		check: tlsCalls,
	},
}

// isInternal reports whether dir is internal/ or below it.
func isInternal(dir string) bool { return dir == "internal" || strings.HasPrefix(dir, "internal/") }

// isCommand reports whether dir is cmd/ or below it.
func isCommand(dir string) bool { return dir == "cmd" || strings.HasPrefix(dir, "cmd/") }

// isTestenv reports whether dir is internal/testenv or below it.
func isTestenv(dir string) bool {
	return dir == "internal/testenv" || strings.HasPrefix(dir, "internal/testenv/")
}

// importName returns the name under which f imports importPath and the
// import's spec, or a nil spec when f does not import it. Without an
// explicit name the name is the last path element.
func importName(f *ast.File, importPath string) (string, *ast.ImportSpec) {
	for _, spec := range f.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil || p != importPath {
			continue
		}
		if spec.Name != nil {
			return spec.Name.Name, spec
		}
		return path.Base(p), spec
	}
	return "", nil
}

// importsOf reports each import of f that is in paths.
func importsOf(f *srcFile, paths []string, format string) []finding {
	var out []finding
	for _, spec := range f.file.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err == nil && slices.Contains(paths, p) {
			out = append(out, finding{spec.Pos(), fmt.Sprintf(format, p)})
		}
	}
	return out
}

// selectorsOf reports each reference to pkg.Name for the given names,
// a call or a function value, where pkg is the name f imports importPath
// under.
func selectorsOf(f *srcFile, importPath string, names []string, format string) []finding {
	local, spec := importName(f.file, importPath)
	if spec == nil || local == "_" || local == "." {
		return nil
	}
	var out []finding
	ast.Inspect(f.file, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && id.Name == local && slices.Contains(names, sel.Sel.Name) {
			out = append(out, finding{sel.Pos(), fmt.Sprintf(format, sel.Sel.Name)})
		}
		return true
	})
	return out
}

// goStatements reports each go statement.
func goStatements(_ string, f *srcFile) []finding {
	var out []finding
	ast.Inspect(f.file, func(n ast.Node) bool {
		if g, ok := n.(*ast.GoStmt); ok {
			out = append(out, finding{g.Pos(), "internal/ must not start goroutines: the engine never blocks"})
		}
		return true
	})
	return out
}

// tlsCalls reports calls of crypto/tls functions: call expressions whose
// function is tls.X, where tls is the crypto/tls import name and X is not
// one of the allowed type conversions. A dot import is reported too, since
// it hides what is called. Method calls on crypto/tls values cannot be told
// apart without type information and are not checked.
func tlsCalls(_ string, f *srcFile) []finding {
	local, spec := importName(f.file, "crypto/tls")
	switch {
	case spec == nil || local == "_":
		return nil
	case local == ".":
		return []finding{{spec.Pos(), `crypto/tls must not be dot-imported`}}
	}
	var out []finding
	ast.Inspect(f.file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if ok && id.Name == local && !slices.Contains(tlsConversions, sel.Sel.Name) {
			out = append(out, finding{call.Pos(), fmt.Sprintf("calls %s.%s: crypto/tls is for type names only", local, sel.Sel.Name)})
		}
		return true
	})
	return out
}

// check applies rule to files and renders each violation as
// "path:line: rule: message".
func check(module string, rule layerRule, files []*srcFile) []string {
	var out []string
	for _, f := range files {
		if !rule.applies(module, f) {
			continue
		}
		for _, fd := range rule.check(module, f) {
			pos := f.fset.Position(fd.pos)
			out = append(out, fmt.Sprintf("%s:%d: %s: %s", f.rel, pos.Line, rule.name, fd.msg))
		}
	}
	return out
}

// modulePath reads the module path from go.mod in dir.
func modulePath(t *testing.T, dir string) string {
	t.Helper()
	mod, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close()
	sc := bufio.NewScanner(mod)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	t.Fatalf("no module line in go.mod")
	return ""
}

// parseModule parses every non-test Go file under root, skipping hidden
// and underscore directories, testdata and nested modules.
func parseModule(t *testing.T, root string) []*srcFile {
	t.Helper()
	var files []*srcFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || hasGoMod(p)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parseSource(filepath.ToSlash(rel), src)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// hasGoMod reports whether dir holds a go.mod, making it another module.
func hasGoMod(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "go.mod"))
	return err == nil
}

// parseSource parses one file given its slash-separated path from the
// module root.
func parseSource(rel string, src []byte) (*srcFile, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, rel, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	return &srcFile{rel: rel, dir: path.Dir(rel), fset: fset, file: file}, nil
}

// TestLayering enforces DESIGN.md §2 on the module's non-test files.
func TestLayering(t *testing.T) {
	module := modulePath(t, ".")
	files := parseModule(t, ".")
	if len(files) == 0 {
		t.Fatal("found no Go files")
	}
	t.Logf("checked %d non-test files of module %s", len(files), module)
	for _, rule := range layerRules {
		t.Run(rule.name, func(t *testing.T) {
			for _, v := range check(module, rule, files) {
				t.Error(v)
			}
		})
	}
}

// syntheticModule holds small files that break, and respect, each rule.
var syntheticModule = map[string]string{
	"internal/bad/bad.go": `package bad

import (
	"net"
	"os"
	clock "time"
	"crypto/tls"
	"gotls/internal/testenv"
	"strings"
)

func f() {
	go f()
	_ = clock.Now()
	since := clock.Since
	_, _, _, _ = os.Args, net.IPv4len, tls.VersionTLS13, since
	_ = strings.Repeat
	_ = testenv.MiB
}
`,
	"internal/good/good.go": `package good

import "time"

func deadline(now func() time.Time) time.Time { return now().Add(time.Second) }
`,
	"internal/testenv/env.go": `package testenv

import (
	"crypto/tls"
	"net"
	"os"
	"os/exec"
	"time"
)

func start() {
	go func() {}()
	_, _, _, _, _ = net.IPv4len, os.Args, exec.Command, time.Now(), tls.VersionTLS13
}
`,
	"cmd/gotls/main.go": `package main

import (
	"crypto/tls"
	"net"
)

var _ = tls.CurveID(29)

func main() { _, _ = tls.Dial("tcp", "x", nil); _ = net.IPv4len }
`,
	"session/store.go": `package session

import "crypto/tls"

var _ tls.Certificate
`,
	"conn.go": `package gotls

import stdtls "crypto/tls"

type Conn struct{}

func (c *Conn) ConnectionState() stdtls.ConnectionState {
	cert := stdtls.Certificate{}
	_ = cert
	_ = stdtls.CurveID(29)
	_ = stdtls.SignatureScheme(0x0403)
	_ = stdtls.ClientAuthType(0)
	_ = stdtls.VersionTLS13
	_ = stdtls.CipherSuiteName(0x1301)
	return stdtls.ConnectionState{}
}

func dial() { _, _ = stdtls.Dial("tcp", "x", nil) }
`,
	"dot.go": `package gotls

import . "crypto/tls"

var _ Certificate
`,
}

// TestLayeringCatchesViolations feeds the rules the synthetic module and
// checks that each reports exactly the lines that break it.
func TestLayeringCatchesViolations(t *testing.T) {
	var files []*srcFile
	for rel, src := range syntheticModule {
		f, err := parseSource(rel, []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		files = append(files, f)
	}
	want := map[string][]string{
		"internal packages import no OS, network or unsafe packages": {
			"internal/bad/bad.go:4", "internal/bad/bad.go:5", "internal/bad/bad.go:7"},
		"internal packages read no clock":                              {"internal/bad/bad.go:14", "internal/bad/bad.go:15"},
		"internal packages start no goroutines":                        {"internal/bad/bad.go:13"},
		"crypto/tls is imported only by the root package and commands": {"internal/testenv/env.go:4", "session/store.go:3"},
		"internal/testenv is imported only by tests":                   {"internal/bad/bad.go:8"},
		"the root package and commands call no crypto/tls function":    {"cmd/gotls/main.go:10", "conn.go:14", "conn.go:18", "dot.go:3"},
	}
	for _, rule := range layerRules {
		t.Run(rule.name, func(t *testing.T) {
			wantLines, ok := want[rule.name]
			if !ok {
				t.Fatalf("no expectation for rule %q", rule.name)
			}
			var got []string
			for _, v := range check("gotls", rule, files) {
				t.Logf("reported: %s", v)
				where, _, _ := strings.Cut(v, ": ")
				got = append(got, where)
			}
			slices.Sort(got)
			if !slices.Equal(got, wantLines) {
				t.Errorf("violations at %q, want %q", got, wantLines)
			}
		})
	}
}
