package engine

import "time"

// A Pending call is one a Go step started in the background; an Await
// collects it.
type Pending struct {
	Step  Step      // the call, as the script wrote it
	Index int       // the index of the Go step that started it
	Ep    *Endpoint // what it acts on (nil for a Dial)
	Start time.Time
	DL    time.Time // the endpoint's deadline for its direction when it started
	ch    <-chan Ret
	Res   Ret
	Done  bool
	// BlockedAt is the index of the StillBlocked step that last saw it
	// blocked (0: none did; a script never starts with one): returning
	// before the next step that acts, which was to release it, is a
	// failure.
	BlockedAt int
	// Budget is the call's nominal watchdog budget when it is not the
	// default (a Close's).
	Budget time.Duration
	// Judge applies what the call made or changed once it is collected,
	// and returns the step's own deviations.
	Judge func(Ret) []string
	// Collected: an Await, or a hang that looked for its cause, judged it.
	Collected bool
	// Progress, when set, records the call's progress: its watchdog
	// counts from the last.
	Progress *Progress
	// Entered is closed once the call's goroutine has begun to run it (nil
	// when Go did not start it): a loaded machine can leave a new
	// goroutine unscheduled for longer than a settle window, and a call
	// that has not begun is not blocked in the implementation.
	Entered <-chan struct{}
}

// Go starts fn in the background as the pending call name.
func (a *Attempt) Go(name, desc string, p *Pending, fn func() Ret) {
	entered := make(chan struct{})
	p.Entered = entered
	p.ch = a.Calls.Start(desc, func() Ret {
		close(entered)
		return fn()
	})
	a.Async[name] = p
}

// Poll collects the result if it is ready.
func (p *Pending) Poll() bool {
	if p.Done {
		return true
	}
	select {
	case p.Res = <-p.ch:
		p.Done = true
	default:
	}
	return p.Done
}

// Wait waits up to budget for the result, counted from the last progress
// when the call records it.
func (p *Pending) Wait(budget time.Duration) bool {
	if p.Poll() {
		return true
	}
	res, ok := AwaitProgress(nil, p.ch, time.Now(), budget, p.Progress)
	if ok {
		p.Res, p.Done = res, true
	}
	return ok
}
