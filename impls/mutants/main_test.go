package mutants_test

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/netconform/netconform/harness/runner"
	"go.uber.org/goleak"
)

// Most cases spend their time waiting on deadlines and timers, and the
// matrix runs thousands of them, hundreds of which hang until their
// watchdogs: more of them run at once than the harness's default. With 48
// the matrix took 135 s and used 39% of two cores; with 96, 76 s, every
// control still passing everything.
func TestMain(m *testing.M) {
	if os.Getenv("NETCONFORM_PARALLEL") == "" {
		os.Setenv("NETCONFORM_PARALLEL", "96")
	}
	flag.Parse()
	cfg, err := runner.ConfigFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	testRunner = runner.New(cfg)
	testRunner.Reexec = reexec
	testRunner.ReexecShared = reexecShared
	if err := testRunner.Prepare(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	_, _, _, child := testRunner.Child()
	overlap := !child && os.Getenv(envNettest) == "" && !listing() && runs("TestNettestComparison")
	if overlap {
		go nettestVerdicts() // nettest's children overlap the kill matrix
	}
	// The kill matrix is the longest work here and mostly waits (on
	// deadlines, timers, children): started now, it overlaps the tests
	// that run before the first that reads it (the explorer's pasted
	// cases, the misbehaving implementations) instead of following them.
	early := !child && os.Getenv(envNettest) == "" && !listing() && slices.ContainsFunc(matrixReaders, runs)
	if early {
		go matrix()
	}
	code := m.Run()
	if overlap {
		nettestVerdicts() // let them finish before looking for leaks
	}
	if early {
		matrix() // likewise (a -failfast run may not have read it)
	}
	if _, _, _, child := testRunner.Child(); code == 0 && !child && os.Getenv(envNettest) == "" {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// matrixReaders are the tests that read the kill matrix.
var matrixReaders = []string{"TestEveryMutantIsCaught", "TestControlPassesEverything", "TestEveryCaseCanFail", "TestLegalMutantsPassTheContract", "TestNettestComparison"}

// testRunner runs this process's cases; an isolated case re-executes this
// test binary (reexec).
var testRunner *runner.Runner

// listing reports whether go test was asked to list the tests (-list):
// nothing runs then.
func listing() bool {
	f := flag.Lookup("test.list")
	return f != nil && f.Value.String() != ""
}

// runs reports whether -test.run selects the named top-level test.
func runs(name string) bool {
	f := flag.Lookup("test.run")
	if f == nil || f.Value.String() == "" {
		return true
	}
	re, err := regexp.Compile(strings.Split(f.Value.String(), "/")[0])
	return err == nil && re.MatchString(name)
}
