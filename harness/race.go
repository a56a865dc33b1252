//go:build race

package harness

// Under the race detector every call costs several times more CPU.
const raceEnabled = true
