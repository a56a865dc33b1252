package harness

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
)

// teardown closes every endpoint, stops what lies underneath, runs the
// case's cleanups and waits for every call to return. Closes run in
// parallel so that one end's blocking Close cannot wait on the other's. A
// call still blocked after all that is a leaked goroutine: a finding.
func (r *run) teardown() {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var stuck []string
	step := func(desc string, fn func()) {
		defer wg.Done()
		if _, ok := r.calls.call(desc, r.watch(closeBudget), func() callResult { fn(); return callResult{} }); !ok {
			mu.Lock()
			stuck = append(stuck, desc)
			mu.Unlock()
		}
	}
	for _, e := range r.order {
		if e.closed {
			continue
		}
		wg.Add(1)
		go step("teardown "+e.name+".Close()", func() { e.close() })
	}
	wg.Wait()
	for _, stop := range r.stops {
		wg.Add(1)
		go step("teardown Stop()", stop)
	}
	wg.Wait()
	wg.Add(1)
	go step("teardown cleanups", r.scope.close)
	wg.Wait()
	r.evidence = r.scope.collectEvidence()
	for _, d := range r.tmpdirs {
		os.RemoveAll(d)
	}
	if !r.calls.wait(r.watch(teardownGrace)) {
		p := r.calls.pending()
		sort.Strings(p)
		stuck = append(stuck, p...)
	}
	if len(stuck) > 0 && !r.skipped {
		if !r.hung && !r.failed && !r.broken {
			r.hung = true
		}
		r.mu.Lock()
		r.res.Findings = append(r.res.Findings, Finding{
			Call: "teardown",
			Got:  fmt.Sprintf("still blocked %v after closing everything: %s", r.watch(teardownGrace), strings.Join(dedup(stuck), "; ")),
			Want: "every call to return once its endpoints are closed",
		})
		r.mu.Unlock()
	}
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
