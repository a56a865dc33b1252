package runner_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	"github.com/netconform/netconform/harness/script"
)

// failingWrites is a net.Pipe end whose Writes fail.
type failingWrites struct{ net.Conn }

func (failingWrites) Write([]byte) (int, error) { return 0, errors.New("refusing to write") }

// TestHangAfterBackgroundFailureReadsAsTheFailure: a peer that waits for
// bytes a failed background Write never sent hangs; the result names the
// Write as the root cause, with the hang as evidence, not a timeout.
func TestHangAfterBackgroundFailureReadsAsTheFailure(t *testing.T) {
	im := &harness.Impl{
		Name: "failing-writes",
		Caps: harness.CapStream,
		NewPair: func(context.Context) (*harness.Pair, error) {
			c1, c2 := net.Pipe()
			return &harness.Pair{Client: failingWrites{c1}, Server: failingWrites{c2}}, nil
		},
	}
	c := &script.Case{
		ID:    "test.write.background",
		Spec:  "a background Write that fails leaves the peer waiting",
		Level: script.Contract,
		Needs: harness.CapStream,
		Setup: script.SetupConn,
		Script: script.Script(
			script.Go("w", script.Write("iut", "x")),
			script.ReadFull("peer", 1).Want("x"),
			script.Await("w"),
		),
	}
	require.NoError(t, c.Validate())
	rn := runner.New(runner.Config{Timescale: 0.2, Parallel: 1})
	res := rn.Run(context.Background(), im, c, harness.RoleClient)
	require.Equal(t, result.Fail, res.Outcome, "findings: %v", res.Findings)
	require.Len(t, res.Findings, 1)
	require.Contains(t, res.Findings[0].String(), `iut.Write("x") in the background`)
	require.True(t, strings.Contains(res.Evidence, "blocked"), "the hang is not in the evidence: %q", res.Evidence)
}
