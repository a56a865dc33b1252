package script

import (
	"context"
	"fmt"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/result"
)

// funcStep is the escape hatch: Go code for what a script cannot say.
type funcStep struct {
	acts
	name string
	fn   func(*X) error
}

// Func is the escape hatch for what a script cannot say (concurrency
// stress, measurements). fn reports deviations with x.Errorf; a returned
// error is a finding too. The step hangs only when the implementation's
// calls made through x stop moving bytes for a whole budget.
func Func(name string, fn func(x *X) error) Step { return Step{f: funcStep{name: name, fn: fn}} }

func (f funcStep) call(Step) string    { return f.name }
func (f funcStep) after(s Step) string { return f.call(s) }

// X gives a Func step access to the case: its endpoints, its context and
// the ways to report. Its methods are safe for concurrent use.
type X struct {
	a        *engine.Attempt
	step     int
	mu       sync.Mutex
	findings []result.Finding
	notes    []string
	calls    atomic.Int64       // the implementation's calls that moved bytes
	progress engine.Progress    // when the last one returned
	flights  map[string]*flight // the implementation's calls in flight, by endpoint
	why      atomic.Pointer[string]
}

// Unsupported says that the implementation, as the step found it, lacks
// what the case checks (a PacketConn that is not a net.Conn): the case is
// reported unsupported with why, neither passed nor failed.
func (x *X) Unsupported(format string, args ...any) {
	why := "unsupported: " + fmt.Sprintf(format, args...)
	x.why.Store(&why)
}

// Inconclusive says that the step could not set its scenario up (the
// calls it meant to overlap never did, on a loaded machine): the attempt
// proves nothing and is retried; findings recorded with it are dropped.
func (x *X) Inconclusive(format string, args ...any) {
	why := fmt.Sprintf(format, args...)
	x.why.Store(&why)
}

// progressed records that a call of the implementation moved bytes.
func (x *X) progressed() {
	x.calls.Add(1)
	x.progress.Moved()
}

// Context ends with the case.
func (x *X) Context() context.Context { return x.a.Ctx() }

// Conn returns the conn named name, or nil. The implementation's conns
// come checked: a count outside 0..len(p) is a finding.
func (x *X) Conn(name string) net.Conn {
	e := x.a.Eps.Get(name)
	if e == nil || e.Conn == nil {
		return nil
	}
	if e.IUT {
		return checkedConn{e.Conn, x, name}
	}
	return e.Conn
}

// PacketConn returns the packet conn named name (a connected client that
// implements net.PacketConn too), or nil; checked like Conn.
func (x *X) PacketConn(name string) net.PacketConn {
	e := x.a.Eps.Get(name)
	if e == nil {
		return nil
	}
	pc, _ := e.Object().(net.PacketConn)
	if pc == nil || !e.IUT {
		return pc
	}
	checked := checkedPacketConn{pc, x, name}
	if c, ok := pc.(net.Conn); ok {
		return checkedDatagramConn{checked, c}
	}
	return checked
}

// Object returns what endpoint name is — its conn, packet conn or
// listener — unchecked, for a step that asks whether it has an optional
// method (ReadMsgUDP, File): calls made through it are not instrumented.
func (x *X) Object(name string) any {
	if e := x.a.Eps.Get(name); e != nil {
		return e.Object()
	}
	return nil
}

// Listener returns the listener named name, or nil.
func (x *X) Listener(name string) net.Listener {
	if e := x.a.Eps.Get(name); e != nil {
		return e.Ln
	}
	return nil
}

// LocalAddr returns the address endpoint name had when it was made.
func (x *X) LocalAddr(name string) net.Addr {
	if e := x.a.Eps.Get(name); e != nil {
		return e.Local()
	}
	return nil
}

// IsIUT reports whether endpoint name belongs to the implementation under test.
func (x *X) IsIUT(name string) bool {
	e := x.a.Eps.Get(name)
	return e != nil && e.IUT
}

// Scaled stretches an upper bound by the timescale.
func (x *X) Scaled(d time.Duration) time.Duration { return x.a.Clock.Scaled(d) }

