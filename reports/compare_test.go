package main

import (
	"encoding/json"
	"os"
	"path/filepath"
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

	diffs, _, err := compare(path, mk(map[string]result.Outcome{"a.b.c": result.Pass, "a.flaky.one": result.Pass, "perf.x.y": result.Pass, "a.gone.case": result.Pass}))
	require.NoError(t, err)
	require.Empty(t, diffs)

	diffs, _, err = compare(path, mk(map[string]result.Outcome{"a.b.c": result.Fail, "a.flaky.one": result.Error, "perf.x.y": result.Pass, "a.new.case": result.Pass}))
	require.NoError(t, err)
	require.Equal(t, []string{
		"im/a.b.c/client: fail, was pass: fail",
		"im/a.flaky.one/client: error, was known-failure: error",
		"im/a.gone.case/client: no result, was pass",
		"im/a.new.case/client: new result pass",
	}, diffs)
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

	diffs, warnings, err := compare(path, res(result.Error, "inconclusive after 3 attempts: the deadline change came late"))
	require.NoError(t, err)
	require.Empty(t, diffs)
	require.Len(t, warnings, 1)

	diffs, _, err = compare(path, res(result.Error, "setup: NewPair: broken"))
	require.NoError(t, err)
	require.Len(t, diffs, 1)
}
