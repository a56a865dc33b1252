package runner

import (
	"container/heap"
	"runtime"
	"sync"

	"github.com/netconform/netconform/harness"
)

// A limiter bounds how many cases run at once, across every
// implementation; an exclusive case (a measurement) runs alone; an
// implementation that sets Parallel is bounded below that. When every slot
// is taken, the waiter of the highest priority gets the next free one, and
// among equals the first to ask: long cases asked first start first, so
// that short ones fill the gaps instead of the long ones ending the run.
type limiter struct {
	exclusive sync.RWMutex
	mu        sync.Mutex
	free      int
	queue     waiters
	seq       uint64
	perImpl   map[string]chan struct{}
	children  chan struct{}       // isolated cases running at once, each a child process
	watching  map[*LeakWatch]bool // implementations whose leaks are being watched
}

// maxChildren bounds the isolated cases running at once: each is a child
// test process (and, for a program, the program), which costs CPU to
// start and to reap, unlike an in-process case that waits on a timer. Most
// of them wait seconds on kernel timers (keep-alive, ARP), so the bound is
// loose: go test ./suite starts its 30 children within its first two seconds,
// where 12 a core held the last implementation's 3 s cases back by 3 s.
var maxChildren = 24 * runtime.NumCPU()

func newLimiter(n int) limiter {
	return limiter{free: n, perImpl: map[string]chan struct{}{}, children: make(chan struct{}, min(n, maxChildren)), watching: map[*LeakWatch]bool{}}
}

// acquireChild takes one of the slots of isolated cases.
func (l *limiter) acquireChild() func() {
	l.children <- struct{}{}
	return func() { <-l.children }
}

// acquire takes a slot (or the whole process, for an exclusive case) and
// returns the function that gives it back.
func (l *limiter) acquire(excl bool, prio int) func() {
	if excl {
		l.exclusive.Lock()
		return l.exclusive.Unlock
	}
	l.exclusive.RLock()
	l.take(prio)
	return func() { l.give(); l.exclusive.RUnlock() }
}

// take waits for a slot, served by priority, then in order of asking.
func (l *limiter) take(prio int) {
	l.mu.Lock()
	if l.free > 0 && len(l.queue) == 0 {
		l.free--
		l.mu.Unlock()
		return
	}
	w := &waiter{prio: prio, seq: l.seq, ready: make(chan struct{})}
	l.seq++
	heap.Push(&l.queue, w)
	l.mu.Unlock()
	<-w.ready // give handed its slot over
}

// give hands the slot to the first waiter, or frees it.
func (l *limiter) give() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) > 0 {
		close(heap.Pop(&l.queue).(*waiter).ready)
		return
	}
	l.free++
}

type waiter struct {
	prio  int
	seq   uint64
	ready chan struct{}
}

// waiters is a heap: highest priority first, then lowest sequence.
type waiters []*waiter

func (q waiters) Len() int { return len(q) }
func (q waiters) Less(i, j int) bool {
	if q[i].prio != q[j].prio {
		return q[i].prio > q[j].prio
	}
	return q[i].seq < q[j].seq
}
func (q waiters) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *waiters) Push(x any)   { *q = append(*q, x.(*waiter)) }
func (q *waiters) Pop() any {
	old := *q
	w := old[len(old)-1]
	*q = old[:len(old)-1]
	return w
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
