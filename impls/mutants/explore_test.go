package mutants_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netconform/netconform/harness/explore"
	"github.com/netconform/netconform/impls/mutants"
)

// envExploreMutants is the exploration budget of each mutant in
// TestExplorerAlone (a Go duration); unset, the test is skipped.
const envExploreMutants = "NETCONFORM_EXPLORE_MUTANTS"

// explored is what the explorer alone made of one mutant.
type explored struct {
	rules     []string // rules broken, by the rows' case IDs
	setup     string   // the exploration could not run: why
	sequences int
	took      time.Duration
}

func (e explored) caught() bool { return len(e.rules) > 0 }

// explorerVerdicts explores, once per process, each mutant that passes
// every hand-written case (the kill matrix and the nettest comparison
// count what the explorer catches of them: netconform is both): 20 s
// without shrinking, as TestExplorerAlone, from seed 1, then seeds 2 and 3
// while it finds nothing (a timing bug may need its moment: the run that
// missed read-deadline-per-call at seed 1 ran 2775 sequences).
var explorerVerdicts = sync.OnceValue(func() map[string]explored {
	m := matrix()
	out := map[string]explored{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, x := range mutants.All() {
		killed := false
		for _, v := range m[x.Impl.Name] {
			killed = killed || v.killed
		}
		if killed {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var e explored
			for seed := uint64(1); seed <= 3 && !e.caught(); seed++ {
				n := e.sequences
				e, _ = exploreMutant(context.Background(), x, 20*time.Second, seed, true, 1)
				e.sequences += n
			}
			mu.Lock()
			out[x.Impl.Name] = e
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
})

// exploreMutant explores m in every role, with budget split between them.
//
// With enough > 0 it stops at that many findings, in the first roles that
// give them; with 0 it looks for up to 3 in each role for the whole budget.
func exploreMutant(ctx context.Context, m mutants.Mutant, budget time.Duration, seed uint64, noShrink bool, enough int) (explored, []explore.Finding) {
	var e explored
	var all []explore.Finding
	begin := time.Now()
	xs, err := explore.Explorations(&m.Impl, 5*time.Second)
	if err != nil {
		e.setup = err.Error()
		return e, nil
	}
	perRole := 3
	if enough > 0 {
		perRole = enough
	}
	for _, x := range xs {
		if enough > 0 && len(all) >= enough {
			break
		}
		rep := explore.Explore(ctx, x.Subject, explore.Options{
			Budget: budget / time.Duration(len(xs)), Seed: seed, MaxFindings: perRole, NoShrink: noShrink,
			ShrinkTime: 10 * time.Second, Known: x.Known,
		})
		e.sequences += rep.Sequences
		if rep.Err != nil && e.setup == "" {
			e.setup = string(x.Role) + ": " + rep.Err.Error()
		}
		for _, f := range rep.Findings {
			id := explore.RuleCase(f.Rule)
			if !slices.Contains(e.rules, id) {
				e.rules = append(e.rules, id)
			}
			all = append(all, f)
		}
	}
	e.took = time.Since(begin)
	return e, all
}

// firstFinding explores m in every role at once, each for the whole
// budget, shrinking, and returns the first finding confirmed on replay,
// cancelling the other roles' explorations as it comes: a bug that one
// role alone shows (a listener's) is found without waiting out the other
// roles' shares of the budget first, as exploreMutant's one role after
// another does (27 s of TestPastedCases' 28 s went to two listener
// mutants, 2 100 sequences of the stream roles each before their
// listener's turn).
func firstFinding(m mutants.Mutant, budget time.Duration, seed uint64) (explored, []explore.Finding) {
	var e explored
	begin := time.Now()
	xs, err := explore.Explorations(&m.Impl, 5*time.Second)
	if err != nil {
		e.setup = err.Error()
		return e, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var first []explore.Finding
	var wg sync.WaitGroup
	for _, x := range xs {
		wg.Go(func() {
			rep := explore.Explore(ctx, x.Subject, explore.Options{
				Budget: budget, Seed: seed, MaxFindings: 1, ShrinkTime: 10 * time.Second, Known: x.Known,
			})
			mu.Lock()
			defer mu.Unlock()
			e.sequences += rep.Sequences
			if rep.Err != nil && e.setup == "" && ctx.Err() == nil {
				e.setup = string(x.Role) + ": " + rep.Err.Error()
			}
			if len(rep.Findings) > 0 && len(first) == 0 { // Explore reports only findings that replayed as failing
				f := rep.Findings[0]
				first = []explore.Finding{f}
				e.rules = append(e.rules, explore.RuleCase(f.Rule))
				cancel()
			}
		})
	}
	wg.Wait()
	e.took = time.Since(begin)
	return e, first
}

// TestExplorerAlone runs the explorer, without any hand-written case, on
// every mutant and on the bug-free wrappers, and prints which mutants it
// catches: a finding (a rule broken) catches a mutant; an exploration that
// cannot run (its setup fails or hangs) is listed apart. The wrappers
// must give no finding. It is long: NETCONFORM_EXPLORE_MUTANTS=20s gives
// each mutant 20 s (NETCONFORM_EXPLORE_MUTANTS_PARALLEL mutants at once,
// default 6).
func TestExplorerAlone(t *testing.T) {
	skipInChild(t)
	budget, err := time.ParseDuration(os.Getenv(envExploreMutants))
	if err != nil || budget <= 0 {
		t.Skipf("long run: set %s to a budget per mutant (20s)", envExploreMutants)
	}
	par, _ := strconv.Atoi(os.Getenv(envExploreMutants + "_PARALLEL"))
	if par <= 0 {
		par = 6
	}
	original := map[string]bool{}
	for _, m := range mutants.All() {
		original[m.Impl.Name] = true
	}
	for _, m := range mutants.Unforeseen() {
		delete(original, m.Impl.Name)
	}
	all := append(mutants.All(), mutants.Controls()...)
	results := make([]explored, len(all))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, m := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i], _ = exploreMutant(context.Background(), m, budget, 1, true, 0)
		}()
	}
	wg.Wait()
	var b strings.Builder
	count := map[string][2]int{} // kind → caught, total
	var missed []string
	for i, m := range all {
		e := results[i]
		kind := "unforeseen"
		switch {
		case strings.HasPrefix(m.Impl.Name, "mutant-control"):
			kind = "control"
		case original[m.Impl.Name]:
			kind = "original"
		}
		verdict := "missed"
		switch {
		case e.caught():
			verdict = "caught"
		case e.setup != "":
			verdict = "setup"
		}
		if kind == "control" {
			if e.caught() || e.setup != "" {
				t.Errorf("the bug-free wrapper %s: findings %v, setup %q", m.Impl.Name, e.rules, e.setup)
			}
		} else {
			c := count[kind]
			c[1]++
			if e.caught() {
				c[0]++
			} else {
				missed = append(missed, fmt.Sprintf("%s (%s): %s", m.Impl.Name, kind, m.Bug))
			}
			count[kind] = c
		}
		fmt.Fprintf(&b, "%-40s %-10s %-7s %6d seq %6.1fs  %s", m.Impl.Name, kind, verdict, e.sequences, e.took.Seconds(), strings.Join(e.rules, " "))
		if e.setup != "" {
			fmt.Fprintf(&b, "  [could not run: %s]", e.setup)
		}
		b.WriteString("\n")
	}
	t.Logf("the explorer alone, %v per mutant:\n%s", budget, b.String())
	for _, kind := range []string{"original", "unforeseen"} {
		t.Logf("%s mutants caught by the explorer alone: %d of %d", kind, count[kind][0], count[kind][1])
	}
	t.Logf("missed:\n  %s", strings.Join(missed, "\n  "))
}

// TestExploreOne explores the mutant NETCONFORM_EXPLORE_ONE names, for
// NETCONFORM_EXPLORE_MUTANTS (default 20 s), and prints each finding
// shrunk, with its case.
func TestExploreOne(t *testing.T) {
	skipInChild(t)
	name := os.Getenv("NETCONFORM_EXPLORE_ONE")
	if name == "" {
		t.Skip("set NETCONFORM_EXPLORE_ONE to a mutant's name")
	}
	budget, err := time.ParseDuration(os.Getenv(envExploreMutants))
	if err != nil {
		budget = 20 * time.Second
	}
	for _, m := range append(mutants.All(), mutants.Controls()...) {
		if m.Impl.Name != name && m.Impl.Name != "mutant-"+name {
			continue
		}
		e, fs := exploreMutant(context.Background(), m, budget, 1, false, 0)
		t.Logf("%s: %d sequences, setup %q, rules %v", m.Impl.Name, e.sequences, e.setup, e.rules)
		for _, f := range fs {
			t.Logf("%s\n%s", f.String(), f.Case)
		}
		return
	}
	t.Fatalf("no mutant %s", name)
}

// pastedMutants are the mutants whose findings TestPastedCases turns into
// cases: one of each kind of sequence, and a bug the case language needs
// a Func step to show.
var pastedMutants = []string{
	"mutant-closed-is-eof", "mutant-eof-wrapped", "mutant-udp-short-buffer-error", "mutant-accept-closed-custom",
	"mutant-listener-addr-unspecified", "mutant-zero-write-is-fin", "mutant-read-ring-wrap",
}

// TestPastedCases: the case the explorer prints for a finding, pasted into
// a suite file, fails on the mutant and passes on the controls (the
// bug-free wrapper and Go's std net). The cases are written into a test
// package of a module of their own, which requires this repository's
// modules through replace directives, and run there with the runner.
func TestPastedCases(t *testing.T) {
	skipInChild(t)
	if testing.Short() {
		t.Skip("explores several mutants and builds a separate module")
	}
	var mu sync.Mutex
	var cases, targets []string
	var wg sync.WaitGroup
	for _, name := range pastedMutants {
		var m mutants.Mutant
		for _, x := range mutants.All() {
			if x.Impl.Name == name {
				m = x
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, fs := firstFinding(m, 30*time.Second, 1)
			mu.Lock()
			defer mu.Unlock()
			if len(fs) == 0 {
				t.Errorf("%s: no finding (%d sequences, setup %q)", name, e.sequences, e.setup)
				return
			}
			f := fs[0]
			if f.Replayed != explore.Fail {
				t.Errorf("%s: the shrunk list does not fail on replay: %s", name, f.Replayed)
			}
			cases = append(cases, f.Case)
			targets = append(targets, fmt.Sprintf("\t%q: %q,\n", explore.CaseID(f), name))
		}()
	}
	wg.Wait()
	if len(cases) == 0 {
		t.Fatal("no case to paste")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module example.com/pasted\n\ngo 1.26.8\n\nrequire (\n\tgithub.com/netconform/netconform v0.0.0\n\tgithub.com/netconform/netconform/impls/mutants v0.0.0\n)\n\n" +
		"replace github.com/netconform/netconform => " + root + "\n\nreplace github.com/netconform/netconform/impls/mutants => " + filepath.Join(root, "impls/mutants") + "\n"
	src := `package pasted

import (
	"context"
	"testing"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	h "github.com/netconform/netconform/harness/script"
	"github.com/netconform/netconform/impls/mutants"
	"github.com/netconform/netconform/impls/stdnet"
)

var _ = time.Second

// pasted are the explorer's cases, as printed.
var pasted = []h.Case{
` + strings.Join(cases, "") + `}

// targets maps each case to the mutant it was found on.
var targets = map[string]string{
` + strings.Join(targets, "") + `}

func TestPasted(t *testing.T) {
	cfg, err := runner.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	rn := runner.New(cfg)
	byName := map[string]harness.Impl{}
	for _, m := range mutants.All() {
		byName[m.Impl.Name] = m.Impl
	}
	for i := range pasted {
		c := &pasted[i]
		role := c.Roles[0]
		run := func(im harness.Impl) *result.Result { return rn.Run(context.Background(), &im, c, role) }
		if res := run(byName[targets[c.ID]]); res.Outcome != result.Fail && res.Outcome != result.Timeout {
			t.Errorf("%s on %s: %s, want fail\n%s", c.ID, targets[c.ID], res.Outcome, res.Format())
		} else {
			t.Logf("%s fails on %s: %s", c.ID, targets[c.ID], res.Summary())
		}
		std := stdnet.TCP
		if c.Setup == h.SetupPacket {
			std = stdnet.UDP
		}
		for _, im := range []harness.Impl{mutants.Control().Impl, std} {
			if res := run(im); res.Outcome != result.Pass {
				t.Errorf("%s on the control %s: %s, want pass\n%s", c.ID, im.Name, res.Outcome, res.Format())
			}
		}
	}
}
`
	for name, body := range map[string]string{"go.mod": gomod, "pasted_test.go": src} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := os.ReadFile("go.sum"); err == nil {
		os.WriteFile(filepath.Join(dir, "go.sum"), b, 0o644)
	}
	cmd := exec.Command("go", "test", "-count=1", "-v", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the pasted cases: %v\n%s", err, out)
	}
	t.Logf("pasted cases:\n%s\n%s", strings.Join(cases, ""), out)
}
