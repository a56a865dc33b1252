package suite_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/netconform/netconform/harness/runner"
	"github.com/netconform/netconform/harness/sysobs"
)

// referenceExplore is the exploration budget of the built-in
// implementations in go test ./suite: 32 sequences per role.
const referenceExplore = "32x"

// TestMain checks for leaks at package level: goleak's VerifyNone cannot
// run inside parallel subtests, and with implementations running in
// parallel a per-test socket count would blame the wrong case. To localise
// a leak, re-run one implementation: -run 'TestConformance/<impl>/' -parallel 1.
//
// The built-in implementations are the references the explorer's model is
// checked against: unless a budget is asked for (-netconform.explore or
// NETCONFORM_EXPLORE), each of their roles is explored for a fixed
// referenceExplore sequences, the same ones every run, instead of the 2 s
// suite.Run gives an implementation under test. Deep runs of the
// references are TestExploreControls's.
func TestMain(m *testing.M) {
	if os.Getenv(runner.EnvExplore) == "" {
		os.Setenv(runner.EnvExplore, referenceExplore)
	}
	before, ferr := sysobs.OpenSockets()
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		after, err := sysobs.OpenSockets()
		if ferr == nil && err == nil && code == 0 && after > before {
			fmt.Fprintf(os.Stderr, "socket leak: %d socket fds open before the tests, %d after\n", before, after)
			code = 1
		}
		os.Exit(code)
	}))
}
