package script

import (
	"time"

	"github.com/netconform/netconform/harness/internal/engine"
)

// A Step is one operation on one endpoint with its expectation. Steps are
// built by the functions of each family and refined with methods (Want,
// Err, Within…) that return a modified copy, so scripts read as data:
//
//	h.Read(h.Peer, 8).Err(h.EOF)
//
// Unless told otherwise a step expects no error.
type Step struct {
	f      family
	want   expect
	label  string
	says   string
	budget time.Duration
}

// A family is one kind of step. It owns how its steps are described, what
// they do, their time budget and how they are judged.
type family interface {
	// call renders the call as written: "iut.Read(8)".
	call(s Step) string
	// exec runs the step as step i of the attempt.
	exec(a *engine.Attempt, s Step, i int)
	// after is how the step reads as the cause in a later step's
	// description, or "" for a step that only observes or waits.
	after(s Step) string
	// trigger reports whether a later Await measures from this step.
	trigger() bool
}

// acts is embedded by families whose steps act: they are causes and
// triggers, described by their call.
type acts struct{}

func (acts) trigger() bool { return true }

// Script is a readability helper: Script(a, b, c) is []Step{a, b, c}.
func Script(steps ...Step) []Step { return steps }

// Call renders the call: "iut.Read(8)".
func (s Step) Call() string { return s.f.call(s) }

// Exec runs the step; it implements engine.Step.
func (s Step) Exec(a *engine.Attempt, i int) { s.f.exec(a, s, i) }

// Tag is the step's label; it implements engine.Step.
func (s Step) Tag() string { return s.label }

// After implements engine.Step.
func (s Step) After() string { return s.f.after(s) }

// Trigger implements engine.Step.
func (s Step) Trigger() bool { return s.f.trigger() }

// String renders the step and its expectation: "iut.Read(8) = 0, closed
// (net.ErrClosed)".
func (s Step) String() string {
	if w := s.wantString(1); w != "" {
		return s.Call() + " = " + w
	}
	return s.Call()
}

// steps turns a script into what the engine runs.
func steps(script []Step) []engine.Step {
	out := make([]engine.Step, len(script))
	for i, s := range script {
		out[i] = s
	}
	return out
}

// Label names the step, so that a later expectation can count time from
// its start (Since).
func (s Step) Label(name string) Step { s.label = name; return s }

// Budget overrides the step's watchdog budget (before scaling).
func (s Step) Budget(d time.Duration) Step { s.budget = d; return s }

// Says overrides how the step is named in messages ("Read after Close").
func (s Step) Says(desc string) Step { s.says = desc; return s }

// Record observes without checking.
func (s Step) Record() Step { s.want.record = true; return s }
