package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// TestPhasesSplitJobs: a job listing perf and other cases becomes two,
// each with its exact cases; the perf phase starts with the baseline; a
// job without perf cases, or listing none, stays whole.
func TestPhasesSplitJobs(t *testing.T) {
	jobs := []job{
		{name: "zeta", cases: []string{"eof.a.b", "perf.x.y", "leak.a.b"}},
		{name: "only-perf", cases: []string{"perf.x.y"}},
		{name: render.PerfBaseline, cases: []string{"perf.x.y", "perf.x.z", "eof.a.b"}},
		{name: "no-perf", cases: []string{"eof.a.b"}},
		{name: "old-binary"},
	}
	main, perf := phases(jobs)
	var names []string
	for _, j := range main {
		names = append(names, j.label())
		if j.name == "zeta" {
			require.Equal(t, []string{"eof.a.b", "leak.a.b"}, j.cases)
			require.True(t, j.exact)
		}
		if j.name == "no-perf" || j.name == "old-binary" {
			require.False(t, j.exact, "%s: a job the phases do not split keeps its filters", j.name)
		}
	}
	require.Equal(t, []string{"zeta", render.PerfBaseline, "no-perf", "old-binary"}, names, "the main phase keeps the jobs' order")
	names = nil
	for _, j := range perf {
		names = append(names, j.label())
		require.True(t, j.exact && j.perf)
		for _, id := range j.cases {
			require.True(t, isPerf(id), "%s runs %s in the perf phase", j.name, id)
		}
	}
	require.Equal(t, []string{"std-tcp (perf)", "only-perf (perf)", "zeta (perf)"}, names, "the baseline first, then by name")

	re := regexp.MustCompile(exactCases([]string{"perf.x.y", "eof.a-b.c"}))
	for id, want := range map[string]bool{"perf.x.y": true, "eof.a-b.c": true, "perf.xxy": false, "perf.x.y.z": false, "eof.a-b": false} {
		require.Equal(t, want, re.MatchString(id), id)
	}
}

// TestSelectJobsDropsThoseWithNothingToRun: an implementation whose
// binary lists its cases and lists none for the filters is not run (the
// example programs under -area perf: a test process that would report
// no implementation); one whose binary lists no cases at all still runs.
func TestSelectJobsDropsThoseWithNothingToRun(t *testing.T) {
	found := []job{
		{name: "std-tcp", listed: true, cases: []string{"perf.x.y"}},
		{name: "seed-tcpserver", listed: true},
		{name: "old-binary"},
		{name: "other", listed: true, cases: []string{"perf.x.y"}},
	}
	jobs, matched := selectJobs(found, regexp.MustCompile("^(std-tcp|seed-tcpserver|old-binary)$"))
	var names []string
	for _, j := range jobs {
		names = append(names, j.name)
	}
	require.Equal(t, []string{"std-tcp", "old-binary"}, names)
	require.Equal(t, 3, matched)
}

// TestScheduleRunsPerfAloneAfterTheRest: the perf phase starts once every
// job of the main phase has returned, and its jobs run one at a time, in
// order, while the main phase runs jobs at a time.
func TestScheduleRunsPerfAloneAfterTheRest(t *testing.T) {
	main := make([]job, 7)
	perf := []job{{name: "a", perf: true}, {name: "b", perf: true}, {name: "c", perf: true}}
	var mu sync.Mutex
	running, peak, mainDone := 0, 0, 0
	var order []string
	schedule(main, perf, newAdmission(3), func(i int, j job) {
		mu.Lock()
		running++
		if j.perf {
			order = append(order, j.name)
			assert.Equal(t, len(main), mainDone, "job %d (%s) of the perf phase started before the main phase ended", i, j.name)
			assert.Equal(t, 1, running, "job %d (%s) of the perf phase runs beside another", i, j.name)
		}
		peak = max(peak, running)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		running--
		if !j.perf {
			mainDone++
		}
		mu.Unlock()
	})
	require.Equal(t, []string{"a", "b", "c"}, order)
	require.Equal(t, 3, peak, "the main phase runs -jobs at a time")
}

// TestJoinPhases: an implementation's two runs are one description and,
// when both processes ended badly, one process row that says both.
func TestJoinPhases(t *testing.T) {
	impls := []render.ImplInfo{
		{Name: "x", Topology: "pair", Planned: []string{"eof.a.b/client"}, Wall: time.Second},
		{Name: "y", Evidence: "could not start"},
		{Name: "x", Topology: "pair", Planned: []string{"perf.x.y/client"}, Wall: 2 * time.Second, Evidence: "perf run"},
		{Name: "y", Topology: "pair", Planned: []string{"perf.x.y/client"}},
	}
	rows := []result.Result{
		render.ProcessRow("x", "main crashed", "m"),
		{Impl: "x", Case: "eof.a.b", Role: "client", Outcome: result.Pass},
		render.ProcessRow("x", "perf crashed", "p"),
	}
	gotImpls, gotRows := joinPhases(impls, rows)
	require.Len(t, gotImpls, 2)
	x, y := gotImpls[0], gotImpls[1]
	require.Equal(t, []string{"eof.a.b/client", "perf.x.y/client"}, x.Planned)
	require.Equal(t, 3*time.Second, x.Wall)
	require.Equal(t, "perf run", x.Evidence)
	require.Equal(t, "pair", y.Topology, "the run that started describes it")
	require.Equal(t, "could not start", y.Evidence)
	require.Len(t, gotRows, 2)
	require.Equal(t, "main crashed; perf crashed", gotRows[0].Reason)
}

