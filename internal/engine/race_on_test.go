//go:build race

package engine_test

// raceEnabled reports a race-detector build, in which sync.Pool drops
// items at random, so allocation counts are not meaningful.
const raceEnabled = true
