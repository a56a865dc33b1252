package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// compare lists how rep's outcomes differ from those of the report.json
// at path, result by result (implementation, case, role): a result one
// has and the other lacks, or a different outcome. A flip between pass
// and known-failure of a divergence declared intermittent is no
// difference, and neither is an informational case's; an inconclusive
// result on either side is a warning. seen are rep's results that differ,
// for their transcripts and evidence.
func compare(path string, rep *render.Report) (diffs, warnings []string, seen []*result.Result, err error) {
	base, err := loadReport(path)
	if err != nil {
		return nil, nil, nil, err
	}
	intermittent := map[[2]string]bool{}
	for _, r := range []*render.Report{base, rep} {
		for _, im := range r.Impls {
			for _, k := range im.Known {
				if k.Intermittent {
					intermittent[[2]string{im.Name, k.Case}] = true
				}
			}
		}
	}
	before, after := outcomes(base), outcomes(rep)
	for key, a := range after {
		b, ok := before[key]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s: new result %s", key, a.Outcome))
			seen = append(seen, a)
		case a.Outcome == b.Outcome || a.Level == result.Informational:
		case intermittent[[2]string{a.Impl, a.Case}] && flips(a.Outcome, b.Outcome):
		case inconclusive(a) || inconclusive(b):
			warnings = append(warnings, fmt.Sprintf("%s: %s, was %s: an inconclusive run (the machine could not set the scenario up in time) proves nothing either way", key, a.Outcome, b.Outcome))
		default:
			diffs = append(diffs, fmt.Sprintf("%s: %s, was %s: %s", key, a.Outcome, b.Outcome, a.Summary()))
			seen = append(seen, a)
		}
	}
	for key, b := range before {
		if _, ok := after[key]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: no result, was %s", key, b.Outcome))
		}
	}
	for key, a := range after {
		if b, ok := before[key]; ok && stale(a) && stale(b) {
			warnings = append(warnings, fmt.Sprintf("%s: the intermittent divergence %s declares was not observed in this run nor in the one compared with: is the entry stale?", key, a.Impl))
		}
	}
	sort.Strings(diffs)
	sort.Strings(warnings)
	// Changed outcomes first, then results new to this run (a case added
	// brings a row of them, passes that say little).
	slices.SortFunc(seen, func(a, b *result.Result) int {
		_, na := before[a.Key()]
		_, nb := before[b.Key()]
		if na != nb {
			if na {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Key(), b.Key())
	})
	return diffs, warnings, seen, nil
}

// inconclusive reports an error result that says the runs could not
// tell (the engine's retries at larger timescales all came too late).
func inconclusive(r *result.Result) bool {
	return r.Outcome == result.Error && strings.HasPrefix(r.Reason, "inconclusive")
}

// stale reports a pass of a case declared to fail intermittently that
// did not fail in any of its runs.
func stale(r *result.Result) bool {
	return r.Outcome == result.Pass && strings.HasPrefix(r.Reason, result.NotObserved)
}

// loadReport reads the report.json at path (render.ReadJSON).
func loadReport(path string) (*render.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := render.ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return r, nil
}

func outcomes(r *render.Report) map[string]*result.Result {
	m := map[string]*result.Result{}
	for i := range r.Results {
		m[r.Results[i].Key()] = &r.Results[i]
	}
	return m
}

func flips(a, b result.Outcome) bool {
	pk := func(o result.Outcome) bool { return o == result.Pass || o == result.KnownFailure }
	return pk(a) && pk(b)
}

// reportDiffs prints the differences and the warnings, then what this run
// observed of the first maxDetailed results that differ (their
// transcripts, retries and evidence, each cut to detailMax bytes), and
// says whether there were differences. Changed outcomes come before
// results new to this run. Where the report's folder does not
// outlive the run (a CI job's temporary directory), that is all that is
// left of why an outcome changed.
func reportDiffs(w io.Writer, path string, diffs, warnings []string, seen []*result.Result) bool {
	for _, s := range warnings {
		fmt.Fprintln(w, "warning:", s)
	}
	if len(diffs) == 0 {
		fmt.Fprintf(w, "every outcome is as in %s\n", path)
		return false
	}
	fmt.Fprintf(w, "%d outcomes differ from %s:\n  %s\n", len(diffs), path, render.Clean(strings.Join(diffs, "\n  ")))
	for i, r := range seen {
		if i == maxDetailed {
			fmt.Fprintf(w, "(and %d more, not shown)\n", len(seen)-i)
			break
		}
		d := strings.TrimRight(result.Cut(render.Clean(r.Details()), detailMax), "\n")
		fmt.Fprintf(w, "what this run observed of %s (%s):\n  %s\n", r.Key(), r.Outcome, strings.ReplaceAll(d, "\n", "\n  "))
	}
	return true
}

// The differing results reportDiffs details, and how much of each.
const (
	maxDetailed = 5
	detailMax   = 4 << 10
)
