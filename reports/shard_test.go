package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// TestDealIsCompleteAndDisjoint: whatever the number of parts, every
// (implementation, case) falls in exactly one part, whatever order the
// implementations are listed in; whole implementations are dealt when
// there are enough of them, within one implementation's size of balance.
func TestDealIsCompleteAndDisjoint(t *testing.T) {
	cases := map[string][]string{}
	var names []string
	for i, size := range []int{379, 233, 384, 238, 379, 12, 0} {
		name := fmt.Sprintf("impl-%d", i)
		names = append(names, name)
		for k := range size {
			cases[name] = append(cases[name], fmt.Sprintf("area.op.case-%03d", k))
		}
	}
	for _, pick := range [][]string{names, names[:1], names[:2], names[5:]} {
		for n := 1; n <= 9; n++ {
			t.Run(fmt.Sprintf("%d impls/%d parts", len(pick), n), func(t *testing.T) {
				ran := map[string]int{} // impl/case → parts that run it
				load := make([]int, n)
				for i := 1; i <= n; i++ {
					whole, split := deal(pick, cases, i, n)
					reversed := slices.Clone(pick)
					slices.Reverse(reversed)
					w2, s2 := deal(reversed, cases, i, n)
					require.Equal(t, whole, w2, "deal(part %d/%d) depends on the order of the implementations", i, n)
					require.Equal(t, split, s2, "deal(part %d/%d) depends on the order of the implementations", i, n)
					for name := range whole {
						require.NotContains(t, split, name)
						ran[name+"/"]++ // an implementation without cases still runs somewhere
						for _, c := range cases[name] {
							ran[name+"/"+c]++
							load[i-1]++
						}
					}
					for name, re := range split {
						require.Less(t, len(pick), n, "a case split with enough implementations to deal them whole")
						ran[name+"/"]++
						rx := regexp.MustCompile(re)
						for _, c := range cases[name] {
							if rx.MatchString(c) {
								ran[name+"/"+c]++
							}
						}
					}
				}
				for _, name := range pick {
					for _, c := range cases[name] {
						require.Equal(t, 1, ran[name+"/"+c], "%s %s runs in %d parts, want 1", name, c, ran[name+"/"+c])
					}
					require.Positive(t, ran[name+"/"], "%s runs in no part", name)
				}
				if len(pick) >= n {
					require.LessOrEqual(t, slices.Max(load)-slices.Min(load), 384, "parts' cases %v: unbalanced beyond one implementation", load)
				}
			})
		}
	}
}

func TestShardFlags(t *testing.T) {
	for _, bad := range [][]string{
		{"-shard", "0/3"}, {"-shard", "4/3"}, {"-shard", "3"}, {"-shard", "a/b"},
		{"-merge"}, {"-merge", "-shard", "1/2", "a.json"}, {"-shard", "1/2", "-from", "x.jsonl"},
	} {
		_, err := parse(bad, &strings.Builder{})
		var ue usageError
		require.ErrorAs(t, err, &ue, "parse(%q)", bad)
	}
	o, err := parse([]string{"-merge", "a.json", "b.json", "-out", "m", "c.json"}, &strings.Builder{})
	require.NoError(t, err)
	require.Equal(t, []string{"a.json", "b.json", "c.json"}, o.shard.files)
	require.Equal(t, "m", o.out)
	o, err = parse([]string{"-shard", "2/3"}, &strings.Builder{})
	require.NoError(t, err)
	require.Equal(t, [2]int{2, 3}, [2]int{o.shard.i, o.shard.n})
}

