package runner_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	h "github.com/netconform/netconform/harness/script"
)

// TestStateOfAGoneSocketFailsAtOnce: a state expectation on a socket the
// kernel no longer holds (reset: no TIME_WAIT) fails once no look has found
// the socket for a few tens of milliseconds, not after the whole state
// budget: such a socket never comes back, and a known failure should not
// wait out a second.
func TestStateOfAGoneSocketFailsAtOnce(t *testing.T) {
	im := rebindImpl(t, stealNone) // the standard library's dial and listen
	im.Caps |= harness.CapLinger
	c := &h.Case{
		ID: "test.state.gone", Spec: "Linux tcp(7): an aborted socket leaves no TIME_WAIT", Level: h.Convention,
		Needs: h.CapStream | h.CapKernel | h.CapTCP | h.CapLinger, Setup: h.SetupConn,
		Script: h.Script(
			h.SetLinger("iut", 0),
			h.Close("iut"),
			h.ExpectState("iut", h.TimeWait),
		),
	}
	require.NoError(t, c.Validate())
	rn := runner.New(runner.Config{Timescale: 1, Parallel: 1})
	res := rn.Run(context.Background(), im, c, harness.RoleClient)
	require.Equal(t, result.Fail, res.Outcome, "reason %s, findings %v", res.Reason, res.Findings)
	var judged *result.Obs
	for i := range res.Transcript {
		if strings.Contains(res.Transcript[i].Call, "state") {
			judged = &res.Transcript[i]
		}
	}
	require.NotNil(t, judged, "no state step in %+v", res.Transcript)
	require.Contains(t, judged.Value, "absent")
	require.Less(t, judged.Took, 500*time.Millisecond, "a gone socket's state was polled for the whole budget: %+v", *judged)
}
