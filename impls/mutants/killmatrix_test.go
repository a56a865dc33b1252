package mutants_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/script"
	"github.com/netconform/netconform/impls/mutants"
	"github.com/netconform/netconform/suite"
)

// A verdict of one mutant on one case: killed when a role failed, or
// ended as an error or in setup (the mutant broke the setup of the case).
type verdict struct {
	killed bool
	errors bool   // every kill was an error or a setup failure, not a failure of the case's own checks
	ran    bool   // some role ran (not unsupported or skipped)
	how    string // the first failing outcome and finding
}

// matrix runs every case against every mutant; it is computed once for
// the tests of this file.
var matrix = sync.OnceValue(func() map[string]map[string]*verdict {
	all := append(mutants.All(), mutants.Controls()...)
	m := map[string]map[string]*verdict{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range all {
		im := all[i].Impl
		m[im.Name] = map[string]*verdict{}
		// The mutant's fault cases share one isolated child, and its wire
		// cases another (runner.Shared): thousands of children otherwise.
		share := testRunner.Share(&im)
		for _, c := range suite.Cases() {
			for _, role := range c.RolesFor(&im) {
				share.Add(&c, role)
			}
		}
		share.Seal()
		for _, c := range suite.Cases() {
			v := &verdict{}
			m[im.Name][c.ID] = v
			for _, role := range c.RolesFor(&im) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res := testRunner.Run(context.Background(), &im, &c, role)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case res.Outcome.Failed():
						if !v.killed {
							v.how = string(res.Outcome) + ": " + res.Summary()
							v.errors = true
						}
						if ownCheck(res) {
							v.errors = false
						}
						v.killed, v.ran = true, true
					case res.Outcome == result.Pass || res.Outcome == result.Info:
						v.ran = true
					}
				}()
			}
		}
	}
	wg.Wait()
	return m
})

// reexec starts this test binary as the child of an isolated case.
func reexec(*harness.Impl, *script.Case, harness.Role) *exec.Cmd {
	return exec.Command(os.Args[0], "-test.run=^TestIsolatedChild$", "-test.count=1", "-test.timeout=5m")
}

// reexecShared starts this test binary as the child of isolated cases
// that share it (the runner tells the child which).
func reexecShared(*harness.Impl, []*script.Case) *exec.Cmd {
	return exec.Command(os.Args[0], "-test.run=^TestIsolatedChild$", "-test.count=1", "-test.timeout=15m")
}

// TestIsolatedChild runs the cases of an isolated child, all at once (the
// runner runs wire cases one at a time), and nothing otherwise.
func TestIsolatedChild(t *testing.T) {
	name, id, _, ok := testRunner.Child()
	if !ok {
		t.Skip("runs only as the child of an isolated case")
	}
	for _, m := range append(mutants.All(), append(mutants.Controls(), mutants.WrapsWithV())...) {
		if m.Impl.Name != name {
			continue
		}
		var wg sync.WaitGroup
		ran := 0
		run := func(c *script.Case) {
			for _, role := range c.RolesFor(&m.Impl) {
				if testRunner.ChildRuns(name, c.ID, role) {
					ran++
					wg.Go(func() { testRunner.Run(context.Background(), &m.Impl, c, role) })
				}
			}
		}
		for _, c := range suite.Cases() {
			run(&c)
		}
		if c, found := suite.Lookup(id); ran == 0 && found {
			run(c) // a case outside the catalogue's table (a program's)
		}
		wg.Wait()
		if ran == 0 {
			t.Fatalf("no case %s for mutant %s", id, name)
		}
		return
	}
	t.Fatalf("no mutant %s for case %s", name, id)
}

// TestEveryMutantIsCaught: a mutant that no case fails is a gap in the
// suite.
func TestEveryMutantIsCaught(t *testing.T) {
	skipInChild(t)
	m := matrix()
	unforeseen := map[string]bool{}
	for _, mu := range mutants.Unforeseen() {
		unforeseen[mu.Impl.Name] = true
	}
	for _, mu := range mutants.All() {
		var killers []string
		for id, v := range m[mu.Impl.Name] {
			if v.killed {
				killers = append(killers, id)
			}
		}
		if len(killers) == 0 {
			e := explorerVerdicts()[mu.Impl.Name]
			switch {
			case e.caught():
				t.Logf("%-34s passes every case; caught by the explorer: %s", mu.Impl.Name, strings.Join(e.rules, " "))
			case unforeseen[mu.Impl.Name]:
				// Written to measure what neither was designed around:
				// their catch rates are figures (TestExplorerAlone and
				// this log), not a bar every run must meet.
				t.Logf("%-34s passes every case and escaped the explorer this run (%d sequences)", mu.Impl.Name, e.sequences)
			default:
				t.Errorf("%s (%s) passes every case and the explorer (%d sequences, setup %q)", mu.Impl.Name, mu.Bug, e.sequences, e.setup)
			}
			continue
		}
		sort.Strings(killers)
		t.Logf("%-34s caught by %3d cases, e.g. %s", mu.Impl.Name, len(killers), killers[0])
	}
}

