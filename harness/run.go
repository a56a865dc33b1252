package harness

import (
	"context"
	"fmt"
	"os/exec"
	"runtime/debug"
	"sync"
	"time"

	"github.com/netconform/netconform/harness/wire"
)

// RunOptions tune one Run.
type RunOptions struct {
	// Reexec returns a command that runs exactly this case again in a child
	// process: the test binary with a -test.run pattern selecting it. The
	// harness adds the environment and namespace flags. Isolated cases are
	// skipped without it. suite.Run provides it.
	Reexec func() *exec.Cmd
}

// run is the state of one case being executed.
type run struct {
	ctx    context.Context
	cancel context.CancelFunc
	im     *Impl
	c      *Case
	role   Role
	caps   Caps
	res    *Result
	start  time.Time

	mu        sync.Mutex // guards res.Findings, res.Allowed, res.Transcript, res.Metrics from Func goroutines
	eps       map[string]*endpoint
	order     []*endpoint
	async     map[string]*asyncOp
	calls     inflight
	scope     *scope
	evidence  string // from CaseEvidence providers, after teardown
	stops     []func()
	stepStart []time.Time
	tmpdirs   []string

	scale   float64 // timescale of this attempt
	attempt int
	failed  bool // a finding stopped the script
	hard    bool // a finding that no retry can change
	late    bool // the only findings are upper-bound timing misses
	lateNow bool // the finding being judged is late only
	// inconclusive: the harness itself acted too late to set the scenario
	// up (the machine is loaded); the attempt proves nothing either way.
	inconclusive string
	hung         bool // a call outlived its watchdog
	broken       bool // the harness or adapter could not go on: outcome Error
	skipped      bool // the environment cannot run the case: outcome Skip
	isolated     bool // running inside the case's own network namespace
	trace        *wire.Trace
	wireMark     time.Time
	dlChanges    []dlChange
}

// dlChange is a deadline a script changed, and when the change completed.
type dlChange struct {
	ep         *endpoint
	read       bool // the read deadline (false: the write deadline)
	prev, next time.Time
	done       time.Time
}

// asyncOp is a background operation started by Go.
type asyncOp struct {
	step  Step
	idx   int
	ep    *endpoint
	start time.Time
	dl    time.Time // the endpoint's deadline for this direction when it started
	ch    <-chan callResult
	res   callResult
	done  bool
	// blocked: a StillBlocked step saw it blocked, so returning before the
	// trigger is a failure.
	blocked bool
}

// Run executes case c on implementation im in role, and returns the result
// with its evidence. It never calls testing.T and never panics on a
// misbehaving implementation: hangs become Timeout results, panics in the
// adapter's calls become Error results.
func Run(ctx context.Context, im *Impl, c *Case, role Role, o RunOptions) *Result {
	began := time.Now()
	res := &Result{
		Impl: im.Name, Case: c.ID, Role: role, Area: c.Area(), Level: c.Level,
		Spec: c.Spec, Catalogue: c.Catalogue, Needs: c.Needs.List(),
	}
	defer func() { res.Duration = time.Since(began) }()

	if err := im.Validate(); err != nil {
		res.Outcome, res.Reason = Error, err.Error()
		return res
	}
	if err := c.Validate(); err != nil {
		res.Outcome, res.Reason = Error, err.Error()
		return res
	}
	if c.Setup == SetupAfterAll {
		res.Outcome, res.Reason = Skip, "checked by the runner (suite.Run) after the implementation's other cases"
		return res
	}
	if missing := c.Needs &^ im.EffectiveCaps(); missing != 0 {
		res.Outcome = Unsupported
		res.Reason = fmt.Sprintf("%s does not declare %s", im.Name, missing)
		if missing.Has(CapFullClose) {
			res.Reason += " (close mode half: Close only closes the write side, as documented)"
		}
		return res
	}
	if gap := im.roleGap(c, role); gap != "" {
		res.Outcome, res.Reason = Unsupported, fmt.Sprintf("%s: %s", im.Name, gap)
		return res
	}
	if c.Requires != nil {
		if why := c.Requires(im); why != "" {
			res.Outcome, res.Reason = Skip, why
			return res
		}
	}

	isolated := false
	if c.Isolated || c.Wire {
		if !isChild(im, c, role) {
			release := acquireImpl(im)
			defer release()
			releaseAll := acquire(false)
			defer releaseAll()
			runIsolated(ctx, im, c, role, o, res)
			return res
		}
		if childSetupErr != nil {
			res.Outcome, res.Reason = Error, childSetupErr.Error()
			writeChildResult(res)
			return res
		}
		isolated = true
	}

	var retries []string
	if !isolated {
		release := acquireImpl(im)
		defer release()
	}
	for attempt := 1; ; attempt++ {
		release := acquire(c.Area() == "perf")
		fresh := *res
		r := newRun(ctx, im, c, role, &fresh, attempt)
		r.isolated = isolated
		r.execute()
		release()
		why := r.retryReason()
		if why != "" && attempt < maxAttempts && ctx.Err() == nil {
			retries = append(retries, fmt.Sprintf("attempt %d at timescale %g: %s", attempt, r.scale, why))
			continue
		}
		*res = fresh
		res.Attempts, res.Retries = attempt, retries
		if r.inconclusive != "" {
			r.broken = true
			res.Reason = "inconclusive after " + fmt.Sprint(attempt) + " attempts: " + r.inconclusive
		}
		finish(res, im, r)
		if isolated {
			writeChildResult(res)
		}
		return res
	}
}

