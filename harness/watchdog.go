package harness

import (
	"net"
	"sync"
	"time"
)

// callResult is what a blocking call returned.
type callResult struct {
	n     int
	data  []byte
	err   error
	addr  net.Addr
	conn  net.Conn
	ln    net.Listener
	pc    net.PacketConn
	value string
	extra any // what a setup call made (a *Pair, a *PairListener)
	end   time.Time
}

// inflight tracks the calls a case has running, so that teardown can wait
// for them and name the ones that never return.
type inflight struct {
	mu    sync.Mutex
	next  int
	calls map[int]string
	wg    sync.WaitGroup
}

func (f *inflight) add(desc string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[int]string{}
	}
	f.next++
	f.calls[f.next] = desc
	f.wg.Add(1)
	return f.next
}

func (f *inflight) done(id int) {
	f.mu.Lock()
	delete(f.calls, id)
	f.mu.Unlock()
	f.wg.Done()
}

func (f *inflight) pending() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, d := range f.calls {
		out = append(out, d)
	}
	return out
}

// wait waits up to d for every call to return.
func (f *inflight) wait(d time.Duration) bool {
	ch := make(chan struct{})
	go func() { f.wg.Wait(); close(ch) }()
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

// start runs fn in its own goroutine and returns a channel that receives its
// result. A call that never returns stays listed in f.
func (f *inflight) start(desc string, fn func() callResult) <-chan callResult {
	ch := make(chan callResult, 1)
	id := f.add(desc)
	go func() {
		defer f.done(id)
		res := protect(fn)
		if res.end.IsZero() {
			res.end = time.Now()
		}
		ch <- res
	}()
	return ch
}

// call runs fn under a watchdog of budget: it returns the result and true,
// or false when fn is still blocked when the budget ends.
func (f *inflight) call(desc string, budget time.Duration, fn func() callResult) (callResult, bool) {
	ch := f.start(desc, fn)
	t := time.NewTimer(budget)
	defer t.Stop()
	select {
	case r := <-ch:
		return r, true
	case <-t.C:
		return callResult{}, false
	}
}
