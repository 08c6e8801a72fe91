package testenv

import "testing"

// TestNetNSUnavailable checks that a missing network namespace skips the
// test, or fails it when CI is "true".
func TestNetNSUnavailable(t *testing.T) {
	for _, tc := range []struct {
		ci   string
		want string
	}{
		{"true", "fatal: testenv: gnutls-serv must run in a network namespace of its own, which CI requires"},
		{"", "skip: testenv: skipping: gnutls-serv must run in a network namespace of its own"},
	} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			f := &fakeTB{TB: t}
			f.run(func() { netnsUnavailable(f, "gnutls-serv", errNoNetNS) })
			f.expect(t, tc.want, errNoNetNS.Error())
		})
	}
}
