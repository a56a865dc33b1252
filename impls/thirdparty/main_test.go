package thirdparty_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/netconform/netconform/suite"
)

// TestMain checks for leaks; calls left blocked by the cases known to hang
// (see each package's known.go) are those cases' findings, not leaks.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m, suite.IgnoreAbandonedCalls()...) }