// retryReason says why an attempt proves nothing final: it only returned
// late, or the harness acted too late. Empty means the result stands.
func (r *run) retryReason() string {
	switch {
	case r.hard || r.broken || r.skipped:
		return ""
	case r.inconclusive != "":
		return "inconclusive: " + r.inconclusive
	case r.late && len(r.res.Findings) > 0:
		return "late: " + r.res.Findings[0].String()
	}
	return ""
}

func newRun(ctx context.Context, im *Impl, c *Case, role Role, res *Result, attempt int) *run {
	budget := c.Budget
	if budget == 0 {
		budget = defaultCaseBudget
	}
	r := &run{
		im: im, c: c, role: role, caps: im.EffectiveCaps(), res: res,
		eps: map[string]*endpoint{}, async: map[string]*asyncOp{}, scope: &scope{},
		attempt: attempt, scale: Timescale() * float64(int(1)<<(attempt-1)),
	}
	r.ctx, r.cancel = context.WithTimeout(withScope(ctx, r.scope), r.watch(budget))
	return r
}

// execute sets up the topology, runs the script and tears everything down.
func (r *run) execute() {
	defer r.cancel()
	r.start = time.Now()
	r.stepStart = make([]time.Time, len(r.c.Script))
	if r.c.Wire {
		r.startWire()
	}
	if r.safeSetup() {
		for i, s := range r.c.Script {
			if r.failed || r.hung || r.broken {
				break
			}
			if r.ctx.Err() != nil {
				r.hung = true
				r.finding(Finding{Step: i + 1, Call: s.call(), Got: fmt.Sprintf("case still running after its %v budget", r.watch(r.caseBudget())), Want: "the case to finish"})
				break
			}
			r.stepStart[i] = time.Now()
			r.safeExec(i, s)
		}
	}
	r.teardown()
	if r.trace != nil {
		r.stopWire()
	}
}

func (r *run) caseBudget() time.Duration {
	if r.c.Budget != 0 {
		return r.c.Budget
	}
	return defaultCaseBudget
}

// safeSetup builds the topology; a panic there (the harness tripping over
// something an implementation returned) ends the case as an error with the
// stack, not the test process.
func (r *run) safeSetup() (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			r.broken = true
			r.finding(Finding{Call: "setup", Got: fmt.Sprintf("panic: %v\n%s", p, debug.Stack()), Want: "no panic"})
			ok = false
		}
	}()
	return r.setup()
}

// safeExec runs one step, turning a panic in the adapter into an Error.
func (r *run) safeExec(i int, s Step) {
	defer func() {
		if p := recover(); p != nil {
			r.broken = true
			r.finding(Finding{Step: i + 1, Call: s.call(), Got: fmt.Sprintf("panic: %v", p), Want: "no panic"})
		}
	}()
	r.exec(i, s)
}

