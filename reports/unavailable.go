package main

import (
	"fmt"
	"io"
	"sort"

	"github.com/netconform/netconform/harness/result"
)

// sayUnavailable names, on w, each implementation that could not run on
// this machine: every one of its results is a skip with the same reason
// (suite.Unavailable). It is a row of every format too; the console says
// it so that a missing library is never silent.
func sayUnavailable(w io.Writer, results []result.Result) {
	why := map[string]string{}
	mixed := map[string]bool{}
	for _, r := range results {
		if r.Outcome != result.Skip || r.Reason == "" {
			mixed[r.Impl] = true
			continue
		}
		if w, ok := why[r.Impl]; ok && w != r.Reason {
			mixed[r.Impl] = true
		}
		why[r.Impl] = r.Reason
	}
	var names []string
	for n := range why {
		if !mixed[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "reports: %s cannot run on this machine, every case skipped: %s\n", n, why[n])
	}
}
