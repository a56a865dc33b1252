package harness

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// X gives a Func step access to the case: its endpoints, its context and
// the ways to report. Its methods are safe for concurrent use.
type X struct {
	r        *run
	step     int
	mu       sync.Mutex
	findings []Finding
	notes    []string
	calls    atomic.Int64 // the implementation's calls that moved bytes
	last     atomic.Int64 // when the last one returned, UnixNano
}

// progressed records that a call of the implementation moved bytes.
func (x *X) progressed() {
	x.calls.Add(1)
	x.last.Store(time.Now().UnixNano())
}

// Context ends with the case.
func (x *X) Context() context.Context { return x.r.ctx }

// Conn returns the conn named name, or nil. The implementation's conns
// come checked: a count outside 0..len(p) is a finding (see xcheck.go).
func (x *X) Conn(name string) net.Conn {
	e := x.r.eps[name]
	if e == nil || e.conn == nil {
		return nil
	}
	if e.iut {
		return checkedConn{e.conn, x}
	}
	return e.conn
}

// PacketConn returns the packet conn named name (a connected client that
// implements net.PacketConn too), or nil; checked like Conn.
func (x *X) PacketConn(name string) net.PacketConn {
	e := x.r.eps[name]
	if e == nil {
		return nil
	}
	pc, _ := e.object().(net.PacketConn)
	if pc == nil || !e.iut {
		return pc
	}
	checked := checkedPacketConn{pc, x}
	if c, ok := pc.(net.Conn); ok {
		return checkedDatagramConn{checked, c}
	}
	return checked
}

// Listener returns the listener named name, or nil.
func (x *X) Listener(name string) net.Listener {
	if e := x.r.eps[name]; e != nil {
		return e.ln
	}
	return nil
}

// LocalAddr returns the address endpoint name had when it was made.
func (x *X) LocalAddr(name string) net.Addr {
	if e := x.r.eps[name]; e != nil {
		return e.local
	}
	return nil
}

// IsIUT reports whether endpoint name belongs to the implementation under test.
func (x *X) IsIUT(name string) bool {
	e := x.r.eps[name]
	return e != nil && e.iut
}

// Scaled stretches an upper bound by the timescale.
func (x *X) Scaled(d time.Duration) time.Duration { return x.r.scaled(d) }

// Errorf records a deviation, written like the call: x.Errorf("Read", "0, EOF", "1, nil").
func (x *X) Errorf(call, got, want string) {
	x.mu.Lock()
	x.findings = append(x.findings, Finding{Step: x.step, Call: call, Got: got, Want: want})
	x.mu.Unlock()
}

// Logf adds a note to the step's observation.
func (x *X) Logf(format string, args ...any) {
	x.mu.Lock()
	x.notes = append(x.notes, fmt.Sprintf(format, args...))
	x.mu.Unlock()
}

// Metric records a measurement in the result (informational).
func (x *X) Metric(name string, v float64) { x.r.metric(name, v) }

func (r *run) metric(name string, v float64) {
	r.mu.Lock()
	if r.res.Metrics == nil {
		r.res.Metrics = map[string]float64{}
	}
	r.res.Metrics[name] = v
	r.mu.Unlock()
}

// execFunc runs a Func step under the watchdog.
func (r *run) execFunc(i int, s Step) {
	x := &X{r: r, step: i + 1}
	start := time.Now()
	budget := r.watch(10 * time.Second)
	if s.budget > 0 {
		budget = r.watch(s.budget)
	}
	ch := r.calls.start(s.name, func() callResult { return callResult{err: s.fn(x)} })
	res, ok := x.await(ch, start, budget)
	if !ok {
		if r.ctx.Err() != nil && time.Since(x.lastProgress(start)) < budget {
			// Still going, only slowly: the machine is too loaded for the
			// case's budget, which the retry doubles.
			r.inconclusivef("%s was still making progress (%d calls moved bytes, the last %v ago) when the case's %v budget ran out",
				s.name, x.calls.Load(), time.Since(x.lastProgress(start)).Round(time.Millisecond), r.watch(r.caseBudget()))
			r.record(Obs{Step: i + 1, Call: s.call(), At: r.since(start), Took: time.Since(start), Verdict: "inconclusive"})
			return
		}
		r.hang(i, s, start, time.Since(start))
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	obs := Obs{Step: i + 1, Call: s.call(), At: r.since(start), Took: res.end.Sub(start), Verdict: "ok"}
	if len(x.notes) > 0 {
		obs.Note = fmt.Sprint(x.notes)
	}
	if res.err != nil {
		x.findings = append(x.findings, Finding{Step: i + 1, Call: s.name, Got: res.err.Error(), Want: "no error"})
	}
	if len(x.findings) > 0 {
		obs.Verdict = "fail"
		for _, f := range x.findings {
			r.finding(f)
		}
	}
	r.record(obs)
}

// await waits for a Func step's result. The step hangs when none of the
// implementation's calls has moved bytes for budget; one that keeps making
// progress runs on until the case's context ends.
func (x *X) await(ch <-chan callResult, start time.Time, budget time.Duration) (callResult, bool) {
	t := time.NewTimer(budget)
	defer t.Stop()
	for {
		select {
		case res := <-ch:
			return res, true
		case <-x.r.ctx.Done():
			return callResult{}, false
		case <-t.C:
			idle := time.Since(x.lastProgress(start))
			if idle >= budget {
				return callResult{}, false
			}
			t.Reset(budget - idle)
		}
	}
}

// lastProgress is when the step's implementation calls last moved bytes,
// or start when none has.
func (x *X) lastProgress(start time.Time) time.Time {
	if n := x.last.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return start
}
