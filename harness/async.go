package harness

import (
	"fmt"
	"time"
)

// execGo starts step i's inner operation in the background.
func (r *run) execGo(i int, s Step) {
	inner := *s.inner
	e, ok := r.endpointFor(i, inner)
	if !ok {
		return
	}
	start := time.Now()
	a := &asyncOp{step: inner, idx: i, ep: e, start: start, dl: r.deadlineFor(e, inner.op)}
	a.ch = r.calls.start(s.name+": "+inner.call(), r.operation(inner, e))
	r.async[s.name] = a
	r.record(Obs{Step: i + 1, Call: s.call(), At: r.since(start), Verdict: "started", Endpoint: ep(e)})
}

func ep(e *endpoint) string {
	if e == nil {
		return ""
	}
	return e.name
}

// poll collects a background result if it is ready.
func (a *asyncOp) poll() bool {
	if a.done {
		return true
	}
	select {
	case a.res = <-a.ch:
		a.done = true
	default:
	}
	return a.done
}

// execStillBlocked watches a background operation for a settle time and
// fails if it returned: it must still be blocked when the next step acts.
func (r *run) execStillBlocked(i int, s Step) {
	a := r.async[s.name]
	start := time.Now()
	r.sleep(r.scaled(settleTime))
	next := "the next step"
	if i+1 < len(r.c.Script) {
		next = r.c.Script[i+1].call()
	}
	obs := Obs{Step: i + 1, Call: s.call(), At: r.since(start), Took: time.Since(start), Endpoint: ep(a.ep)}
	dl := r.deadlineFor(a.ep, a.step.op)
	if a.poll() && !dl.IsZero() && !a.res.end.Before(dl) {
		// It returned at its deadline: the settle overshot the deadline,
		// so the scenario ("act while it is blocked") never happened.
		obs.Verdict = "inconclusive"
		obs.Err = Describe(a.res.err)
		r.inconclusivef("the harness settled %v before %s, past %s's deadline", time.Since(a.start).Round(time.Millisecond), next, a.step.call())
	} else if a.done {
		obs.Verdict = "fail"
		obs.Err = Describe(a.res.err)
		r.finding(Finding{
			Step: i + 1,
			Call: a.step.call() + " before " + next,
			Got:  gotString(a.step, a.res, a.start, a.dl, a.start) + fmt.Sprintf(", returned after %v", a.res.end.Sub(a.start).Round(time.Microsecond)),
			Want: "to block until " + next,
		})
	} else {
		a.blocked = true
		obs.Verdict = "ok"
		obs.Value = fmt.Sprintf("blocked for %v", time.Since(a.start).Round(time.Millisecond))
	}
	r.record(obs)
}

// execAwait collects a background operation and checks it, with the
// Await's own timing: Within is measured from the trigger (the step just
// before the Await), and returning before the trigger is a failure.
func (r *run) execAwait(i int, s Step) {
	a := r.async[s.name]
	trigger := r.triggerStart(i)
	merged := a.step
	if s.want.within > 0 {
		merged.want.within = s.want.within
	}
	if s.want.notBefore > 0 {
		merged.want.notBefore = s.want.notBefore
	}
	if s.budget > 0 {
		merged.budget = s.budget
	}
	merged.says = a.step.call() + " pending at " + r.triggerCall(i)
	// The deadline that applies is the endpoint's latest: scripts extend
	// or clear it while the operation is blocked.
	a.dl = r.deadlineFor(a.ep, a.step.op)
	if !a.poll() {
		budget := r.budget(merged, time.Now(), a.dl)
		t := time.NewTimer(budget)
		select {
		case a.res = <-a.ch:
			a.done = true
			t.Stop()
		case <-t.C:
			r.hang(i, merged, a.start, time.Since(a.start))
			return
		}
	}
	if a.blocked && a.res.end.Before(trigger) {
		r.finding(Finding{
			Step: i + 1,
			Call: merged.says,
			Got:  gotString(a.step, a.res, a.start, a.dl, a.start) + fmt.Sprintf(", %v before it", trigger.Sub(a.res.end).Round(time.Microsecond)),
			Want: "to block until " + r.triggerCall(i),
		})
		return
	}
	if why := r.changeRaced(a); why != "" {
		r.inconclusivef("%s", why)
		r.record(Obs{Step: i + 1, Call: s.call() + ": " + a.step.call(), At: r.since(a.start), Took: a.res.end.Sub(a.start), Err: Describe(a.res.err), Verdict: "inconclusive", Note: why})
		return
	}
	r.afterCall(a.idx, a.step, a.ep, a.res)
	r.check(i, merged, a.ep, a.start, a.dl, a.res, trigger)
}

// changeRaced explains a background operation that returned at a deadline
// the script had replaced, when the replacing call only completed after
// that old deadline: the change may legitimately have come too late, so
// the attempt proves nothing. A change completed in time that is ignored
// is a real failure, and is left to the check.
func (r *run) changeRaced(a *asyncOp) string {
	reading := isRead(a.step.op) || a.step.op == opAccept
	for _, c := range r.dlChanges {
		if c.ep != a.ep || c.read != reading || c.done.Before(a.start) || c.prev.IsZero() {
			continue
		}
		if !a.res.end.Before(c.prev) && !c.done.Before(c.prev) && (c.next.IsZero() || a.res.end.Before(c.next)) {
			return fmt.Sprintf("the deadline change completed %v after the old deadline, which the operation returned at", c.done.Sub(c.prev).Round(time.Microsecond))
		}
	}
	return ""
}

func (r *run) triggerCall(i int) string {
	for j := i - 1; j >= 0; j-- {
		switch r.c.Script[j].op {
		case opStillBlocked, opSleep, opWaitReadable, opAwait, opWireMark:
			continue
		}
		return r.c.Script[j].call()
	}
	return "the start"
}
