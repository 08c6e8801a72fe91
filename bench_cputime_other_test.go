//go:build !linux

package gotls_test

import "time"

// threadCPUTime is unavailable here; the meters fall back to wall time.
func threadCPUTime() (time.Duration, bool) { return 0, false }

// processCPUTime is unavailable here.
func processCPUTime() (time.Duration, bool) { return 0, false }
