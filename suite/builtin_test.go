package suite_test

import (
	"context"
	"flag"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/explore"
	"github.com/netconform/netconform/impls/pipe"
	"github.com/netconform/netconform/impls/rawsock"
	"github.com/netconform/netconform/impls/stdnet"
	"github.com/netconform/netconform/impls/tlsconn"
	"github.com/netconform/netconform/suite"
)

// builtins are the implementations the repository ships in its core module.
var builtins = []harness.Impl{stdnet.TCP, stdnet.TCP6, stdnet.Unix, stdnet.UDP, pipe.Impl, rawsock.TCP, rawsock.UDP, tlsconn.Impl}

// TestConformance runs every case against every built-in implementation.
func TestConformance(t *testing.T) {
	for _, im := range builtins {
		suite.Run(t, im)
	}
}

// TestExplore explores every built-in implementation with the explorer
// alone (harness/explore), without the cases:
//
//	go test ./suite -run Explore -netconform.explore=2m
//
// TestConformance explores too, within suite.Run, with this package's
// budget (referenceExplore, unless one is asked for); so that go test ./suite explores once, this test runs only
// when -run selects tests.
func TestExplore(t *testing.T) {
	if f := flag.Lookup("test.run"); f == nil || f.Value.String() == "" {
		t.Skip("TestConformance explores within suite.Run; run this alone with -run Explore")
	}
	for _, im := range builtins {
		suite.Explore(t, im)
	}
}

// TestExploreControls is the explorer's long control run: every built-in
// implementation that is Go's own or follows it to the letter (std-tcp,
// std-tcp6, std-unix, std-udp, pipe, rawsock-tcp, rawsock-udp) explored
// for NETCONFORM_EXPLORE_SEQS sequences in each role it plays
// (NETCONFORM_EXPLORE_WORKERS at once, default 16), through the same
// Impl→Subject path suite.Run uses: no finding is allowed (a declared
// divergence is none). Skipped unless NETCONFORM_EXPLORE_SEQS is set.
func TestExploreControls(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("NETCONFORM_EXPLORE_SEQS"))
	if n <= 0 {
		t.Skip("long run: set NETCONFORM_EXPLORE_SEQS (20000)")
	}
	workers, _ := strconv.Atoi(os.Getenv("NETCONFORM_EXPLORE_WORKERS"))
	if workers <= 0 {
		workers = 16
	}
	for _, im := range []harness.Impl{stdnet.TCP, stdnet.TCP6, stdnet.Unix, stdnet.UDP, pipe.Impl, rawsock.TCP, rawsock.UDP} {
		xs, err := explore.Explorations(&im, 15*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range xs {
			t.Run(im.Name+"/"+string(x.Role), func(t *testing.T) {
				rep := explore.Explore(context.Background(), x.Subject, explore.Options{Sequences: n, Seed: 1, Workers: workers, Known: x.Known, MaxFindings: 5})
				known := 0
				for _, k := range rep.Known {
					known += k.Count
				}
				t.Logf("%s/%s: %d sequences (%d steps) in %v: %.0f sequences/s; %d retried, %d inconclusive, %d hung calls, %d known-divergence hits",
					im.Name, x.Role, rep.Sequences, rep.Steps, rep.Elapsed.Round(time.Second), rep.PerSecond(), rep.Retries, rep.Inconclusive, len(rep.Hung), known)
				if rep.Err != nil {
					t.Fatal(rep.Err)
				}
				for _, f := range rep.Findings {
					t.Errorf("finding on a control:\n%s\n%s", f.String(), f.Case)
				}
				if rep.Conclusive() < n*99/100 {
					t.Errorf("only %d of %d sequences were conclusive", rep.Conclusive(), n)
				}
			})
		}
	}
}
