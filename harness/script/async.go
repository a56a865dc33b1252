package script

import (
	"fmt"
	"time"

	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/result"
)

// asyncStep is the background family: Go starts a call in the background,
// StillBlocked checks it has not returned, Await collects and judges it.
type asyncStep struct {
	op    asyncOp
	name  string
	inner *Step // Go's call
}

type asyncOp string

const (
	opGo           asyncOp = "go"
	opStillBlocked asyncOp = "blocked"
	opAwait        asyncOp = "await"
)

// Go starts s in the background under name; Await collects it.
func Go(name string, s Step) Step { return Step{f: asyncStep{op: opGo, name: name, inner: &s}} }

// StillBlocked waits a short settle time and expects the background
// operation name not to have returned: on kernel sockets "is blocked" is not
// observable, so this is the one sanctioned wait, and it fails loudly when
// the operation returned early instead of passing vacuously.
func StillBlocked(name string) Step { return Step{f: asyncStep{op: opStillBlocked, name: name}} }

// Await waits for the background operation name and checks its result
// against the expectation given to Go. Within bounds the time from the
// start of the step before Await (the trigger) to its return.
func Await(name string) Step { return Step{f: asyncStep{op: opAwait, name: name}} }

func (f asyncStep) call(Step) string {
	switch f.op {
	case opGo:
		return "go " + f.name + ": " + f.inner.Call()
	case opStillBlocked:
		return f.name + " still blocked"
	}
	return "await " + f.name
}

// after: a Go step reads as the call it started; a settle is passed over.
func (f asyncStep) after(s Step) string {
	switch f.op {
	case opGo:
		return f.inner.Call()
	case opStillBlocked:
		return ""
	}
	return f.call(s)
}

// trigger: only Go acts; collecting or watching a call releases nothing.
func (f asyncStep) trigger() bool { return f.op == opGo }

func (f asyncStep) needs(Step) []need {
	if f.op != opGo {
		return nil
	}
	if n, ok := f.inner.f.(needer); ok {
		return n.needs(*f.inner)
	}
	return nil
}

func (f asyncStep) makes(w *whose) {
	if f.op != opGo {
		return
	}
	if m, ok := f.inner.f.(maker); ok {
		m.makes(w)
	}
}

func (f asyncStep) validate(_ *Case, sc *scriptCheck) string {
	switch {
	case f.op == opGo && sc.started[f.name]:
		return fmt.Sprintf("async %q started twice", f.name)
	case f.op == opGo:
		sc.started[f.name] = true
	case !sc.started[f.name]:
		return fmt.Sprintf("async %q was never started", f.name)
	}
	return ""
}

func (f asyncStep) exec(a *engine.Attempt, s Step, i int) {
	switch f.op {
	case opGo:
		f.start(a, s, i)
	case opStillBlocked:
		f.stillBlocked(a, s, i)
	default:
		f.await(a, s, i)
	}
}

// start begins Go's call in the background.
func (f asyncStep) start(a *engine.Attempt, s Step, i int) {
	inner := *f.inner
	cl, ok := inner.f.(caller)
	if !ok {
		broken(a, i, s.Call(), "%s cannot run in the background", inner.Call())
		return
	}
	c, ok := cl.prepare(a, inner, i)
	if !ok {
		return
	}
	start := time.Now()
	p := &engine.Pending{Step: inner, Index: i, Ep: c.e, Start: start, DL: c.dl, Budget: c.budget, Progress: c.progress,
		Judge: func(ret engine.Ret) []string {
			if c.effect != nil {
				c.effect(ret)
			}
			if c.extra != nil && !inner.want.record {
				return c.extra(ret)
			}
			return nil
		}}
	a.Go(f.name, f.name+": "+inner.Call(), p, c.do)
	a.V.Record(result.Obs{Step: i + 1, Call: s.Call(), At: a.Clock.Since(start), Verdict: "started", Endpoint: epName(c.e)})
}

func epName(e *engine.Endpoint) string {
	if e == nil {
		return ""
	}
	return e.Name
}

// stillBlocked watches a background call for a settle time and fails if
// it returned: it must still be blocked when the next step acts.
func (f asyncStep) stillBlocked(a *engine.Attempt, s Step, i int) {
	p := a.Async[f.name]
	inner := p.Step.(Step)
	start := time.Now()
	// The settle counts from when the call began to run: the goroutine
	// that makes it may not have been scheduled yet, and a call that has
	// not begun (say, not yet read its deadline) is not blocked.
	began := waitEntered(a, p)
	a.Sleep(a.Clock.Scaled(settleTime))
	next := a.StepCall(i + 1)
	obs := result.Obs{Step: i + 1, Call: s.Call(), At: a.Clock.Since(start), Took: time.Since(start), Endpoint: epName(p.Ep)}
	dl := deadlineOf(p.Ep, inner)
	switch {
	case !began:
		obs.Verdict = "inconclusive"
		a.V.Inconclusive("%s had not begun to run %v after it was started: the machine is too loaded to set up the scenario", inner.Call(), time.Since(p.Start).Round(time.Millisecond))
	case p.Poll() && !dl.IsZero() && !p.Res.End.Before(dl):
		// It returned at its deadline: the settle overshot the deadline,
		// so the scenario ("act while it is blocked") never happened.
		obs.Verdict, obs.Err = "inconclusive", describeErr(p.Res.Err)
		a.V.Inconclusive("the harness settled %v before %s, past %s's deadline", time.Since(p.Start).Round(time.Millisecond), next, inner.Call())
	case p.Done:
		obs.Verdict, obs.Err = "fail", describeErr(p.Res.Err)
		a.V.Fail(result.Finding{
			Step: i + 1,
			Call: inner.Call() + " before " + next,
			Got:  gotString(inner, p.Res, p.Start, p.DL, p.Start) + fmt.Sprintf(", returned after %v", p.Res.End.Sub(p.Start).Round(time.Microsecond)),
			Want: "to block until " + next,
		})
	default:
		p.BlockedAt = i
		obs.Verdict, obs.Value = "ok", fmt.Sprintf("blocked for %v", time.Since(p.Start).Round(time.Millisecond))
	}
	a.V.Record(obs)
}

