package script

import (
	"fmt"
	"slices"
	"time"

	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/result"
)

// A callSpec is what one call step does, for the pipeline every family
// whose step makes one blocking call of the implementation shares: a
// watchdog, then the family's own before/after checks and effects, then
// the judgement of errors, counts, data and timing.
type callSpec struct {
	e  *engine.Endpoint // acted on; nil when the call makes its endpoint
	dl time.Time        // the deadline that applies to the call
	// do is the call itself.
	do func() engine.Ret
	// budget is the nominal watchdog budget (before scaling) when it is
	// not the default.
	budget time.Duration
	// settled, when set, runs after the call returned and reports false
	// when the attempt proved nothing (it recorded why).
	settled func(ret engine.Ret, start time.Time) bool
	// effect records what the call made or changed.
	effect func(ret engine.Ret)
	// extra are the family's own checks of the result.
	extra func(ret engine.Ret) []string
	// progress, when set, is recorded by do whenever it moves bytes: the
	// watchdog then counts from the last progress (bulk transfers).
	progress *engine.Progress
}

// A caller is a family whose step makes one blocking call: prepare says
// what the call is, so that it can run in sequence (runCaller) or in the
// background (Go). It reports false when the step cannot run (it recorded
// why).
type caller interface {
	prepare(a *engine.Attempt, s Step, i int) (callSpec, bool)
}

// runCaller runs a caller's step in sequence.
func runCaller(a *engine.Attempt, s Step, i int, f caller) {
	if c, ok := f.prepare(a, s, i); ok {
		runCall(a, s, i, c)
	}
}

// runCall runs step i's call through the pipeline.
func runCall(a *engine.Attempt, s Step, i int, c callSpec) {
	start := time.Now()
	budget := callBudget(a, s, c, start)
	ret, ok := a.Calls.Call(describe(a, i, s), budget, c.do, c.progress)
	if !ok {
		hang(a, s, i, start, budget)
		return
	}
	if c.settled != nil && !c.settled(ret, start) {
		return
	}
	if c.effect != nil {
		c.effect(ret)
	}
	j := judged{ret: ret, e: c.e, start: start, dl: c.dl, base: start, call: s.Call()}
	if c.extra != nil && !s.want.record {
		j.extra = c.extra(ret)
	}
	// A call made in sequence answers for its own duration: a slow step
	// before it is that step's finding, not this one's.
	check(a, i, s, j)
}

// endpoint resolves the endpoint a step acts on, or records that the
// script names one this setup does not have.
func endpoint(a *engine.Attempt, s Step, i int, name string) (*engine.Endpoint, bool) {
	e := a.Eps.Get(name)
	if e == nil {
		broken(a, i, s.Call(), "no endpoint %q in this setup", name)
		return nil, false
	}
	return e, true
}

// broken records that the harness or the adapter cannot go on with step i.
func broken(a *engine.Attempt, i int, call, format string, args ...any) {
	a.V.Broken(result.Finding{Step: i + 1, Call: call, Got: fmt.Sprintf(format, args...), Want: "a runnable case"})
}

// callBudget is the watchdog budget of a call started at start: stretched
// under the race detector (the clock's watchdog factor), never shortened.
func callBudget(a *engine.Attempt, s Step, c callSpec, start time.Time) time.Duration {
	return engine.ScaleBy(nominalBudget(a, s, c, start), a.Clock.Watchdog)
}

// nominalBudget is the call's budget before the watchdog factor: what the
// step asks, or the default plus time per MiB moved, or enough for its
// deadline or its timing bounds.
func nominalBudget(a *engine.Attempt, s Step, c callSpec, start time.Time) time.Duration {
	if s.budget > 0 {
		return a.Clock.Scaled(s.budget)
	}
	b := a.Clock.Scaled(defaultStepBudget + perMiB*time.Duration(volume(s)>>20))
	if c.budget > 0 {
		b = a.Clock.Scaled(c.budget)
	}
	w := s.want.timing
	if w.atDeadline && !c.dl.IsZero() {
		if until := c.dl.Sub(start); until > 0 {
			b = until + a.Clock.Scaled(Tolerance+time.Second)
		}
	}
	if w.within > 0 {
		// Long enough that a call returning late is seen late (and the
		// case retried at a larger timescale), not taken for a hang.
		b = a.Clock.Scaled(w.within + defaultStepBudget)
	}
	if w.notBefore > 0 && w.notBefore+a.Clock.Scaled(2*time.Second) > b {
		b = w.notBefore + a.Clock.Scaled(2*time.Second)
	}
	return b
}

// volume is how many bytes a step moves (for its watchdog budget).
func volume(s Step) int {
	bc, ok := s.f.(byteCall)
	switch {
	case !ok:
		return 0
	case bc.reads(s):
		return bc.readLen(s)
	}
	return bc.writeLen(s)
}

// hang records that a call outlived its watchdog. When a background call
// has already returned a wrong result, the hang is taken for its
// consequence (a peer waiting for bytes a failed Write never sent): that
// result is the finding and the hang is evidence, so one bug reads as one
// root cause.
func hang(a *engine.Attempt, s Step, i int, start time.Time, budget time.Duration) {
	want := "return"
	switch {
	case s.want.timing.within > 0:
		want = fmt.Sprintf("return within %v", a.Clock.Scaled(s.want.timing.within))
	case s.want.timing.atDeadline:
		want = "return at the deadline"
	}
	blocked := fmt.Sprintf("blocked %v", budget.Round(time.Millisecond))
	a.V.Record(result.Obs{Step: i + 1, Call: s.Call(), At: a.Clock.Since(start), Took: time.Since(start), Verdict: "hung", Want: want})
	if returnedWrong(a, i) {
		a.V.AddEvidence(fmt.Sprintf("step %d: %s %s (want %s), after a background call failed\n", i+1, describe(a, i, s), blocked, want))
		return
	}
	f := result.Finding{Step: i + 1, Call: describe(a, i, s), Got: blocked, Want: want}
	if want != "return" {
		a.V.Overdue(f)
		return
	}
	a.V.Hung(f)
}

// returnedWrong judges, before step i, the background calls that have
// returned but are not collected yet, on their results only (their timing
// is the Await's), and reports whether one of them failed.
func returnedWrong(a *engine.Attempt, i int) bool {
	var done []*engine.Pending
	for _, p := range a.Async {
		if !p.Collected && p.Index < i && p.Poll() {
			done = append(done, p)
		}
	}
	slices.SortFunc(done, func(x, y *engine.Pending) int { return x.Index - y.Index })
	before := a.V.Failed()
	for _, p := range done {
		p.Collected = true
		st := p.Step.(Step)
		st.want.timing = timingWant{}
		st.says = st.Call() + " in the background"
		extra := p.Judge(p.Res)
		check(a, p.Index, st, judged{ret: p.Res, e: p.Ep, start: p.Start, dl: p.DL, base: p.Start, call: st.Call(), extra: extra})
	}
	return !before && a.V.Failed()
}

// describe names step i for messages: what the script says it is, or its
// call and what came before it ("iut.Read(10) after iut.Close()").
func describe(a *engine.Attempt, i int, s Step) string {
	if s.says != "" {
		return s.says
	}
	return a.Describe(i, s.Call())
}
