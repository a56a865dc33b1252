package engine

import (
	"fmt"
	"net"
	"reflect"
	"runtime/debug"
	"sort"
	"sync"
	"time"
)

// Ret is what a blocking call returned.
type Ret struct {
	N     int
	Data  []byte
	Err   error
	Addr  net.Addr
	Value string // what the call observed, in words: states, addresses, counts
	End   time.Time
}

// Calls tracks the calls an attempt has running, so that teardown can wait
// for them and name the ones that never return.
type Calls struct {
	mu    sync.Mutex
	next  int
	calls map[int]string
	wg    sync.WaitGroup
}

func (f *Calls) add(desc string) int {
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

func (f *Calls) done(id int) {
	f.mu.Lock()
	delete(f.calls, id)
	f.mu.Unlock()
	f.wg.Done()
}

// Pending returns the descriptions of the calls still running, sorted.
func (f *Calls) Pending() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, d := range f.calls {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// Wait waits up to d for every call to return.
func (f *Calls) Wait(d time.Duration) bool {
	ch := make(chan struct{})
	go func() { f.wg.Wait(); close(ch) }()
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

// Start runs fn in its own goroutine and returns a channel that receives
// its result. A call that never returns stays listed in Pending.
func (f *Calls) Start(desc string, fn func() Ret) <-chan Ret {
	ch := make(chan Ret, 1)
	id := f.add(desc)
	go func() {
		defer f.done(id)
		res := Protect(fn)
		if res.End.IsZero() {
			res.End = time.Now()
		}
		ch <- res
	}()
	return ch
}

// Call runs fn under a watchdog of budget: it returns the result and true,
// or false when fn is still blocked when the budget ends — measured from
// the last progress fn recorded, when progress is not nil.
func (f *Calls) Call(desc string, budget time.Duration, fn func() Ret, progress *Progress) (Ret, bool) {
	start := time.Now()
	return AwaitProgress(nil, f.Start(desc, fn), start, budget, progress)
}

// PanicError is what a call returns when the implementation panicked in
// it. Calls recover such panics so that one case cannot take the run down;
// a panic in a goroutine the implementation started itself cannot be
// recovered and ends the process.
type PanicError struct {
	Value any
	Stack string
}

// Error says what the implementation panicked with.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Protect runs fn, turning a panic into a PanicError result.
func Protect(fn func() Ret) (res Ret) {
	defer func() {
		if p := recover(); p != nil {
			res = Ret{Err: &PanicError{Value: p, Stack: string(debug.Stack())}}
		}
	}()
	return fn()
}

// CallFrames returns the functions at the root of the goroutines the engine
// starts to make an implementation's calls, and to wait for them. Once
// every case has ended, such a goroutine is a call its case abandoned and
// already reported as blocked; leak checks count these apart from the
// goroutines the implementation itself left behind. extra names the
// functions of other packages that start such goroutines (a Func step's
// X.Go).
func CallFrames(extra ...string) []string {
	pkg := reflect.TypeFor[Calls]().PkgPath()
	return append([]string{pkg + ".(*Calls).Start.func1", pkg + ".(*Calls).Wait.func1"}, extra...)
}
