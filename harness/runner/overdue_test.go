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

// TestOverdueTwiceIsAHang: a call bound to return within a time that is
// still blocked at its watchdog is retried once at twice the timescale (a
// loaded machine may have held it); blocked at the watchdog again, the case
// is a timeout, without a third attempt that only waits four times longer.
func TestOverdueTwiceIsAHang(t *testing.T) {
	c := &script.Case{
		ID:     "test.read.never-returns",
		Spec:   "a Read bound to return within 100 ms, with nothing ever written",
		Level:  script.Contract,
		Needs:  harness.CapStream,
		Setup:  script.SetupConn,
		Script: script.Script(script.Read("iut", 1).Want("x").Within(100 * time.Millisecond)),
	}
	require.NoError(t, c.Validate())
	rn := runner.New(runner.Config{Timescale: 0.1, Parallel: 1})
	res := rn.Run(context.Background(), &pipeImpl, c, harness.RoleClient)
	require.Equal(t, result.Timeout, res.Outcome, "%s\n%v", res.Summary(), res.Retries)
	require.Equal(t, 2, res.Attempts, "retries: %v", res.Retries)
	require.Len(t, res.Retries, 1)
	require.Contains(t, res.Retries[0], "late: ")
}
