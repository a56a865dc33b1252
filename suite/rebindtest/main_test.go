package rebindtest_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain runs the tests, or, started by holdInChild, holds the
// descriptors it inherited until its stdin closes.
func TestMain(m *testing.M) {
	if os.Getenv(envHolder) != "" {
		holdUntilStdinCloses()
	}
	goleak.VerifyTestMain(m)
}
