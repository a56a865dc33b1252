package main

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// The report runs in two phases. The main phase runs every
// implementation's cases but the perf ones, -jobs implementations at a
// time. Then, once nothing else of the report runs, the perf phase runs
// each implementation's perf cases in a process of its own, one
// implementation at a time, the baseline (render.PerfBaseline) first: the
// figures are taken on a machine the report leaves quiet, and the ratios
// to the baseline come from one window. An implementation whose listed
// cases include both runs twice; its two runs are joined into one
// description (joinPhases), and each case has one result, from the
// process that ran it.

// perfArea is the area of the cases the perf phase runs.
const perfArea = "perf"

func isPerf(id string) bool { return strings.HasPrefix(id, perfArea+".") }

// phases splits jobs into the main phase's, in their order, and the perf
// phase's, the baseline first and then by name. A job whose listed cases
// mix both is split, each part given its cases as an exact list; a job
// that listed no case (a test binary of a netconform that does not list
// them) stays whole in the main phase.
func phases(jobs []job) (main, perf []job) {
	for _, j := range jobs {
		var rest, p []string
		for _, id := range j.cases {
			if isPerf(id) {
				p = append(p, id)
			} else {
				rest = append(rest, id)
			}
		}
		if len(p) == 0 {
			main = append(main, j)
			continue
		}
		if len(rest) > 0 {
			m := j
			m.cases, m.exact = rest, true
			main = append(main, m)
		}
		j.cases, j.exact, j.perf = p, true, true
		perf = append(perf, j)
	}
	slices.SortStableFunc(perf, func(a, b job) int {
		return cmp.Or(cmp.Compare(btoi(b.name == render.PerfBaseline), btoi(a.name == render.PerfBaseline)), cmp.Compare(a.name, b.name))
	})
	return main, perf
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// schedule calls run on every job of main, in order, as many at a time as
// the admission lets (see admit.go), and once they have all returned, on
// every job of perf, one at a time; i is the job's index in main followed
// by perf.
func schedule(main, perf []job, a admission, run func(i int, j job)) {
	sem := make(chan struct{}, a.jobs)
	var wg sync.WaitGroup
	for i, j := range main {
		wg.Add(1)
		sem <- struct{}{} // in order: the longest start first
		a.wait(func() int { return len(sem) - 1 })
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			run(i, j)
		}()
	}
	wg.Wait()
	for k, j := range perf {
		run(len(main)+k, j)
	}
}

// exactCases is the NETCONFORM_CASES that selects exactly ids.
func exactCases(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = regexp.QuoteMeta(id)
	}
	return "^(?:" + strings.Join(q, "|") + ")$"
}

// env is what the job's test process is given beyond childEnv and its
// shard's: its exact cases, when the phases split it.
func (j job) env() []string {
	if !j.exact {
		return nil
	}
	return []string{result.EnvCases + "=" + exactCases(j.cases)}
}

// label names the job in the progress lines.
func (j job) label() string {
	if j.perf {
		return j.name + " (perf)"
	}
	return j.name
}

// joinPhases makes one description of each implementation that ran in
// both phases (its planned results and leaks joined, its wall time the
// sum of its runs') and one row render.ProcessCase of its two processes'.
func joinPhases(impls []render.ImplInfo, results []result.Result) ([]render.ImplInfo, []result.Result) {
	var outImpls []render.ImplInfo
	at := map[string]int{}
	for _, im := range impls {
		i, ok := at[im.Name]
		if !ok {
			at[im.Name] = len(outImpls)
			outImpls = append(outImpls, im)
			continue
		}
		joinRun(&outImpls[i], im)
	}
	var outResults []result.Result
	rows := map[string]int{}
	for _, res := range results {
		if res.Case != render.ProcessCase {
			outResults = append(outResults, res)
			continue
		}
		i, ok := rows[res.Key()]
		if !ok {
			rows[res.Key()] = len(outResults)
			outResults = append(outResults, res)
			continue
		}
		row := &outResults[i]
		row.Reason = result.Cut(row.Reason+"; "+res.Reason, result.MaxText)
		row.Evidence = result.Cut(row.Evidence+"\n"+res.Evidence, result.MaxEvidence)
	}
	return outImpls, outResults
}

// joinRun adds a second run of an implementation to its description. A
// run that could not start describes nothing but its evidence: the other
// run's description stands.
func joinRun(into *render.ImplInfo, im render.ImplInfo) {
	j := *into
	if j.Topology == "" {
		j = im
		j.Planned, j.Leaks, j.Wall, j.Evidence = into.Planned, into.Leaks, into.Wall, into.Evidence
	}
	j.Planned = append(slices.Clone(j.Planned), im.Planned...)
	j.Leaks = append(slices.Clone(j.Leaks), im.Leaks...)
	j.Wall += im.Wall
	if im.Evidence != "" {
		j.Evidence = result.Cut(strings.TrimPrefix(j.Evidence+"\n"+im.Evidence, "\n"), result.MaxEvidence)
	}
	*into = j
}
