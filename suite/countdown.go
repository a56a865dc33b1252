package suite

import "sync"

// A countdown counts the cases of an implementation still running in this
// process. Its exploration starts once few are left (Few), not once all
// are done: the last of them are usually waiting out a window (a 3 s hang
// of a known divergence, a deadline) and use no CPU, while the cases
// starting together at first would compete with the exploration for it.
type countdown struct {
	mu      sync.Mutex
	started int
	left    int
	few     chan struct{} // closed once at most started/fewShare are left, after Seal
	sealed  bool
}

// fewShare: the exploration starts once no more than 1/fewShare of the
// cases are still running.
const fewShare = 16

func newCountdown() *countdown { return &countdown{few: make(chan struct{})} }

// Add counts a case started.
func (c *countdown) Add() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.started++
	c.left++
}

// Done counts a case ended.
func (c *countdown) Done() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.left--
	c.check()
}

// Seal says every case has been counted.
func (c *countdown) Seal() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sealed = true
	c.check()
}

func (c *countdown) check() {
	select {
	case <-c.few:
		return
	default:
	}
	if c.sealed && c.left <= c.started/fewShare {
		close(c.few)
	}
}

// Few waits until Seal was called and few cases are left.
func (c *countdown) Few() { <-c.few }