// finish turns what the run saw into an outcome, then applies the
// implementation's known divergences.
func finish(res *Result, im *Impl, r *run) {
	switch {
	case r.skipped:
		res.Outcome = Skip
		res.Findings = nil
	case r.broken:
		res.Outcome = Error
		if res.Reason == "" && len(res.Findings) > 0 {
			res.Reason = res.Findings[0].String()
		}
	case r.hung:
		res.Outcome = Timeout
	case len(res.Findings) > 0:
		res.Outcome = Fail
	default:
		res.Outcome = Pass
	}
	applyLevel(res)
	applyKnown(res, im)
	if res.Outcome != Pass && res.Outcome != Skip && r.evidence != "" {
		res.Evidence += r.evidence
	}
}

// applyLevel: informational cases are recorded, never failed.
func applyLevel(res *Result) {
	if res.Level == Informational && (res.Outcome == Fail || res.Outcome == Timeout) {
		res.Outcome = Info
	}
}

// applyKnown maps a failure the implementation declares to KnownFailure,
// and a pass of a declared case to UnexpectedPass (unless the declared
// divergence is intermittent).
func applyKnown(res *Result, im *Impl) {
	k, ok := im.KnownFor(res.Case, res.Role)
	if !ok {
		return
	}
	res.Known = &k
	switch res.Outcome {
	case Fail, Timeout:
		res.Outcome = KnownFailure
		res.Reason = k.Reason
	case Pass, Info:
		if k.Intermittent {
			return
		}
		res.Outcome = UnexpectedPass
		res.Findings = append(res.Findings, Finding{
			Call: "known divergence " + res.Case,
			Got:  "pass",
			Want: "fail (" + k.Reason + "); delete the entry from " + im.Name + "'s Known list",
		})
	}
}

// finding records a deviation and stops the script.
func (r *run) finding(f Finding) {
	r.mu.Lock()
	r.res.Findings = append(r.res.Findings, f)
	r.mu.Unlock()
	r.failed = true
	r.hard = true
}

// lateFinding records an upper-bound timing miss: the case is retried at a
// larger timescale before it counts.
func (r *run) lateFinding(f Finding) {
	r.mu.Lock()
	r.res.Findings = append(r.res.Findings, f)
	r.mu.Unlock()
	r.failed = true
	r.late = true
}

// inconclusivef records that the harness could not set the scenario up in
// time, and stops the script: the attempt is retried.
func (r *run) inconclusivef(format string, args ...any) {
	r.inconclusive = fmt.Sprintf(format, args...)
	r.failed = true
}

// allowed records a non-preferred but acceptable outcome.
func (r *run) allowed(f Finding) {
	r.mu.Lock()
	r.res.Allowed = append(r.res.Allowed, f)
	r.mu.Unlock()
}

// record appends an observation to the transcript.
func (r *run) record(o Obs) {
	r.mu.Lock()
	r.res.Transcript = append(r.res.Transcript, o)
	r.mu.Unlock()
}

// brokenf records that the harness or the adapter cannot go on.
func (r *run) brokenf(step int, call, format string, args ...any) {
	r.broken = true
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	r.res.Findings = append(r.res.Findings, Finding{Step: step, Call: call, Got: msg, Want: "a runnable case"})
	if r.res.Reason == "" {
		r.res.Reason = call + ": " + msg
	}
	r.mu.Unlock()
}

// labelStart is when the step labelled name started.
func (r *run) labelStart(name string) time.Time {
	for j, s := range r.c.Script {
		if s.label == name {
			return r.stepStart[j]
		}
	}
	return r.start
}

// since is the offset of t from the case's start.
func (r *run) since(t time.Time) time.Duration { return t.Sub(r.start) }

// Judge makes the result of an after-all case (SetupAfterAll) from what
// the runner found: pass without findings, fail with them, or skip with a
// reason; then the level and the implementation's known divergences apply
// as to any case.
func Judge(im *Impl, c *Case, findings []Finding, skip, evidence string, took time.Duration) *Result {
	res := &Result{
		Impl: im.Name, Case: c.ID, Role: RoleClient, Area: c.Area(), Level: c.Level,
		Spec: c.Spec, Catalogue: c.Catalogue, Needs: c.Needs.List(), Duration: took,
	}
	switch {
	case skip != "":
		res.Outcome, res.Reason = Skip, skip
		return res
	case len(findings) > 0:
		res.Outcome, res.Findings, res.Evidence = Fail, findings, evidence
	default:
		res.Outcome = Pass
	}
	applyLevel(res)
	applyKnown(res, im)
	return res
}
