package main

import (
	"time"

	"github.com/netconform/netconform/harness/result"
)

// The explorer (harness/explore) runs in each implementation's test
// process beside its cases when -explore gives it a budget; its findings,
// and a row saying whether enough sequences ran, are results in the area
// "explore". Without -explore the report explores nothing, so that its
// rows are the cases' and compare run to run.

// exploreEnv is the test processes' exploration budget.
func exploreEnv(o *options) string { return result.EnvExplore + "=" + o.explore.String() }

// exploreGrace is what an implementation's process budget grows by beyond
// the exploration budget: shrinking what it found (10 s a rule, at most 5
// rules a role) and the slower start of a process that explores.
const exploreGrace = 2 * time.Minute

// withExplore grows the process budget by the exploration's.
func withExplore(o *options) {
	if o.explore > 0 {
		o.budget += o.explore + exploreGrace
	}
}
