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
	// Blocked: a StillBlocked step saw it blocked, so returning before the
	// step that was to release it is a failure.
	Blocked bool
	// Budget is the call's nominal watchdog budget when it is not the
	// default (a Close's).
	Budget time.Duration
	// Collected applies what the call made or changed once it is
	// collected, and returns the step's own deviations.
	Collected func(Ret) []string
}

// Go starts fn in the background as the pending call name.
func (a *Attempt) Go(name, desc string, p *Pending, fn func() Ret) {
	p.ch = a.Calls.Start(desc, fn)
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

// Wait waits up to budget for the result.
func (p *Pending) Wait(budget time.Duration) bool {
	if p.Poll() {
		return true
	}
	t := time.NewTimer(budget)
	defer t.Stop()
	select {
	case p.Res = <-p.ch:
		p.Done = true
		return true
	case <-t.C:
		return false
	}
}
