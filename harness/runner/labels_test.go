package runner_test

import (
	"bytes"
	"context"
	"net"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	"github.com/netconform/netconform/harness/script"
)

// TestCaseRunsUnderProfilerLabels: the goroutine that calls the
// implementation, and the context it is given, carry the case's profiler
// labels, so a CPU profile splits by case.
func TestCaseRunsUnderProfilerLabels(t *testing.T) {
	got := map[string]string{}
	var stacks string
	im := &harness.Impl{
		Name: "labelled-pipe",
		Caps: harness.CapStream,
		NewPair: func(ctx context.Context) (*harness.Pair, error) {
			for _, k := range []string{"case", "impl", "role"} {
				got[k], _ = pprof.Label(ctx, k)
			}
			stacks = thisGoroutinesGroup()
			c1, c2 := net.Pipe()
			return &harness.Pair{Client: c1, Server: c2}, nil
		},
	}
	c := &script.Case{
		ID:     "test.write.labelled",
		Spec:   "a Write the peer reads",
		Level:  script.Contract,
		Needs:  harness.CapStream,
		Setup:  script.SetupConn,
		Script: script.Script(script.Go("w", script.Write("iut", "x")), script.ReadFull("peer", 1).Want("x"), script.Await("w")),
	}
	require.NoError(t, c.Validate())
	res := runner.New(runner.Config{Timescale: 1, Parallel: 1}).Run(context.Background(), im, c, harness.RoleServer)
	require.Equal(t, result.Pass, res.Outcome, "findings: %v", res.Findings)
	require.Equal(t, map[string]string{"case": "test.write.labelled", "impl": "labelled-pipe", "role": "server"}, got)
	// What a CPU profile records is the goroutine's labels.
	require.Contains(t, stacks, `"case":"test.write.labelled"`, "the goroutine calling NewPair:\n%s", stacks)
	require.Contains(t, stacks, `"role":"server"`, "the goroutine calling NewPair:\n%s", stacks)
}

// thisGoroutinesGroup is the group of the goroutine profile (debug=1: a
// "# labels:" line per group) whose stacks run thisGoroutinesGroup.
func thisGoroutinesGroup() string {
	var b bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
	for _, g := range strings.Split(b.String(), "\n\n") {
		if strings.Contains(g, "thisGoroutinesGroup") {
			return g
		}
	}
	return ""
}