// TestPerfPhaseRunsAloneAfterTheRest runs a report of two implementations
// (the baseline std-tcp and another) on a perf case and another case,
// two at a time: every process that measures starts after every other
// process of the report has ended, measures nothing but perf cases, and
// runs alone, the baseline first; each implementation has one result of
// the perf case, a measurement, and one of the other case.
func TestPerfPhaseRunsAloneAfterTheRest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a test package through the report command")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "phases.log")
	code, out, _ := runReports(t, 3*time.Minute, []string{"PHASES_LOG=" + log},
		"-pkg", "testdata/phases", "-jobs", "2", "-run", `^(perf\.roundtrip\.latency|eof\.read\.after-peer-close)$`, "-out", dir)
	require.Equal(t, 0, code, out)

	type proc struct {
		run, cases string
		start, end int64
	}
	var procs []*proc
	open := map[string]*proc{}
	b, err := os.ReadFile(log)
	require.NoError(t, err)
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(l, "\t")
		require.Len(t, f, 4, l)
		at, err := strconv.ParseInt(f[3], 10, 64)
		require.NoError(t, err)
		key := f[1] + "\t" + f[2]
		switch f[0] {
		case "start":
			p := &proc{run: f[1], cases: f[2], start: at}
			procs, open[key] = append(procs, p), p
		case "end":
			require.Contains(t, open, key, "an end without a start: %s", l)
			open[key].end = at
			delete(open, key)
		}
	}
	require.Empty(t, open, "processes that never ended")
	var perf, rest []*proc
	for _, p := range procs {
		re := regexp.MustCompile(p.cases)
		if re.MatchString("perf.roundtrip.latency") {
			require.False(t, re.MatchString("eof.read.after-peer-close"), "a process measures beside other cases: %s", p.cases)
			perf = append(perf, p)
		} else {
			rest = append(rest, p)
		}
	}
	require.Len(t, perf, 2, "one perf process per implementation")
	require.Len(t, rest, 2, "one process per implementation for the other cases")
	require.Contains(t, perf[0].run, regexp.QuoteMeta(render.PerfBaseline), "the baseline measures first")
	for _, p := range perf {
		for _, q := range procs {
			if q == p {
				continue
			}
			require.True(t, q.end <= p.start || q.start >= p.end, "the process of %s measured while %s ran", p.run, q.run)
			if !regexp.MustCompile(q.cases).MatchString("perf.roundtrip.latency") {
				require.Less(t, q.end, p.start, "the process of %s measured before %s ended", p.run, q.run)
			}
		}
	}

	seen := map[string]int{}
	for _, r := range readReport(t, dir).Results {
		seen[r.Impl+" "+r.Case]++
		if r.Case == "perf.roundtrip.latency" {
			require.Equal(t, result.Info, r.Outcome, "%s: %s", r.Impl, r.Reason)
			require.Contains(t, r.Metrics, "rtt_p50_us")
		}
	}
	for _, im := range []string{"plain", render.PerfBaseline} {
		require.Equal(t, 1, seen[im+" perf.roundtrip.latency"], im)
		require.Equal(t, 2, seen[im+" eof.read.after-peer-close"], im+": a case of both roles")
	}
}

// TestNoPerfPhase: -perf=false runs one process per implementation, and
// its perf cases are skipped there with go test's reason, not measured.
func TestNoPerfPhase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a test package through the report command")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "phases.log")
	code, out, _ := runReports(t, 3*time.Minute, []string{"PHASES_LOG=" + log},
		"-pkg", "testdata/phases", "-perf=false", "-run", `^(perf\.roundtrip\.latency|eof\.read\.after-peer-close)$`, "-out", dir)
	require.Equal(t, 0, code, out)
	b, err := os.ReadFile(log)
	require.NoError(t, err)
	require.Equal(t, 2, strings.Count(string(b), "start\t"), "one process per implementation:\n%s", b)
	n := 0
	for _, r := range readReport(t, dir).Results {
		if r.Case == "perf.roundtrip.latency" {
			n++
			require.Equal(t, result.Skip, r.Outcome, "%s: %s", r.Impl, r.Reason)
			require.Contains(t, r.Reason, result.EnvPerf, "go test's reason for skipping it")
			require.Empty(t, r.Metrics)
		}
	}
	require.Equal(t, 2, n)
}
