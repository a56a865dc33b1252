package runner

import (
	"context"
	"fmt"
	"runtime/pprof"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/script"
)

const (
	// defaultCaseBudget bounds a whole case that sets no Budget.
	defaultCaseBudget = 15 * time.Second
	// maxAttempts bounds the retries of a case that returned late or was
	// inconclusive: at 1×, 2× and 4× the timescale, like the net tests'
	// adaptive timeouts. Early returns are never retried, nor a call still
	// blocked at its watchdog on two attempts in a row (a hang).
	maxAttempts = 3
)

// Run executes case c on implementation im in role and returns the result
// with its evidence. It never calls testing.T and never panics on a
// misbehaving implementation: hangs become Timeout results, panics in the
// implementation's calls become Error results.
//
// The case runs under profiler labels (runtime/pprof) naming it: "case"
// (its ID), "impl" and "role", on the goroutines it starts, directly or
// not, and in the context its calls are given, so that a CPU profile of a
// run (go test -cpuprofile) splits by case: go tool pprof -tags, or
// -tagfocus case=ID. Timer callbacks (time.AfterFunc) carry no labels.
func (rn *Runner) Run(ctx context.Context, im *harness.Impl, c *script.Case, role harness.Role) (res *result.Result) {
	pprof.Do(ctx, pprof.Labels("case", c.ID, "impl", im.Name, "role", string(role)), func(ctx context.Context) {
		res = rn.run(ctx, im, c, role)
	})
	return res
}

// run is Run under its labels.
func (rn *Runner) run(ctx context.Context, im *harness.Impl, c *script.Case, role harness.Role) *result.Result {
	began := time.Now()
	res := &result.Result{
		Impl: im.Name, Case: c.ID, Role: role, Area: c.Area(), Level: c.Level,
		Spec: c.Spec, Catalogue: c.Catalogue, Needs: (c.Needs | c.StepNeeds(im, role)).List(),
	}
	defer func() { res.Duration = time.Since(began) }()
	if out, why := rn.gate(im, c, role); out != "" {
		res.Outcome, res.Reason = out, why
		return res
	}
	isolated := false
	if c.Isolated || c.Wire {
		if !rn.isChildOf(im, c, role) {
			if g, k := rn.sharedGroupOf(im, c, role); g != nil {
				g.runShared(ctx, k, c, role, res)
				return res
			}
			defer rn.lim.acquireImpl(im)()
			defer rn.lim.acquireChild()()
			defer rn.lim.acquire(false, priority(im, c, role))()
			rn.runIsolated(ctx, im, c, role, res)
			return res
		}
		if err := rn.isolation(); err != nil {
			res.Outcome, res.Reason = result.Error, err.Error()
			rn.writeChildResult(res)
			return res
		}
		defer rn.lim.acquireImpl(im)() // a child sharing its namespace runs several cases
		if c.Wire {
			defer rn.serialWire()()
		}
		if c.TakesTurns() {
			rn.turns.Lock()
			defer rn.turns.Unlock()
		}
		isolated = true
	} else {
		defer rn.lim.acquireImpl(im)()
	}
	rn.observe(ctx, im, c, role, isolated, res)
	if isolated {
		rn.writeChildResult(res)
	}
	return res
}

// gate says why a case does not run at all: a malformed declaration
// (error), a question about a kind of transport the implementation is not
// (not applicable), a capability or role it lacks (unsupported), or what
// the environment cannot do (skip).
func (rn *Runner) gate(im *harness.Impl, c *script.Case, role harness.Role) (result.Outcome, string) {
	if err := im.Validate(); err != nil {
		return result.Error, err.Error()
	}
	if err := c.Validate(); err != nil {
		return result.Error, err.Error()
	}
	if c.Area() == "perf" && !rn.cfg.Perf {
		return result.Skip, PerfSkipped
	}
	if c.Setup == script.SetupAfterAll {
		return result.Skip, "checked by the runner (suite.Run) after the implementation's other cases"
	}
	if why := c.NotApplicable(im, role); why != "" {
		return result.NotApplicable, why
	}
	if gap := c.Gap(im, role); gap != "" {
		return result.Unsupported, gap
	}
	if c.Requires != nil {
		if why := c.Requires(im); why != "" {
			return result.Skip, why
		}
	}
	return "", ""
}

// PerfSkipped is why a perf case did not run: measuring, it runs alone in
// its process and would hold every other case.
const PerfSkipped = "perf cases measure alone in their process and would hold every other case: they run in the report (go run ./reports), or with " + EnvPerf + "=1 or -netconform.perf"

// priority orders the cases waiting for a slot, the longer first: an
// isolated case (a child process; the fault cases wait out keepalive and
// retransmission timers), then one the implementation declares it fails
// (it often waits out a window, or runs again while it passes), then the
// rest.
func priority(im *harness.Impl, c *script.Case, role harness.Role) int {
	if c.Isolated || c.Wire {
		return 2
	}
	if _, declared := im.KnownFor(c.ID, role); declared {
		return 1
	}
	return 0
}

