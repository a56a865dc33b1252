package suite

import (
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/explore"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	"github.com/netconform/netconform/harness/script"
)

// The explorer (harness/explore) runs within Run: besides the cases,
// each implementation is explored for a time budget — generated
// sequences of operations checked against a model of the contract and of
// Go's std net — and what it finds is results like the cases', in the
// area "explore":
//
//   - explore.sequences.clean, one per role explored: pass when the budget
//     ran at least minSequences conclusive sequences and nothing was found;
//     fail when something was; error ("inconclusive: …") when too few
//     sequences ran to say, as when every sequence returned late under load
//     (late returns are retried at 2× and 4× the timescale first, never
//     failed);
//   - explore.<rule> (explore.read.zero-with-data…), one per rule broken, in
//     the rule's level: the shrunk sequence, its seed and a case to paste
//     into a suite file (explore.GoCase) are its evidence;
//   - explore.<rule> for each rule the implementation declares it breaks
//     (harness.Known{Case: "explore.<rule>"}): known-failure when the
//     explorer ran into it, pass noted "not observed" when it did not (a
//     random search proves nothing by missing it).
//
// The budget is -netconform.explore or NETCONFORM_EXPLORE: a time per
// implementation, split between its roles (default 2 s), or a number of
// sequences per role written as go test's -benchtime writes counts
// ("100x": the same sequences every run, however loaded the machine); 0
// turns it off. The seed is NETCONFORM_EXPLORE_SEED (default: derived
// from the implementation's name, the same every run). The runner's
// timescale stretches the tolerances and watchdogs, and the race
// detector's factor the watchdogs.
var exploreFlag exploreValue

func init() {
	flag.Var(&exploreFlag, "netconform.explore",
		"budget of each implementation's exploration (harness/explore) in suite.Run: a time (2s) or sequences per role (100x); 0 turns it off (default "+runner.EnvExplore+" or "+runner.DefaultExplore.String()+")")
}

// exploreValue is the flag's value; set records that it was given.
type exploreValue struct {
	b   runner.ExploreBudget
	set bool
}

func (v *exploreValue) String() string {
	if v == nil || !v.set {
		return ""
	}
	return v.b.String()
}

func (v *exploreValue) Set(s string) error {
	b, err := runner.ParseExploreBudget(s)
	if err != nil {
		return err
	}
	v.b, v.set = b, true
	return nil
}

// exploreBudget is the budget in effect.
func exploreBudget(cfg runner.Config) runner.ExploreBudget {
	if exploreFlag.set {
		return exploreFlag.b
	}
	return cfg.Explore
}

// ExploreRequested reports whether an exploration budget was asked for,
// by the flag or the environment, rather than the default.
func ExploreRequested() bool {
	if exploreFlag.set {
		return true
	}
	cfg, err := runner.ConfigFromEnv()
	return err == nil && cfg.Explore != runner.ExploreBudget{Time: runner.DefaultExplore}
}

// exploreSelected reports whether the filters select the explorer's rows.
func exploreSelected(cfg runner.Config) bool {
	if exploreBudget(cfg).Off() {
		return false
	}
	if cfg.Areas != nil && !slices.Contains(cfg.Areas, "explore") {
		return false
	}
	return cfg.Cases == nil || cfg.Cases.MatchString(explore.CleanCase)
}

// minSequences is how many conclusive sequences an exploration must run
// for its clean row to pass: for a time budget 5 a second, at least 10;
// for a number of sequences, 10 or all of them when fewer.
func minSequences(b runner.ExploreBudget) int {
	if b.Sequences > 0 {
		return min(10, b.Sequences)
	}
	return max(10, int(b.Time.Seconds()*5))
}

// exploreCaseInfo describes the explorer's rows to a report.
func exploreCaseInfo(id string) result.CaseInfo {
	if r, ok := explore.RuleOfCase(id); ok {
		return result.CaseInfo{ID: id, Area: "explore", Level: result.Level(r.Level), Spec: r.Spec}
	}
	return result.CaseInfo{ID: explore.CleanCase, Area: "explore", Level: result.Convention, Spec: cleanSpec}
}

const cleanSpec = "harness/explore: generated sequences of operations, each checked against a model of the net.Conn and net.PacketConn contracts and of Go's std net on Linux, break no rule the implementation does not declare; the budget ran enough of them to say so"

// exploreRows is what the explorer plans to report for im: the clean row
// of each role, and a row per declared divergence.
func exploreRows(im *harness.Impl, setup time.Duration) ([]explore.Exploration, []string, error) {
	xs, err := explore.Explorations(im, setup)
	if err != nil {
		return nil, nil, err
	}
	var keys []string
	for _, x := range xs {
		keys = append(keys, explore.CleanCase+"/"+string(x.Role))
		for _, id := range sortedKnown(x.Known) {
			keys = append(keys, "explore."+id+"/"+string(x.Role))
		}
	}
	return xs, keys, nil
}

