package script

import (
	"fmt"
	"time"

	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/result"
)

// When is a deadline in a script: Past, NoDeadline, or In(d).
type When struct {
	past bool
	d    time.Duration // > 0: relative to the moment the step runs
}

// Past is a deadline long gone (a fixed instant, independent of clock skew).
var Past = When{past: true}

// NoDeadline is the zero time: no deadline.
var NoDeadline = When{}

// In is a deadline d after the step runs. Deadlines are part of the
// scenario: the timescale never stretches them, only the tolerances. A
// retry after an inconclusive or late attempt stretches the whole
// scenario (these deadlines and Sleep steps alike) by 2 per attempt.
func In(d time.Duration) When { return When{d: d} }

// stretched returns w with its relative duration multiplied by f.
func (w When) stretched(f float64) When {
	w.d = engine.ScaleBy(w.d, f)
	return w
}

// longAgo is the "past" deadline.
var longAgo = time.Unix(1, 0)

func (w When) abs(now time.Time) time.Time {
	switch {
	case w.past:
		return longAgo
	case w.d > 0:
		return now.Add(w.d)
	}
	return time.Time{}
}

// String renders the deadline as a script shows it: "past", "+300ms", "zero".
func (w When) String() string {
	switch {
	case w.past:
		return "past"
	case w.d > 0:
		return "+" + w.d.String()
	}
	return "zero"
}

// deadlineStep is the deadline family: SetDeadline, SetReadDeadline and
// SetWriteDeadline on a conn, a listener or a packet conn.
type deadlineStep struct {
	acts
	op   dlOp
	ep   string
	when When
}

type dlOp string

const (
	opSetDeadline dlOp = "SetDeadline"
	opSetReadDL   dlOp = "SetReadDeadline"
	opSetWriteDL  dlOp = "SetWriteDeadline"
)

// SetDeadline sets both deadlines of ep (a conn, a listener or a packet conn).
func SetDeadline(ep string, w When) Step {
	return Step{f: deadlineStep{op: opSetDeadline, ep: ep, when: w}}
}

// SetReadDeadline sets ep's read deadline.
func SetReadDeadline(ep string, w When) Step {
	return Step{f: deadlineStep{op: opSetReadDL, ep: ep, when: w}}
}

// SetWriteDeadline sets ep's write deadline.
func SetWriteDeadline(ep string, w When) Step {
	return Step{f: deadlineStep{op: opSetWriteDL, ep: ep, when: w}}
}

func (f deadlineStep) call(Step) string { return fmt.Sprintf("%s.%s(%s)", f.ep, f.op, f.when) }

func (f deadlineStep) after(s Step) string { return f.call(s) }

func (f deadlineStep) needs(Step) []need { return []need{{ep: f.ep, caps: CapDeadline}} }

func (f deadlineStep) read() bool  { return f.op != opSetWriteDL }
func (f deadlineStep) write() bool { return f.op != opSetReadDL }

func (f deadlineStep) exec(a *engine.Attempt, s Step, i int) { runCaller(a, s, i, f) }

func (f deadlineStep) prepare(a *engine.Attempt, s Step, i int) (callSpec, bool) {
	e, ok := endpoint(a, s, i, f.ep)
	if !ok {
		return callSpec{}, false
	}
	changed := f.pendingDeadline(a, e)
	if tooLate(a, s, i, changed, time.Now()) {
		return callSpec{}, false
	}
	var at time.Time // the instant set, computed when the call starts
	return callSpec{
		e: e,
		do: func() engine.Ret {
			// The instant is computed here and recorded as passed, so the
			// strict "never before the deadline" check uses exactly it.
			at = f.when.stretched(a.Clock.Stretch()).abs(time.Now())
			return engine.Ret{Err: setDeadline(e, f.op, at), Value: deadlineValue(a, f.when, at)}
		},
		settled: func(_ engine.Ret, start time.Time) bool { return !tooLate(a, s, i, changed, start, time.Now()) },
		effect:  func(ret engine.Ret) { f.record(e, at, ret) },
	}, true
}

