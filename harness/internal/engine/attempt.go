package engine

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/internal/scope"
	"github.com/netconform/netconform/harness/result"
)

// Env is what an attempt runs on: the implementation, the role it plays,
// and what the case asks of the topology.
type Env struct {
	Impl     *harness.Impl
	Role     harness.Role
	Caps     harness.Caps // the implementation's effective capabilities
	Dial     harness.DialOptions
	Listen   harness.ListenOptions
	Isolated bool          // running inside the case's own network namespace
	Budget   time.Duration // the whole case's nominal budget
}

// A Step is one step of a script as the engine runs it. The steps of
// package script implement it; the engine knows no operation.
type Step interface {
	// Call renders the call as written: "iut.Read(8)".
	Call() string
	// Exec runs the step as step i (0-based) of the attempt.
	Exec(a *Attempt, i int)
	// Tag is the label a later step's timing may count from, or "".
	Tag() string
	// After is how the step reads as the cause in a later step's
	// description ("iut.Read(8) after iut.Close()"), or "" for a step that
	// only observes or waits and is passed over.
	After() string
	// Trigger reports whether the step acts, so that a later Await
	// measures from its start.
	Trigger() bool
}

// A Program is what an attempt runs: the setup step, the script's steps,
// and whether the case captures the wire.
type Program struct {
	Setup Step
	Steps []Step
	Wire  bool
}

// An Attempt is one attempt of one case.
type Attempt struct {
	ctx    context.Context
	cancel context.CancelFunc
	Env    Env
	Clock  Clock
	Eps    Endpoints
	Calls  Calls
	V      *Verdict
	Async  map[string]*Pending
	Net    Network
	undo   []func()
	prog   progress
	scope  *scope.Scope
}

// progress is where the script is: its steps and when each started.
type progress struct {
	steps  []Step
	starts []time.Time
}

// NewAttempt prepares an attempt that records into res, under a context
// that ends after budget (a watchdog budget, already stretched).
func NewAttempt(ctx context.Context, env Env, clock Clock, res *result.Result, budget time.Duration) *Attempt {
	a := &Attempt{Env: env, Clock: clock, V: NewVerdict(res), Async: map[string]*Pending{}, scope: &scope.Scope{},
		Net: Network{Faults: map[string]func() error{}}}
	a.ctx, a.cancel = context.WithTimeout(scope.With(ctx, a.scope), budget)
	return a
}

// Ctx ends with the attempt; implementations' per-case resources hang off it.
func (a *Attempt) Ctx() context.Context { return a.ctx }

// Execute runs setup, then the steps until one stops the script, then
// tears everything down; it returns the evidence the implementation gave
// for the case (CaseEvidence). A case that captures the wire sets wire.
func (a *Attempt) Execute(setup Step, steps []Step, wire bool) (evidence string) {
	defer a.cancel()
	a.Clock.Start = time.Now()
	a.prog = progress{steps: steps, starts: make([]time.Time, len(steps))}
	if wire {
		a.startWire()
	}
	if a.safeSetup(setup) {
		a.run(steps)
	}
	evidence = a.teardown()
	if a.Net.Trace != nil {
		a.stopWire()
	}
	return evidence
}

func (a *Attempt) run(steps []Step) {
	for i, s := range steps {
		if a.V.Stopped() {
			return
		}
		if a.ctx.Err() != nil {
			a.V.Hung(result.Finding{Step: i + 1, Call: s.Call(), Got: fmt.Sprintf("case still running after its %v budget", a.Clock.Watch(a.Env.Budget)), Want: "the case to finish"})
			return
		}
		a.prog.starts[i] = time.Now()
		a.safeExec(i, s)
	}
}

// safeSetup builds the topology; a panic there (the harness tripping over
// something an implementation returned) ends the case as an error with the
// stack, not the test process.
func (a *Attempt) safeSetup(setup Step) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			a.V.Crashed(result.Finding{Call: "setup", Got: fmt.Sprintf("panic: %v\n%s", p, debug.Stack()), Want: "no panic"})
			ok = false
		}
	}()
	setup.Exec(a, -1)
	return !a.V.Stopped()
}

// safeExec runs one step, turning a panic in the adapter into an Error.
func (a *Attempt) safeExec(i int, s Step) {
	defer func() {
		if p := recover(); p != nil {
			a.V.Crashed(result.Finding{Step: i + 1, Call: s.Call(), Got: fmt.Sprintf("panic: %v", p), Want: "no panic"})
		}
	}()
	s.Exec(a, i)
}

// Undo registers f to run at teardown, after the endpoints are closed: a
// pair's Stop, a link change to revert, a directory to remove.
func (a *Attempt) Undo(f func()) { a.undo = append(a.undo, f) }

// Sleep waits d or until the attempt ends.
func (a *Attempt) Sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-a.ctx.Done():
	}
}

// StepStart is when step i started (zero before it did).
func (a *Attempt) StepStart(i int) time.Time { return a.prog.starts[i] }

// Steps is the number of steps of the script.
func (a *Attempt) Steps() int { return len(a.prog.steps) }

// StepCall is the call of step i, or "the next step" past the end.
func (a *Attempt) StepCall(i int) string {
	if i < len(a.prog.steps) {
		return a.prog.steps[i].Call()
	}
	return "the next step"
}

// LabelStart is when the step labelled name started, or the attempt's
// start when no step has that label.
func (a *Attempt) LabelStart(name string) time.Time {
	for j, s := range a.prog.steps {
		if s.Tag() == name {
			return a.prog.starts[j]
		}
	}
	return a.Clock.Start
}

// Describe names step i's call for messages: call, then what came before
// it ("iut.Read(10) after iut.Close()").
func (a *Attempt) Describe(i int, call string) string {
	for j := i - 1; j >= 0; j-- {
		if after := a.prog.steps[j].After(); after != "" {
			return call + " after " + after
		}
	}
	return call
}

// Trigger returns the last acting step before i — its start and its call —
// which an Await's timing counts from; the attempt's start and "the start"
// when there is none.
func (a *Attempt) Trigger(i int) (time.Time, string) {
	return a.triggerIn(i-1, -1)
}

// Release is the first step after step i that acts, which a call seen
// blocked at step i waits for: when it started and its call.
func (a *Attempt) Release(i int) (time.Time, string) {
	return a.triggerIn(i+1, len(a.prog.steps))
}

// triggerIn finds the first acting step from index from towards to
// (exclusive), in either direction.
func (a *Attempt) triggerIn(from, to int) (time.Time, string) {
	step := 1
	if to < from {
		step = -1
	}
	for j := from; j != to; j += step {
		if a.prog.steps[j].Trigger() {
			return a.prog.starts[j], a.prog.steps[j].Call()
		}
	}
	return a.Clock.Start, "the start"
}