// Errorf records a deviation, written like the call: x.Errorf("Read", "0, EOF", "1, nil").
func (x *X) Errorf(call, got, want string) {
	x.mu.Lock()
	x.findings = append(x.findings, result.Finding{Step: x.step, Call: call, Got: got, Want: want})
	x.mu.Unlock()
}

// Logf adds a note to the step's observation.
func (x *X) Logf(format string, args ...any) {
	x.mu.Lock()
	x.notes = append(x.notes, fmt.Sprintf(format, args...))
	x.mu.Unlock()
}

// Metric records a measurement in the result (informational).
func (x *X) Metric(name string, v float64) { x.a.V.Metric(name, v) }

// Go runs f in a goroutine of the step; a panic in f (an implementation
// that panics in a call made there) becomes a finding instead of ending
// the test process.
func (x *X) Go(f func()) {
	go func() {
		defer func() {
			if p := recover(); p != nil {
				x.Errorf("goroutine of the step", fmt.Sprintf("panic: %v\n%s", p, debug.Stack()), "no panic")
			}
		}()
		f()
	}()
}

func (f funcStep) exec(a *engine.Attempt, s Step, i int) {
	x := &X{a: a, step: i + 1}
	start := time.Now()
	budget := a.Clock.Watch(funcBudget)
	if s.budget > 0 {
		budget = a.Clock.Watch(s.budget)
	}
	ch := a.Calls.Start(f.name, func() engine.Ret { return engine.Ret{Err: f.fn(x)} })
	res, ok := x.await(ch, start, budget)
	if !ok {
		f.unfinished(a, x, s, i, start, budget)
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	obs := result.Obs{Step: i + 1, Call: s.Call(), At: a.Clock.Since(start), Took: res.End.Sub(start), Verdict: "ok"}
	if why := x.why.Load(); why != nil {
		if reason, ok := strings.CutPrefix(*why, "unsupported: "); ok {
			a.V.Unsupported(reason)
			obs.Verdict, obs.Note = "unsupported", reason
		} else {
			a.V.Inconclusive("%s: %s", f.name, *why)
			obs.Verdict, obs.Note = "inconclusive", *why
		}
		a.V.Record(obs)
		return
	}
	if len(x.notes) > 0 {
		obs.Note = fmt.Sprint(x.notes)
	}
	if res.Err != nil {
		x.findings = append(x.findings, result.Finding{Step: i + 1, Call: f.name, Got: res.Err.Error(), Want: "no error"})
	}
	if len(x.findings) > 0 {
		obs.Verdict = "fail"
		for _, fd := range x.findings {
			a.V.Fail(fd)
		}
	}
	a.V.Record(obs)
}

// unfinished records a step that did not return: still making progress
// when the case's budget ran out (the machine is too loaded for the
// budget, which a retry doubles), or hung.
func (f funcStep) unfinished(a *engine.Attempt, x *X, s Step, i int, start time.Time, budget time.Duration) {
	if a.Ctx().Err() != nil && time.Since(x.lastProgress(start)) < budget {
		a.V.Inconclusive("%s was still making progress (%d calls moved bytes, the last %v ago) when the case's %v budget ran out",
			f.name, x.calls.Load(), time.Since(x.lastProgress(start)).Round(time.Millisecond), a.Clock.Watch(a.Env.Budget))
		a.V.Record(result.Obs{Step: i + 1, Call: s.Call(), At: a.Clock.Since(start), Took: time.Since(start), Verdict: "inconclusive"})
		return
	}
	hang(a, s, i, start, time.Since(start))
}

// await waits for a Func step's result. The step hangs when none of the
// implementation's calls has moved bytes for budget; one that keeps making
// progress runs on until the case's context ends.
func (x *X) await(ch <-chan engine.Ret, start time.Time, budget time.Duration) (engine.Ret, bool) {
	return engine.AwaitProgress(x.a.Ctx().Done(), ch, start, budget, &x.progress)
}

// lastProgress is when the step's implementation calls last moved bytes,
// or start when none has.
func (x *X) lastProgress(start time.Time) time.Time { return x.progress.Last(start) }
