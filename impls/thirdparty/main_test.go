package thirdparty_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/netconform/netconform/harness/runner"
	"github.com/netconform/netconform/suite"
)

// TestMain checks for leaks; calls left blocked by the cases known to hang
// (see each package's known.go) are those cases' findings, not leaks.
//
// The adapters run the hand-written cases here; the explorer runs on them
// when NETCONFORM_EXPLORE gives it a budget (go run ./reports -explore
// does). What it finds in a real library becomes a known divergence only
// once checked by hand against the library's code, so its rows are not
// part of this test until each adapter's explore.* entries are.
func TestMain(m *testing.M) {
	if os.Getenv(runner.EnvExplore) == "" {
		os.Setenv(runner.EnvExplore, "0")
	}
	goleak.VerifyTestMain(m, suite.IgnoreAbandonedCalls()...)
}
