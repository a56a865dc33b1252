package runner

import (
	"sync"

	"github.com/netconform/netconform/harness"
)

// A limiter bounds how many cases run at once, across every
// implementation; an exclusive case (a measurement) runs alone; an
// implementation that sets Parallel is bounded below that.
type limiter struct {
	slots     chan struct{}
	exclusive sync.RWMutex
	mu        sync.Mutex
	perImpl   map[string]chan struct{}
	watching  map[*LeakWatch]bool // implementations whose leaks are being watched
}

func newLimiter(n int) limiter {
	return limiter{slots: make(chan struct{}, n), perImpl: map[string]chan struct{}{}, watching: map[*LeakWatch]bool{}}
}

// acquire takes a slot (or the whole process, for an exclusive case) and
// returns the function that gives it back.
func (l *limiter) acquire(excl bool) func() {
	if excl {
		l.exclusive.Lock()
		return l.exclusive.Unlock
	}
	l.exclusive.RLock()
	l.slots <- struct{}{}
	return func() { <-l.slots; l.exclusive.RUnlock() }
}

// acquireImpl takes one of im's slots, when it limits its parallelism.
func (l *limiter) acquireImpl(im *harness.Impl) func() {
	if im.Parallel <= 0 {
		return func() {}
	}
	l.mu.Lock()
	ch, ok := l.perImpl[im.Name]
	if !ok {
		ch = make(chan struct{}, im.Parallel)
		l.perImpl[im.Name] = ch
	}
	l.mu.Unlock()
	ch <- struct{}{}
	return func() { <-ch }
}