// intermittentRuns is how many times a case declared to fail
// intermittently is run while it passes, before the divergence is said to
// be unobserved.
const intermittentRuns = 3

// observe runs the case; a case declared to fail intermittently that
// passes is run again, up to intermittentRuns times, so that a stale
// declaration shows: the divergence not observed in any run is noted in
// the result (and the report lists it), where one failure makes the
// result a known failure.
func (rn *Runner) observe(ctx context.Context, im *harness.Impl, c *script.Case, role harness.Role, isolated bool, res *result.Result) {
	defer rn.lim.acquire(c.Area() == "perf", priority(im, c, role))() // held across runs and attempts: a retry does not queue again
	k, declared := im.KnownFor(c.ID, role)
	base := *res
	for run := 1; ; run++ {
		*res = base
		rn.attempts(ctx, im, c, role, isolated, res)
		if !declared || !k.Intermittent || res.Outcome != result.Pass || ctx.Err() != nil {
			return
		}
		if run == intermittentRuns {
			res.Reason = fmt.Sprintf("%s: the intermittent divergence was not observed in %d runs", result.NotObserved, run)
			return
		}
	}
}

// attempts runs the case until an attempt's result stands, at most
// maxAttempts times, each retry at twice the timescale, and concludes.
func (rn *Runner) attempts(ctx context.Context, im *harness.Impl, c *script.Case, role harness.Role, isolated bool, res *result.Result) {
	env := engine.Env{Impl: im, Role: role, Caps: im.EffectiveCaps(), Dial: c.Dial, Listen: c.Listen, Isolated: isolated, Budget: caseBudget(c)}
	prog := c.Program()
	var retries []string
	overdueBefore := false
	for attempt := 1; ; attempt++ {
		fresh := *res
		clock := engine.Clock{Scale: rn.Timescale * float64(int(1)<<(attempt-1)), Attempt: attempt, Watchdog: rn.Watchdog}
		a := engine.NewAttempt(ctx, env, clock, &fresh, clock.Watch(env.Budget))
		evidence := a.Execute(prog.Setup, prog.Steps, prog.Wire)
		why := a.V.Retry()
		if _, declared := im.KnownFor(c.ID, role); declared && a.V.IsOverdue() {
			// A call still blocked at its watchdog, many times its bound,
			// where the implementation declares it diverges (always or
			// intermittently): the declared divergence, taken like any hang
			// (never retried), rather than waited out again at 2× and 4×
			// (a pipe's Read(nil): 23 s; libp2p-yamux's ten blocked Reads
			// of which Close wakes one: 37 s).
			why = ""
		}
		overdue := a.V.IsOverdue()
		if overdue && overdueBefore && !a.V.IsInconclusive() {
			// Blocked at its watchdog at twice the timescale, as it was
			// on the attempt before: a hang, not a slow machine (unless
			// the harness itself came too late, which is retried). A third
			// attempt would only wait four times as long to say so (a
			// Read bound to 1 s: 4 + 8 + 16 s instead of 4 + 8 s).
			why = ""
		}
		overdueBefore = overdue
		if why != "" && attempt < maxAttempts && ctx.Err() == nil {
			retries = append(retries, fmt.Sprintf("attempt %d at timescale %g: %s", attempt, clock.Scale, why))
			continue
		}
		a.V.Conclude(attempt)
		*res = fresh
		res.Attempts, res.Retries = attempt, retries
		result.Conclude(res, im)
		if res.Outcome != result.Pass && res.Outcome != result.Skip && evidence != "" {
			res.Evidence += evidence
		}
		return
	}
}

func caseBudget(c *script.Case) time.Duration {
	if c.Budget != 0 {
		return c.Budget
	}
	return defaultCaseBudget
}

// watch is a process-level watchdog budget: d stretched by the timescale
// and the watchdog factor.
func (rn *Runner) watch(d time.Duration) time.Duration {
	return engine.ScaleBy(engine.ScaleBy(d, rn.Timescale), rn.Watchdog)
}

// Judge makes the result of an after-all case (SetupAfterAll) from what
// the runner found: pass without findings, fail with them, or skip with a
// reason; then the level and the implementation's known divergences apply
// as to any case.
func Judge(im *harness.Impl, c *script.Case, findings []result.Finding, skip, evidence string, took time.Duration) *result.Result {
	res := &result.Result{
		Impl: im.Name, Case: c.ID, Role: harness.RoleClient, Area: c.Area(), Level: c.Level,
		Spec: c.Spec, Catalogue: c.Catalogue, Needs: c.Needs.List(), Duration: took,
	}
	switch {
	case skip != "":
		res.Outcome, res.Reason = result.Skip, skip
		return res
	case len(findings) > 0:
		res.Outcome, res.Findings, res.Evidence = result.Fail, findings, evidence
	default:
		res.Outcome = result.Pass
	}
	result.Conclude(res, im)
	return res
}
