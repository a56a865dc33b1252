//go:build race

package runner

// Under the race detector every call costs several times more CPU.
const raceEnabled = true