func sortedKnown(m map[string]bool) []string {
	var ids []string
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// explorationOptions are one exploration's options in this process.
func explorationOptions(rn *runner.Runner, im *harness.Impl, x explore.Exploration, budget runner.ExploreBudget) explore.Options {
	seed := rn.Config().ExploreSeed
	if seed == 0 {
		h := fnv.New64a()
		h.Write([]byte(im.Name + "/" + string(x.Role)))
		seed = h.Sum64()>>1 | 1
	}
	return explore.Options{
		Budget:       budget.Time,
		Sequences:    budget.Sequences,
		MinSequences: minSequences(budget),
		Seed:         seed,
		Timescale:    rn.Timescale,
		Tolerance:    script.Tolerance,
		Watchdog:     time.Duration(float64(3*time.Second) * rn.Watchdog),
		ShrinkTime:   10 * time.Second,
		MaxFindings:  5,
		Known:        x.Known,
	}
}

// exploreImpl runs im's explorations one after another, each with its
// share of the budget, and returns their rows.
func exploreImpl(ctx context.Context, rn *runner.Runner, im *harness.Impl, xs []explore.Exploration) []*result.Result {
	budget := exploreBudget(rn.Config())
	var rows []*result.Result
	for _, x := range xs {
		share := budget
		share.Time /= time.Duration(len(xs)) // a number of sequences is per role
		o := explorationOptions(rn, im, x, share)
		rep := explore.Explore(ctx, x.Subject, o)
		rows = append(rows, explorationRows(im, x, share, &rep)...)
	}
	return rows
}

// explorationRows turns one exploration's report into results.
func explorationRows(im *harness.Impl, x explore.Exploration, budget runner.ExploreBudget, rep *explore.Report) []*result.Result {
	role := x.Role
	stats := fmt.Sprintf("%d sequences (%d steps) in %v, %.0f/s, seed %#x; %d retried at a larger timescale, %d still late (inconclusive)",
		rep.Sequences, rep.Steps, rep.Elapsed.Round(time.Millisecond), rep.PerSecond(), rep.Seed, rep.Retries, rep.Inconclusive-len(rep.Unconfirmed))
	if rep.Stalled > 0 {
		stats += fmt.Sprintf("; budget extended by %v while a shrink held the generator", rep.Stalled.Round(time.Millisecond))
	}
	if len(rep.Hung) > 0 {
		stats += fmt.Sprintf("; %d calls left hung: %s", len(rep.Hung), strings.Join(rep.Hung[:min(3, len(rep.Hung))], "; "))
	}
	if un := rep.Unconfirmed; len(un) > 0 {
		stats += fmt.Sprintf("; %d violations not confirmed by replays (inconclusive): %s", len(un), strings.Join(un[:min(3, len(un))], "; "))
	}
	clean := &result.Result{
		Impl: im.Name, Case: explore.CleanCase, Role: role, Area: "explore", Level: result.Convention, Spec: cleanSpec,
		Metrics: map[string]float64{"sequences": float64(rep.Sequences), "sequences_per_second": rep.PerSecond(),
			"inconclusive": float64(rep.Inconclusive), "findings": float64(len(rep.Findings))},
		Duration: rep.Elapsed,
	}
	var rows []*result.Result
	need := minSequences(budget)
	switch {
	case rep.Err != nil:
		clean.Outcome, clean.Reason = result.Error, "the exploration could not run: "+rep.Err.Error()
	case len(rep.Findings) > 0:
		clean.Outcome = result.Fail
		var ids []string
		for _, f := range rep.Findings {
			ids = append(ids, explore.RuleCase(f.Rule))
		}
		clean.Reason = fmt.Sprintf("%d rules broken (%s): see their rows; %s", len(ids), strings.Join(ids, ", "), stats)
		clean.Findings = []result.Finding{{Call: "explore " + im.Name, Got: strings.Join(ids, ", ") + " broken", Want: "no rule broken"}}
	case rep.Conclusive() < need:
		clean.Outcome = result.Error
		clean.Reason = fmt.Sprintf("inconclusive: %d conclusive sequences, want at least %d for a %v budget; %s", rep.Conclusive(), need, budget, stats)
	default:
		clean.Outcome, clean.Reason = result.Pass, stats
	}
	rows = append(rows, clean)
	for _, f := range rep.Findings {
		rows = append(rows, findingRow(im, x, rep, f))
	}
	for _, id := range sortedKnown(x.Known) {
		rows = append(rows, knownRow(im, x, rep, id))
	}
	return rows
}

func findingRow(im *harness.Impl, x explore.Exploration, rep *explore.Report, f explore.Finding) *result.Result {
	res := &result.Result{
		Impl: im.Name, Case: explore.RuleCase(f.Rule), Role: x.Role, Area: "explore", Level: result.Level(f.Rule.Level), Spec: f.Rule.Spec,
		Outcome:    result.Fail,
		Findings:   []result.Finding{{Step: f.Step + 1, Call: f.Call, Got: f.Got, Want: f.WantText}},
		Transcript: transcript(f.Ops, f.Step),
		Evidence: fmt.Sprintf("seed %#x (sequence %d of exploration seed %#x), shrunk from %d to %d steps in %d runs; the shrunk list replays as %s (%d of %d replays failed by it)\n"+
			"case (paste into a suite file's case table; it imports github.com/netconform/netconform/harness/script as h):\n%s",
			f.Seed, f.Sequences, rep.Seed, f.Original, len(f.Ops), f.Attempts, f.Replayed, f.Reproduced, f.Replays, f.Case),
	}
	result.Conclude(res, im)
	return res
}

func knownRow(im *harness.Impl, x explore.Exploration, rep *explore.Report, id string) *result.Result {
	r, _ := explore.RuleOfCase("explore." + id)
	res := &result.Result{Impl: im.Name, Case: "explore." + id, Role: x.Role, Area: "explore", Level: result.Level(r.Level), Spec: r.Spec}
	k, seen := rep.Known[id]
	if !seen {
		kd, _ := im.KnownFor(res.Case, x.Role)
		res.Outcome, res.Known = result.Pass, &kd
		res.Reason = fmt.Sprintf("%s: the explorer did not run into this declared divergence in %d sequences", result.NotObserved, rep.Sequences)
		return res
	}
	res.Outcome = result.Fail
	call, rest, _ := strings.Cut(k.Message, " = ")
	got, want, _ := strings.Cut(rest, ", want ")
	res.Findings = []result.Finding{{Call: call, Got: got, Want: want}}
	res.Evidence = fmt.Sprintf("seen in %d sequences, first in the sequence of seed %#x:\n%s", k.Count, k.Seed, k.Transcript)
	result.Conclude(res, im)
	return res
}

// transcript turns a sequence into a result's transcript.
func transcript(ops []explore.Op, failing int) []result.Obs {
	var out []result.Obs
	for i, op := range ops {
		o := result.Obs{Step: i + 1, Call: op.String(), Verdict: "ok"}
		if g := op.Got; g != nil {
			if op.Kind != explore.Go && (g.Hung || op.Kind != explore.StillBlocked) {
				o.Value = g.String()
			}
			o.Took = g.Took
		}
		switch {
		case op.Kind == explore.Go:
			o.Verdict = "started"
		case i == failing:
			o.Verdict = "fail"
			if op.Got != nil {
				o.Note = op.Got.Fail
			}
		}
		out = append(out, o)
	}
	return out
}

// startExplore begins im's explorations once wait (if not nil) returns.
func startExplore(rn *runner.Runner, im *harness.Impl, xs []explore.Exploration, wait func()) chan []*result.Result {
	out := make(chan []*result.Result, 1)
	go func() {
		if wait != nil {
			wait()
		}
		out <- exploreImpl(context.Background(), rn, im, xs)
	}()
	return out
}

// reportExplore starts an exploration and reports its rows as subtests of
// t: explore/<case>/<role>. It starts nothing when -run leaves the
// explore subtest out.
func reportExplore(t *testing.T, col *collector, start func() chan []*result.Result) {
	t.Run("explore", func(t *testing.T) {
		rows := start()
		t.Parallel()
		for _, res := range <-rows {
			t.Run(res.Case+"/"+string(res.Role), func(t *testing.T) { col.report(t, res) })
		}
	})
}

// Explore runs only the explorer on im, as Run does beside the cases
// (see Run): go test ./suite -run Explore -netconform.explore=2m.
func Explore(t *testing.T, im harness.Impl) *Results {
	t.Helper()
	col := &collector{}
	rn, err := process()
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := CheckKnown(&im); err != nil {
		t.Fatal(err)
	}
	t.Run(im.Name, func(t *testing.T) {
		t.Parallel()
		if why := unavailable(&im); why != "" {
			t.Skip(why)
		}
		if im.Close != nil {
			t.Cleanup(im.Close)
		}
		if exploreBudget(rn.Config()).Off() {
			t.Skip("exploring is off (" + runner.EnvExplore + "=0)")
		}
		xs, keys, err := exploreRows(&im, rn.Config().Watchdog(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		col.announceExplore(t, rn, &im, keys)
		reportExplore(t, col, func() chan []*result.Result { return startExplore(rn, &im, xs, nil) })
	})
	return &Results{col}
}

// announceExplore emits the run and the implementation with the
// explorer's planned rows only.
func (col *collector) announceExplore(t *testing.T, rn *runner.Runner, im *harness.Impl, keys []string) {
	info := result.Describe(im)
	info.Planned = keys
	infos := []result.CaseInfo{exploreCaseInfo(explore.CleanCase)}
	seen := map[string]bool{}
	for _, k := range keys {
		id, _, _ := strings.Cut(k, "/")
		if id != explore.CleanCase && !seen[id] {
			seen[id] = true
			infos = append(infos, exploreCaseInfo(id))
		}
	}
	emit(t, result.KeyRun, runInfo(rn))
	emit(t, result.KeyImpl, info)
	emit(t, result.KeyCases, infos)
}
