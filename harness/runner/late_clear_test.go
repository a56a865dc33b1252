package runner_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	"github.com/netconform/netconform/harness/script"
)

// TestDeadlineClearedTooLateIsInconclusive: a script that clears the
// deadline of a blocked Write only after that deadline has passed (here a
// sleep stands for a machine too slow to run the next step in time) has
// not shown that the implementation ignores a cleared deadline — the old
// one rightly fired — so the attempt is inconclusive, never a failure.
func TestDeadlineClearedTooLateIsInconclusive(t *testing.T) {
	im := pipeImpl
	im.Caps |= harness.CapDeadline | harness.CapBounded // net.Pipe: unbuffered, with deadlines
	c := &script.Case{
		ID:    "test.deadline.cleared-too-late",
		Spec:  "a Write blocked past its deadline because the clearing step came late",
		Level: script.Contract,
		Needs: harness.CapStream | harness.CapDeadline,
		Setup: script.SetupConn,
		Script: script.Script(
			script.SetWriteDeadline("iut", script.In(100*time.Millisecond)),
			script.Go("w", script.Write("iut", "x")),
			script.StillBlocked("w"),
			script.Sleep(300*time.Millisecond, "a slow machine"),
			script.SetWriteDeadline("iut", script.NoDeadline),
			script.StillBlocked("w"),
			script.ReadFull("peer", 1).Want("x"),
			script.Await("w"),
		),
	}
	require.NoError(t, c.Validate())
	rn := runner.New(runner.Config{Timescale: 1, Parallel: 1})
	res := rn.Run(context.Background(), &im, c, harness.RoleClient)
	require.NotEqual(t, result.Fail, res.Outcome, "findings: %v", res.Findings)
	t.Logf("outcome %s: %s %v", res.Outcome, res.Reason, res.Retries)
}
