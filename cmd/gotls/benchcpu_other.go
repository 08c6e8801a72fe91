//go:build !unix

package main

import "time"

// processCPU reports that the CPU time of the process cannot be read on
// this system.
func processCPU() (time.Duration, bool) { return 0, false }