// record notes the new deadlines on the endpoint, and the change.
func (f deadlineStep) record(e *engine.Endpoint, at time.Time, ret engine.Ret) {
	if ret.Err != nil {
		return
	}
	if f.read() {
		e.DL.Changes = append(e.DL.Changes, engine.DeadlineChange{Read: true, Prev: e.DL.Read, Next: at, Done: ret.End})
		e.DL.Read = at
	}
	if f.write() {
		e.DL.Changes = append(e.DL.Changes, engine.DeadlineChange{Read: false, Prev: e.DL.Write, Next: at, Done: ret.End})
		e.DL.Write = at
	}
}

// pendingDeadline returns the earliest deadline this step changes for a
// background call on e not yet awaited — still blocked, or returned at or
// after that deadline — or zero.
func (f deadlineStep) pendingDeadline(a *engine.Attempt, e *engine.Endpoint) time.Time {
	var first time.Time
	for _, p := range a.Async {
		if p.Ep != e || p.Collected {
			continue
		}
		s := p.Step.(Step)
		reading := direction(s) == dirRead
		if (reading && !f.read()) || (!reading && !f.write()) {
			continue
		}
		dl := deadlineOf(e, s)
		// A call that has already returned counts when it returned at or
		// after the deadline this step was to change: the old deadline
		// fired because the script came late (a slow machine), which is
		// inconclusive, not the implementation's doing. One that returned
		// before it is the Await's to judge.
		if p.Poll() && (dl.IsZero() || p.Res.End.Before(dl)) {
			continue
		}
		if !dl.IsZero() && (first.IsZero() || dl.Before(first)) {
			first = dl
		}
	}
	return first
}

// tooLate reports (and records as inconclusive) a script that changes a
// deadline a blocked call is waiting on, dl, when the change started or
// finished (at) after dl had passed: the machine was too slow for the
// scenario, and the blocked call may rightly have timed out under the old
// deadline.
func tooLate(a *engine.Attempt, s Step, i int, dl time.Time, times ...time.Time) bool {
	start, at := times[0], times[len(times)-1]
	if dl.IsZero() || at.Before(dl) {
		return false
	}
	a.V.Inconclusive("%s ran until %v after the deadline it was to change had passed", s.Call(), at.Sub(dl).Round(time.Millisecond))
	a.V.Record(result.Obs{Step: i + 1, Call: s.Call(), At: a.Clock.Since(start), Took: time.Since(start), Verdict: "inconclusive"})
	return true
}

func setDeadline(e *engine.Endpoint, o dlOp, at time.Time) error {
	type deadliner interface {
		SetDeadline(time.Time) error
		SetReadDeadline(time.Time) error
		SetWriteDeadline(time.Time) error
	}
	var d deadliner
	switch {
	case e.Conn != nil:
		d = e.Conn
	case e.PC != nil:
		d = e.PC
	case e.Ln != nil:
		ld, ok := e.Ln.(interface{ SetDeadline(t time.Time) error })
		if !ok {
			return errMissingMethod{typ: fmt.Sprintf("%T", e.Ln), method: "SetDeadline(time.Time) error"}
		}
		return ld.SetDeadline(at)
	default:
		return fmt.Errorf("netconform: %s has nothing to set a deadline on", e.Name)
	}
	switch o {
	case opSetReadDL:
		return d.SetReadDeadline(at)
	case opSetWriteDL:
		return d.SetWriteDeadline(at)
	}
	return d.SetDeadline(at)
}

func deadlineValue(a *engine.Attempt, w When, at time.Time) string {
	switch {
	case at.IsZero():
		return "deadline cleared"
	case a.Clock.Stretch() > 1 && w.d > 0:
		return fmt.Sprintf("deadline stretched to +%v for attempt %d", w.stretched(a.Clock.Stretch()).d, a.Clock.Attempt)
	}
	return ""
}

// dir is which of an endpoint's deadlines applies to a call.
type dir int

const (
	dirNone dir = iota
	dirRead
	dirWrite
)

// A directed family has calls that a read or a write deadline governs.
type directed interface {
	direction(s Step) dir
}

// direction is which deadline governs s's call.
func direction(s Step) dir {
	if d, ok := s.f.(directed); ok {
		return d.direction(s)
	}
	return dirNone
}

// deadlineOf is e's deadline that applies to s's call, or zero.
func deadlineOf(e *engine.Endpoint, s Step) time.Time {
	if e == nil {
		return time.Time{}
	}
	switch direction(s) {
	case dirRead:
		return e.DL.Read
	case dirWrite:
		return e.DL.Write
	}
	return time.Time{}
}
