package rawsock

import (
	"sync"
	"time"
)

// A deadline is one direction's deadline: wait returns a channel that is
// closed once the deadline has passed. Setting a new deadline replaces the
// channel when the old one had fired, so waiters that started before see
// the old one fire and waiters after see the new one.
//
// Each set starts a new generation: a timer of an earlier generation that
// already fired, and waits for mu while set runs, must not close the
// channel (time.Timer.Stop cannot recall an AfterFunc that has started).
type deadline struct {
	mu    sync.Mutex
	timer *time.Timer
	gen   uint64
	ch    chan struct{}
}

func newDeadline() *deadline { return &deadline{ch: make(chan struct{})} }

func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// set arms the deadline for t; the zero time disarms it.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.disarm()
	if closed(d.ch) {
		d.ch = make(chan struct{})
	}
	if t.IsZero() {
		return
	}
	dur := time.Until(t)
	if dur <= 0 {
		close(d.ch)
		return
	}
	gen := d.gen
	d.timer = time.AfterFunc(dur, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.gen == gen && !closed(d.ch) {
			close(d.ch)
		}
	})
}

// wait returns the channel closed when the deadline passes.
func (d *deadline) wait() chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ch
}

// expired reports whether the deadline has passed.
func (d *deadline) expired() bool { return closed(d.wait()) }

// stop releases the timer.
func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.disarm()
}

// disarm stops the timer and starts a new generation, so that a callback
// already running finds itself stale. d.mu is held.
func (d *deadline) disarm() {
	d.gen++
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}
