package suite_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/netconform/netconform/harness/sysobs"
)

// TestMain checks for leaks at package level: goleak's VerifyNone cannot
// run inside parallel subtests, and with implementations running in
// parallel a per-test socket count would blame the wrong case. To localise
// a leak, re-run one implementation: -run 'TestConformance/<impl>/' -parallel 1.
func TestMain(m *testing.M) {
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
