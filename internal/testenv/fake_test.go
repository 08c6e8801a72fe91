package testenv

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// fakeTB records the failures and skips the harness reports, so tests can
// prove that it does report them. Fatalf and Skipf stop the function under
// test by panicking with stopped; run recovers it.
type fakeTB struct {
	testing.TB // the real test, for Helper, Cleanup, TempDir and logging

	mu     sync.Mutex
	fatals []string
	errs   []string
	skips  []string
}

// stopped is the panic value fakeTB uses in place of runtime.Goexit.
type stopped struct{}

func (f *fakeTB) record(list *[]string, format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	*list = append(*list, fmt.Sprintf(format, args...))
}

// Fatalf records a fatal failure and stops the function under test.
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.record(&f.fatals, format, args...)
	panic(stopped{})
}

// Errorf records a failure.
func (f *fakeTB) Errorf(format string, args ...any) { f.record(&f.errs, format, args...) }

// Skipf records a skip and stops the function under test.
func (f *fakeTB) Skipf(format string, args ...any) {
	f.record(&f.skips, format, args...)
	panic(stopped{})
}

// run calls fn, absorbing a stop by Fatalf or Skipf.
func (f *fakeTB) run(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stopped); !ok {
				panic(r)
			}
		}
	}()
	fn()
}

// report returns every recorded message, kind first, one per line.
func (f *fakeTB) report() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for _, m := range f.fatals {
		b.WriteString("fatal: " + m + "\n")
	}
	for _, m := range f.errs {
		b.WriteString("error: " + m + "\n")
	}
	for _, m := range f.skips {
		b.WriteString("skip: " + m + "\n")
	}
	return b.String()
}

// expect fails t unless the recorded messages contain every one of want,
// or, when want is empty, unless nothing was recorded.
func (f *fakeTB) expect(t *testing.T, want ...string) {
	t.Helper()
	got := f.report()
	if len(want) == 0 && got != "" {
		t.Errorf("unexpected reports:\n%s", got)
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("reports lack %q; got:\n%s", w, got)
		}
	}
}
