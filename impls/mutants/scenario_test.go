package mutants_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/impls/mutants"
	"github.com/netconform/netconform/suite"
)

// TestSlowDeadlineChangeIsInconclusive: when clearing a deadline lands
// after the deadline (the machine or the implementation is slow), the
// blocked Read may rightly time out; the attempt is inconclusive and
// retried at a longer timescale, where the case passes.
func TestSlowDeadlineChangeIsInconclusive(t *testing.T) {
	skipInChild(t)
	im := mutants.SlowDeadlineClear().Impl
	c, ok := suite.Lookup("deadline.read.cleared-while-blocked")
	require.True(t, ok)
	for _, role := range c.RolesFor(&im) {
		res := testRunner.Run(context.Background(), &im, c, role)
		require.Equal(t, result.Pass, res.Outcome, "%s: %s\n%s\n%v", role, res.Summary(), strings.Join(res.Retries, "\n"), res.Transcript)
		require.GreaterOrEqual(t, res.Attempts, 2, "%s: the first attempt cannot pass", role)
		require.True(t, strings.Contains(strings.Join(res.Retries, "\n"), "after the deadline it was to change"),
			"%s: retries %q", role, res.Retries)
	}
}

// TestFillThatCannotFillIsAnError: when Writes time out without writing
// while the kernel send queue is empty, Fill cannot set its scenario up;
// the case ends as an error after its retries, in bounded time, where it
// used to spin until the watchdog.
func TestFillThatCannotFillIsAnError(t *testing.T) {
	skipInChild(t)
	im := mutants.WritesTimeOutIdle().Impl
	c, ok := suite.Lookup("state.close.full-sendbuf-fin-wait1")
	require.True(t, ok)
	res := testRunner.Run(context.Background(), &im, c, harness.RoleClient)
	require.Equal(t, result.Error, res.Outcome, res.Summary())
	require.Contains(t, res.Reason, "Fill stalled")
	require.Equal(t, 3, res.Attempts)
}
