package engine

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/netconform/netconform/harness/result"
)

// Teardown budgets: a Close may block while it finishes sending
// (net.Conn.Close "may or may not block until any buffered data is sent";
// a WebSocket close handshake waits 5 s for an idle peer); once everything
// is closed, calls still running get TeardownGrace to return.
const (
	CloseBudget   = 8 * time.Second
	TeardownGrace = 2 * time.Second
)

// teardown closes every endpoint, then runs the undo functions, then the
// implementation's case cleanups, and waits for every call to return.
// Closes run in parallel so that one end's blocking Close cannot wait on
// the other's. A call still blocked after all that is a leaked goroutine:
// a finding. It returns the evidence the implementation's providers gave.
func (a *Attempt) teardown() (evidence string) {
	var stuck stuckList
	var closes []func()
	for _, e := range a.Eps.All() {
		if !e.Closed {
			closes = append(closes, a.bounded(&stuck, "teardown "+e.Name+".Close()", func() { e.Close() }))
		}
	}
	parallel(closes)
	var undos []func()
	for _, f := range a.undo {
		undos = append(undos, a.bounded(&stuck, "teardown Stop()", f))
	}
	for name, remove := range a.Net.Faults {
		undos = append(undos, a.bounded(&stuck, "teardown: remove fault "+name, func() { remove() }))
	}
	parallel(undos)
	a.bounded(&stuck, "teardown cleanups", a.scope.Close)()
	evidence = a.scope.Evidence()
	if !a.Calls.Wait(a.Clock.Watch(TeardownGrace)) {
		stuck.add(a.Calls.Pending()...)
	}
	if len(stuck.list) > 0 && !a.V.IsSkipped() {
		a.V.Stuck(result.Finding{
			Call: "teardown",
			Got:  fmt.Sprintf("still blocked %v after closing everything: %s", a.Clock.Watch(TeardownGrace), strings.Join(dedup(stuck.list), "; ")),
			Want: "every call to return once its endpoints are closed",
		})
	}
	return evidence
}

// bounded returns f made into a call under the close budget that, when it
// does not return in time, is listed as stuck.
func (a *Attempt) bounded(stuck *stuckList, desc string, f func()) func() {
	return func() {
		if _, ok := a.Calls.Call(desc, a.Clock.Watch(CloseBudget), func() Ret { f(); return Ret{} }, nil); !ok {
			stuck.add(desc)
		}
	}
}

type stuckList struct {
	mu   sync.Mutex
	list []string
}

func (s *stuckList) add(d ...string) {
	s.mu.Lock()
	s.list = append(s.list, d...)
	s.mu.Unlock()
}

// parallel runs fs at once and waits for all of them.
func parallel(fs []func()) {
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Go(f)
	}
	wg.Wait()
}

func dedup(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
