package runner_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	h "github.com/netconform/netconform/harness/script"
)

var perfCase = h.Case{
	ID: "perf.test.measure", Spec: "Go's net: a measurement", Level: h.Informational,
	Needs: h.CapStream, Setup: h.SetupConn, Roles: []h.Role{h.RoleClient},
	// The Write in the background: on net.Pipe it returns only once the
	// peer has read, so in line it waited out its 3 s budget.
	Script: h.Script(h.Go("w", h.Write("iut", "x")), h.Read("peer", 1).Want("x"), h.Await("w")),
}

// TestPerfRunsOnlyWhenAsked: a perf case is a skip with its reason unless
// NETCONFORM_PERF (or an area filter naming perf) asks for it, and then
// runs.
func TestPerfRunsOnlyWhenAsked(t *testing.T) {
	for _, tc := range []struct {
		perf, areas string
		want        result.Outcome
	}{{"", "", result.Skip}, {"0", "", result.Skip}, {"1", "", result.Info}, {"", "perf", result.Info}} {
		t.Setenv(runner.EnvPerf, tc.perf)
		t.Setenv(runner.EnvAreas, tc.areas)
		res := newRunner(t, false).Run(context.Background(), &pipeImpl, &perfCase, harness.RoleClient)
		require.Equal(t, tc.want, res.Outcome, "%s=%q %s=%q: %s", runner.EnvPerf, tc.perf, runner.EnvAreas, tc.areas, res.Reason)
		if tc.want == result.Skip {
			require.Equal(t, runner.PerfSkipped, res.Reason)
		}
	}
	t.Setenv(runner.EnvPerf, "maybe")
	_, err := runner.ConfigFromEnv()
	require.Error(t, err)
}
