package misbehave_test

import (
	"os"
	"testing"

	"github.com/netconform/netconform/impls/mutants/misbehave"
	"github.com/netconform/netconform/suite"
)

// TestConformance runs the suite on the misbehaving implementations when
// NETCONFORM_MISBEHAVE=1: they crash or poison the test process on
// purpose, so only the isolation test asks for them, through the report
// command.
func TestConformance(t *testing.T) {
	if os.Getenv("NETCONFORM_MISBEHAVE") != "1" {
		t.Skip("set NETCONFORM_MISBEHAVE=1: these implementations crash the test process on purpose")
	}
	for _, im := range misbehave.Impls {
		suite.Run(t, im)
	}
}
