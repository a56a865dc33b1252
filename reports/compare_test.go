package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// TestCompareOutcomes: -compare names every result whose outcome changed,
// appeared or disappeared, and forgives a flip of an intermittent known
// divergence and any informational result.
func TestCompareOutcomes(t *testing.T) {
	mk := func(outcomes map[string]result.Outcome) *render.Report {
		var rs []result.Result
		for c, o := range outcomes {
			lvl := result.Contract
			if c == "perf.x.y" {
				lvl = result.Informational
			}
			rs = append(rs, result.Result{Impl: "im", Case: c, Role: harness.RoleClient, Outcome: o, Level: lvl})
		}
		impls := []render.ImplInfo{{Name: "im", Known: []harness.Known{{Case: "a.flaky.one", Reason: "race", Intermittent: true}}}}
		return render.New(render.Header{}, impls, rs)
	}
	base := mk(map[string]result.Outcome{"a.b.c": result.Pass, "a.flaky.one": result.KnownFailure, "perf.x.y": result.Info, "a.gone.case": result.Pass})
	path := filepath.Join(t.TempDir(), "report.json")
	b, err := json.Marshal(base)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))

	diffs, _, seen, err := compare(path, mk(map[string]result.Outcome{"a.b.c": result.Pass, "a.flaky.one": result.Pass, "perf.x.y": result.Pass, "a.gone.case": result.Pass}))
	require.NoError(t, err)
	require.Empty(t, diffs)
	require.Empty(t, seen)

	diffs, _, seen, err = compare(path, mk(map[string]result.Outcome{"a.b.c": result.Fail, "a.flaky.one": result.Error, "perf.x.y": result.Pass, "a.new.case": result.Pass}))
	require.NoError(t, err)
	require.Equal(t, []string{
		"im/a.b.c/client: fail, was pass: fail",
		"im/a.flaky.one/client: error, was known-failure: error",
		"im/a.gone.case/client: no result, was pass",
		"im/a.new.case/client: new result pass",
	}, diffs)
	var keys []string
	for _, r := range seen {
		keys = append(keys, r.Key())
	}
	require.Equal(t, []string{"im/a.b.c/client", "im/a.flaky.one/client", "im/a.new.case/client"}, keys, "the results of this run that differ, for their details: changed outcomes first, then new ones")
}

// TestDiffsShowWhatTheRunObserved: after the list of differences comes
// what the run observed of each differing result (a CI job's report
// folder is gone with the job), a bounded number of them, each cut short.
func TestDiffsShowWhatTheRunObserved(t *testing.T) {
	r := func(c string) *result.Result {
		return &result.Result{Impl: "im", Case: c, Role: harness.RoleServer, Outcome: result.UnexpectedPass,
			Transcript: []result.Obs{{Step: 1, Call: "send the request and reset", Verdict: "ok"}},
			Evidence:   "program: +19ms frozen\n+19ms thawed\nreceive request {}\x00\x00\x1b[31m\n" + strings.Repeat("x", detailMax)}
	}
	var seen []*result.Result
	var diffs []string
	for i := range maxDetailed + 2 {
		seen = append(seen, r(fmt.Sprintf("a.b.c%d", i)))
		diffs = append(diffs, seen[i].Key()+": unexpected-pass, was known-failure")
	}
	var b strings.Builder
	require.True(t, reportDiffs(&b, "base.json", diffs, nil, seen))
	out := b.String()
	require.Equal(t, maxDetailed, strings.Count(out, "what this run observed of im/a.b.c"), out)
	require.Contains(t, out, "what this run observed of im/a.b.c0/server (unexpected-pass):\n  transcript:\n    #1 ")
	require.Contains(t, out, "  evidence:\n    program: +19ms frozen\n    +19ms thawed")
	require.Contains(t, out, "    receive request {}\n", "no NUL or terminal escape reaches the log")
	require.Contains(t, out, "[truncated")
	require.Contains(t, out, "(and 2 more, not shown)")
	require.Less(t, len(out), (maxDetailed+1)*(detailMax+1024), "each result's details are cut")

	b.Reset()
	require.False(t, reportDiffs(&b, "base.json", nil, nil, nil))
	require.Equal(t, "every outcome is as in base.json\n", b.String())
}

// TestCompareForgivesInconclusive: an inconclusive run (an error whose
// reason says so) is a warning, never a difference; any other error is.
func TestCompareForgivesInconclusive(t *testing.T) {
	res := func(o result.Outcome, reason string) *render.Report {
		return render.New(render.Header{}, []render.ImplInfo{{Name: "im"}},
			[]result.Result{{Impl: "im", Case: "a.b.c", Role: harness.RoleClient, Outcome: o, Level: result.Contract, Reason: reason}})
	}
	path := filepath.Join(t.TempDir(), "report.json")
	b, err := json.Marshal(res(result.Pass, ""))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))

	diffs, warnings, _, err := compare(path, res(result.Error, "inconclusive after 3 attempts: the deadline change came late"))
	require.NoError(t, err)
	require.Empty(t, diffs)
	require.Len(t, warnings, 1)

	diffs, _, _, err = compare(path, res(result.Error, "setup: NewPair: broken"))
	require.NoError(t, err)
	require.Len(t, diffs, 1)
}
