package runner

import (
	"os"
	"strings"
)

// A program built with the race detector sleeps a second before it exits
// (the GORACE option atexit_sleep_ms, default 1000), so that a goroutine
// still running then can be caught racing. An isolated child has handed
// its results over by then, and its parent waits for it: under -race that
// second was most of a child's time (measured: 1.09 s from start to exit
// for a test binary running no test, 0.09 s with the option at 0). What
// the sleep could still catch racing is a goroutine left running at exit:
// what goleak looks for in the suite's own test binary, children
// included. A user's own atexit_sleep_ms is kept.

// raceExitEnv is the GORACE for an isolated child: the parent's options,
// with atexit_sleep_ms=0 unless they set it themselves. It is nil when
// this binary is not race-built: a child is this binary, and without the
// race detector GORACE means nothing to it.
func raceExitEnv() []string { return raceExitOpts(raceEnabled, os.Getenv("GORACE")) }

// raceExitOpts is raceExitEnv for a binary race-built or not (race) whose
// GORACE is opts. GORACE's options are separated by spaces.
func raceExitOpts(race bool, opts string) []string {
	if !race {
		return nil
	}
	for _, o := range strings.Fields(opts) {
		if strings.HasPrefix(o, "atexit_sleep_ms=") {
			return nil
		}
	}
	return []string{"GORACE=" + strings.TrimSpace(opts+" atexit_sleep_ms=0")}
}
