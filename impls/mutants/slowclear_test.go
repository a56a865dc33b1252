package mutants_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
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
		res := harness.Run(context.Background(), &im, c, role, harness.RunOptions{})
		require.Equal(t, harness.Pass, res.Outcome, "%s: %s\n%s\n%v", role, res.Summary(), strings.Join(res.Retries, "\n"), res.Transcript)
		require.GreaterOrEqual(t, res.Attempts, 2, "%s: the first attempt cannot pass", role)
		require.True(t, strings.Contains(strings.Join(res.Retries, "\n"), "after the deadline it was to change"),
			"%s: retries %q", role, res.Retries)
	}
}