// part writes a report.json of one part: options, and results of impl
// "im" for the cases given.
func part(t *testing.T, dir string, options []string, mod func(*render.Report), cases ...string) string {
	t.Helper()
	var rs []result.Result
	var planned []string
	for _, c := range cases {
		rs = append(rs, result.Result{Impl: "im", Case: c, Role: harness.RoleClient, Area: "eof", Outcome: result.Pass, Level: result.Contract})
		planned = append(planned, c+"/client")
	}
	h := render.Header{ToolVersion: "v1", CatalogueHash: strings.Repeat("ab", 32), GOOS: "linux", GOARCH: "amd64", Timescale: 1,
		Options: options, Generated: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	rep := render.New(h, []render.ImplInfo{{Name: "im", Topology: "pair", CloseMode: "full", Caps: []string{"stream"}, Planned: planned, Wall: time.Second}}, rs)
	if mod != nil {
		mod(rep)
	}
	require.NoError(t, render.WriteDir(dir, rep))
	return filepath.Join(dir, "report.json")
}

// TestMergeRefusesPartsNotOfOneRun: overlapping, doubled, missing or
// foreign parts are refused with the reason; a different tool version is
// a warning.
func TestMergeRefusesPartsNotOfOneRun(t *testing.T) {
	d := t.TempDir()
	sel := "-area=eof"
	p1 := part(t, filepath.Join(d, "1"), []string{sel, "-shard=1/2"}, nil, "eof.a.x", "eof.c.x")
	p2 := part(t, filepath.Join(d, "2"), []string{sel, "-shard=2/2"}, nil, "eof.b.x")
	for name, tc := range map[string]struct {
		files []string
		want  string
	}{
		"same result twice": {[]string{p1, part(t, filepath.Join(d, "o"), []string{sel, "-shard=2/2"}, nil, "eof.a.x")}, "both have a result for im/eof.a.x/client"},
		"same part twice":   {[]string{p1, part(t, filepath.Join(d, "t"), []string{sel, "-shard=1/2"}, nil, "eof.b.x")}, "are both part 1/2"},
		"a part missing":    {[]string{p1}, "part 2/2 missing"},
		"parts of other n":  {[]string{p1, part(t, filepath.Join(d, "n"), []string{sel, "-shard=2/3"}, nil, "eof.b.x")}, "a part of 2"},
		"another selection": {[]string{p1, part(t, filepath.Join(d, "s"), []string{"-area=closed", "-shard=2/2"}, nil, "eof.b.x")}, "not parts of one run"},
		"not a part":        {[]string{p1, p2, part(t, filepath.Join(d, "w"), []string{sel}, nil, "eof.d.x")}, "ran without -shard"},
		"another catalogue": {[]string{p1, part(t, filepath.Join(d, "c"), []string{sel, "-shard=2/2"}, func(r *render.Report) { r.Header.CatalogueHash = strings.Repeat("cd", 32) }, "eof.b.x")}, "different case catalogues"},
		"another adapter": {[]string{p1, part(t, filepath.Join(d, "a"), []string{sel, "-shard=2/2"}, func(r *render.Report) { r.Impls[0].Caps = nil }, "eof.b.x")},
			"described differently"},
		"another format": {[]string{p1, part(t, filepath.Join(d, "f"), []string{sel, "-shard=2/2"}, func(r *render.Report) { r.Format = 2 }, "eof.b.x")}, "format 2"},
	} {
		t.Run(name, func(t *testing.T) {
			code, msg, err := runCmd(t, append([]string{"-out", t.TempDir(), "-merge"}, tc.files...)...)
			require.Equal(t, 2, code, msg)
			require.ErrorContains(t, err, tc.want)
		})
	}

	// The test processes of both parts of a split implementation left a
	// process behind: one row, with both reasons.
	proc := func(why string) func(*render.Report) {
		return func(r *render.Report) {
			r.Results = append(r.Results, render.ProcessRow("im", why, ""))
		}
	}
	q1 := part(t, filepath.Join(d, "q1"), []string{sel, "-shard=1/2"}, proc("left sleep 1"), "eof.a.x")
	q2 := part(t, filepath.Join(d, "q2"), []string{sel, "-shard=2/2"}, proc("left sleep 2"), "eof.b.x")
	out := t.TempDir()
	code, msg, err := runCmd(t, "-out", out, "-merge", q1, q2)
	require.NoError(t, err, msg)
	require.Equal(t, 2, code, "a process row is an error: %s", msg)
	rows := 0
	for _, r := range readReport(t, out).Results {
		if r.Case == render.ProcessCase {
			rows++
			require.Equal(t, "left sleep 1; left sleep 2", r.Reason)
		}
	}
	require.Equal(t, 1, rows, "process rows of %s", render.ProcessCase)

	// The parts of one run merge; another tool version is a warning.
	p2v := part(t, filepath.Join(d, "v"), []string{sel, "-shard=2/2"}, func(r *render.Report) { r.Header.ToolVersion = "v2" }, "eof.b.x")
	out = t.TempDir()
	code, msg, err = runCmd(t, "-out", out, "-merge", p2v, p1)
	require.NoError(t, err, msg)
	require.Equal(t, 0, code, msg)
	require.Contains(t, msg, "warning: "+p1+" ran on tool version v1")
	rep := readReport(t, out)
	require.Len(t, rep.Results, 3)
	require.Len(t, rep.Impls, 1)
	require.Len(t, rep.Impls[0].Planned, 3, "the parts' planned results, joined")
	require.Equal(t, 2*time.Second, rep.Impls[0].Wall, "the implementation's wall time: the sum of its parts'")
	require.Equal(t, []string{sel}, rep.Header.Options, "the parts' options, less -shard")
	require.Equal(t, "v2", rep.Header.ToolVersion, "the first part's")
}

// TestShardsMergeToTheUnshardedReport: three parts of a run, merged, have
// the outcome of every (implementation, case, role) of the run made
// whole, and each part ran a third of the cases; the perf cases, dealt
// to two parts, each measured in its part's perf phase, make one row.
func TestShardsMergeToTheUnshardedReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the suite's test binary")
	}
	t.Chdir("..")
	sel := []string{"-pkg", "./suite", "-impl", "^std-tcp$", "-area", "eof,halfclose,perf"} // perf: each part runs its perf phase
	d := t.TempDir()
	whole := filepath.Join(d, "whole")
	code, msg, err := runCmd(t, append(sel, "-out", whole)...)
	require.NoError(t, err, msg)
	require.Equal(t, 0, code, msg)
	var parts []string
	total := len(readReport(t, whole).Results)
	for i := 1; i <= 3; i++ {
		out := filepath.Join(d, fmt.Sprint(i))
		code, msg, err := runCmd(t, append(sel, "-out", out, "-shard", fmt.Sprintf("%d/3", i))...)
		require.NoError(t, err, msg)
		require.Equal(t, 0, code, msg)
		n := len(readReport(t, out).Results)
		require.InDelta(t, total/3, n, float64(total/10+2), "part %d/3 ran %d of %d results", i, n, total)
		parts = append(parts, filepath.Join(out, "report.json"))
	}
	merged := filepath.Join(d, "merged")
	code, msg, err = runCmd(t, append([]string{"-out", merged, "-compare", filepath.Join(whole, "report.json"), "-merge"}, parts...)...)
	require.NoError(t, err, msg)
	require.Equal(t, 0, code, msg)
	require.Contains(t, msg, "every outcome is as in")
	rep := readReport(t, merged)
	require.Equal(t, total, len(rep.Results))
	require.ElementsMatch(t, readReport(t, whole).Impls[0].Planned, rep.Impls[0].Planned)
	require.NotNil(t, rep.Perf, "the parts' perf phases measured")
	require.Len(t, rep.Perf.Rows, 1)
	require.NotNil(t, rep.Perf.Rows[0].RTTp50us, "the round trip, measured by one part")
	require.NotNil(t, rep.Perf.Rows[0].ThroughputMBs, "the throughput, measured by another")
	for _, name := range []string{"README.md", "index.html", "junit.xml"} {
		_, err := os.Stat(filepath.Join(merged, name))
		require.NoError(t, err, name)
	}
}
