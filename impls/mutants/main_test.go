package mutants_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/netconform/netconform/harness"
)

// Most cases spend their time waiting on deadlines and timers, and the
// matrix runs thousands of them: more of them run at once than the
// harness's default.
func TestMain(m *testing.M) {
	if os.Getenv("NETCONFORM_PARALLEL") == "" {
		os.Setenv("NETCONFORM_PARALLEL", "48")
	}
	if _, _, _, child := harness.ChildCase(); !child && os.Getenv(envNettest) == "" {
		go nettestVerdicts() // nettest's children overlap the kill matrix
	}
	code := m.Run()
	if _, _, _, child := harness.ChildCase(); code == 0 && !child && os.Getenv(envNettest) == "" {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			code = 1
		}
	}
	os.Exit(code)
}
