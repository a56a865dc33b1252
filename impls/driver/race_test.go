//go:build race

package driver_test

// raceEnabled: this test binary runs under the race detector.
const raceEnabled = true
