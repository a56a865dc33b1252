package runner_test

import (
	"context"
	"net"
	"sync/atomic"
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

// TestOverdueOnceThenInTime: a call overdue on the first attempt and in
// time on the second passes: one overdue attempt is what a loaded machine
// may cause, and is retried.
func TestOverdueOnceThenInTime(t *testing.T) {
	var pairs atomic.Int32
	im := harness.Impl{
		Name: "overdue-once",
		Caps: harness.CapStream,
		NewPair: func(context.Context) (*harness.Pair, error) {
			c1, c2 := net.Pipe()
			if pairs.Add(1) == 1 {
				// The first attempt's ends are of two different pipes:
				// what one writes never reaches the other.
				c3, c4 := net.Pipe()
				t.Cleanup(func() { c2.Close(); c3.Close() })
				return &harness.Pair{Client: c1, Server: c4}, nil
			}
			return &harness.Pair{Client: c1, Server: c2}, nil
		},
	}
	c := &script.Case{
		ID:    "test.read.overdue-once",
		Spec:  "a Read bound to return within 100 ms of the peer's Write",
		Level: script.Contract,
		Needs: harness.CapStream,
		Setup: script.SetupConn,
		Script: script.Script(
			script.Go("w", script.Write("peer", "x")),
			script.Read("iut", 1).Want("x").Within(100*time.Millisecond),
			script.Await("w"),
		),
	}
	require.NoError(t, c.Validate())
	rn := runner.New(runner.Config{Timescale: 0.1, Parallel: 1})
	res := rn.Run(context.Background(), &im, c, harness.RoleClient)
	require.Equal(t, result.Pass, res.Outcome, "%s\n%v", res.Summary(), res.Retries)
	require.Equal(t, 2, res.Attempts, "retries: %v", res.Retries)
	require.Contains(t, res.Retries[0], "late: ")
}