// enterBound bounds how long StillBlocked waits for a background call's
// goroutine to begin running it.
const enterBound = time.Second

// waitEntered waits until p's goroutine has begun to run its call, up to
// enterBound (scaled); false when it has not.
func waitEntered(a *engine.Attempt, p *engine.Pending) bool {
	if p.Entered == nil {
		return true
	}
	t := time.NewTimer(a.Clock.Scaled(enterBound))
	defer t.Stop()
	select {
	case <-p.Entered:
		return true
	case <-t.C:
		return false
	}
}

// await collects a background call and checks it, with the Await's own
// timing: Within is measured from the trigger (the last step that acted
// before the Await), and returning before the trigger is a failure.
func (f asyncStep) await(a *engine.Attempt, s Step, i int) {
	p := a.Async[f.name]
	trigger, triggerCall := a.Trigger(i)
	merged := p.Step.(Step)
	if s.want.timing.within > 0 {
		merged.want.timing.within = s.want.timing.within
	}
	if s.want.timing.notBefore > 0 {
		merged.want.timing.notBefore = s.want.timing.notBefore
	}
	if s.budget > 0 {
		merged.budget = s.budget
	}
	merged.says = merged.Call() + " pending at " + triggerCall
	// The deadline that applies is the endpoint's latest: scripts extend
	// or clear it while the call is blocked.
	p.DL = deadlineOf(p.Ep, merged)
	budget := callBudget(a, merged, callSpec{dl: p.DL, budget: p.Budget}, time.Now())
	if !p.Wait(budget) {
		hang(a, merged, i, p.Start, time.Since(p.Start))
		return
	}
	// A deadline change that completed only after the old deadline, which
	// the call returned at, is a scenario the loaded machine did not set
	// up in time — also when the call returned before the step that
	// was to release it.
	if why := changeRaced(p, merged); why != "" {
		a.V.Inconclusive("%s", why)
		a.V.Record(result.Obs{Step: i + 1, Call: s.Call() + ": " + merged.Call(), At: a.Clock.Since(p.Start), Took: p.Res.End.Sub(p.Start), Err: describeErr(p.Res.Err), Verdict: "inconclusive", Note: why})
		return
	}
	if release, releaseCall := a.Release(p.BlockedAt); p.BlockedAt > 0 && p.Res.End.Before(release) {
		a.V.Fail(result.Finding{
			Step: i + 1,
			Call: merged.Call() + " pending at " + releaseCall,
			Got:  gotString(merged, p.Res, p.Start, p.DL, p.Start) + fmt.Sprintf(", %v before it", release.Sub(p.Res.End).Round(time.Microsecond)),
			Want: "to block until " + releaseCall,
		})
		return
	}
	p.Collected = true
	extra := p.Judge(p.Res)
	check(a, i, merged, judged{ret: p.Res, e: p.Ep, start: p.Start, dl: p.DL, base: trigger,
		call: s.Call() + ": " + merged.Call(), async: f.name, extra: extra})
}

// changeRaced explains a background call that returned at a deadline the
// script had replaced, when the replacing call only completed after that
// old deadline: the change may legitimately have come too late, so the
// attempt proves nothing. A change completed in time that is ignored is a
// real failure, and is left to the check.
func changeRaced(p *engine.Pending, s Step) string {
	if p.Ep == nil {
		return ""
	}
	reading := direction(s) == dirRead
	for _, c := range p.Ep.DL.Changes {
		if c.Read != reading || c.Done.Before(p.Start) || c.Prev.IsZero() {
			continue
		}
		if !p.Res.End.Before(c.Prev) && !c.Done.Before(c.Prev) && (c.Next.IsZero() || p.Res.End.Before(c.Next)) {
			return fmt.Sprintf("the deadline change completed %v after the old deadline, which the operation returned at", c.Done.Sub(c.Prev).Round(time.Microsecond))
		}
	}
	return ""
}

// sleepStep waits: the scenario itself is about the passage of time.
type sleepStep struct {
	d   time.Duration
	why string
}

// Sleep waits d. Scripts use it only where the scenario itself is about the
// passage of time (keepalive probes), never to synchronise.
func Sleep(d time.Duration, why string) Step { return Step{f: sleepStep{d: d, why: why}} }

func (f sleepStep) call(Step) string  { return fmt.Sprintf("sleep %v (%s)", f.d, f.why) }
func (f sleepStep) after(Step) string { return "" }
func (f sleepStep) trigger() bool     { return false }

func (f sleepStep) exec(a *engine.Attempt, s Step, i int) {
	d := engine.ScaleBy(f.d, a.Clock.Stretch())
	o := result.Obs{Step: i + 1, Call: s.Call(), At: a.Clock.Since(a.StepStart(i)), Verdict: "ok"}
	if d != f.d {
		o.Value = fmt.Sprintf("stretched to %v for attempt %d", d, a.Clock.Attempt)
	}
	a.V.Record(o)
	a.Sleep(d)
}
