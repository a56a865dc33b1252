package thirdparty_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/netconform/netconform/suite"
)

// TestMain checks for leaks; calls left blocked by the cases known to hang
// (see each package's known.go), and by the explorer on the divergences it
// ran into, are those cases' and rows' findings, not leaks.
//
// The adapters run the hand-written cases and the explorer (its default
// budget, or NETCONFORM_EXPLORE); what the explorer found in each library
// was checked by hand against the library's code and is declared in its
// known.go as explore.<rule>.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, suite.IgnoreAbandonedCalls()...)
}