// ownCheck reports whether a failed result failed in the case's own
// checks: not an error, and its first finding is a step of the script, not
// setup (a setup that hangs is a timeout).
func ownCheck(res *result.Result) bool {
	return res.Outcome != result.Error && len(res.Findings) > 0 && res.Findings[0].Step > 0
}

// TestControlPassesEverything: the wrappers without a bug fail nothing, so
// every kill in the matrix is the bug's.
func TestControlPassesEverything(t *testing.T) {
	skipInChild(t)
	for _, ctl := range mutants.Controls() {
		for id, v := range matrix()[ctl.Impl.Name] {
			if v.killed {
				t.Errorf("the bug-free wrapper %s fails %s: %s", ctl.Impl.Name, id, v.how)
			}
		}
	}
}

// exempt are the cases no mutant is meant to fail, with the reason.
var exempt = map[string]string{}

// TestEveryCaseCanFail: a case that no mutant fails tests nothing. The
// kill matrix is printed: a row per case, a column per mutant, X where the
// mutant failed the case, . where it passed, blank where the case did not
// apply; E where the case ended as an error (the mutant broke its setup).
func TestEveryCaseCanFail(t *testing.T) {
	skipInChild(t)
	m := matrix()
	all := mutants.All()
	var b strings.Builder
	b.WriteString("kill matrix (columns: mutants, in this order)\n")
	for i, mu := range all {
		fmt.Fprintf(&b, "  %2d %s\n", i+1, mu.Impl.Name)
	}
	killedCases := 0
	for _, c := range suite.Cases() {
		row := make([]byte, len(all))
		kills := 0
		for i, mu := range all {
			v := m[mu.Impl.Name][c.ID]
			switch {
			case v.killed && v.errors:
				row[i] = 'E'
				kills++
			case v.killed:
				row[i] = 'X'
				kills++
			case v.ran:
				row[i] = '.'
			default:
				row[i] = ' '
			}
		}
		checked := strings.Count(string(row), "X")
		fmt.Fprintf(&b, "%-44s %s %2d\n", c.ID, row, kills)
		switch {
		case checked > 0:
			killedCases++
		case c.Level == script.Informational:
			// recorded, never failed: nothing should kill it
		case c.Setup == script.SetupAfterAll:
			// checked once per implementation in a process of its own:
			// TestMisbehavingImplementations shows misbehave-goroutine-leak
			// and misbehave-socket-leak failing these
		case exempt[c.ID] != "":
			t.Logf("%s is killed by no mutant: %s", c.ID, exempt[c.ID])
		case kills > 0:
			t.Errorf("%s: mutants only break its setup (E), none fails its own checks, so it tests nothing yet", c.ID)
		default:
			t.Errorf("%s: no mutant fails this case, so it tests nothing yet", c.ID)
		}
	}
	t.Log("\n" + b.String())
	t.Logf("%d of %d cases failed by at least one of %d mutants in their own checks (X; E, a broken setup, does not count)", killedCases, len(suite.Cases()), len(all))
}

// TestLegalMutantsPassTheContract: a mutant whose behaviour the net.Conn
// contract allows may fail conventions, never the contract.
func TestLegalMutantsPassTheContract(t *testing.T) {
	skipInChild(t)
	m := matrix()
	for _, mu := range mutants.All() {
		if !mu.Legal {
			continue
		}
		for _, c := range suite.Cases() {
			if v := m[mu.Impl.Name][c.ID]; v.killed && c.Level == script.Contract {
				t.Errorf("%s fails contract case %s, which its legal behaviour must pass: %s", mu.Impl.Name, c.ID, v.how)
			}
		}
	}
}

func skipInChild(t *testing.T) {
	if _, _, _, ok := testRunner.Child(); ok {
		t.Skip("an isolated case's child")
	}
}
