package explore

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/netconform/netconform/harness/explore/model"
)

// A world is a subject's endpoints for one sequence with the model that
// checks them: a stream pair or a set of datagram sockets.
type world interface {
	// begin registers op with the model at now and returns the call that
	// performs it; the call measures its own start and end.
	begin(op Op, now time.Time) (id int, st model.Status, call func() model.Result, err error)
	cancel(id int)
	status(id int, now time.Time) model.Status
	finish(id int, r model.Result) *model.Violation
	// deadline is the last deadline the sequence set on end's direction.
	deadline(end string, read bool) model.Expiry
	generate(r *run, x raw)
	concurrent(end string) bool
	closed(end string) bool
	fromName(i int) string
	teardown(r *run)
}

// bg is a call running in the background.
type bg struct {
	name  string
	op    Op
	id    int
	ch    chan model.Result
	start time.Time
}

// run executes one sequence and checks every step against the model.
type run struct {
	ctx    context.Context
	o      *Options
	s      *Subject
	w      world
	gen    bool // generating: the checks and awaits the model requires are added
	ops    []Op
	bgs    []*bg // in flight, oldest first
	byName map[string]*bg
	names  int
	v      Verdict
	done   bool

	mu       sync.Mutex
	inflight map[int]string // goroutines running a call
	seq      int
}

func newRun(ctx context.Context, s *Subject, o *Options, gen bool) *run {
	return &run{ctx: ctx, s: s, o: o, gen: gen, byName: map[string]*bg{}, inflight: map[int]string{}, v: Verdict{Outcome: Pass}}
}

func (r *run) record(op Op) int {
	r.ops = append(r.ops, op)
	return len(r.ops) - 1
}

// launch runs call in its own goroutine; a call that never returns stays
// listed in r.inflight and is named when the sequence ends.
func (r *run) launch(desc string, call func() model.Result) chan model.Result {
	ch := make(chan model.Result, 1)
	r.mu.Lock()
	r.seq++
	id := r.seq
	r.inflight[id] = desc
	r.mu.Unlock()
	go func() {
		res := protect(call)
		r.mu.Lock()
		delete(r.inflight, id)
		r.mu.Unlock()
		ch <- res
	}()
	return ch
}

// protect turns a panic in the implementation into a result of class
// "panic", which no rule allows.
func protect(call func() model.Result) (res model.Result) {
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			res = model.Result{Class: "panic", From: -1, Start: start, End: time.Now()}
		}
	}()
	return call()
}

func (r *run) wait(ch chan model.Result, by time.Time) (model.Result, bool) {
	t := time.NewTimer(time.Until(by))
	defer t.Stop()
	select {
	case res := <-ch:
		return res, true
	case <-t.C:
		return model.Result{}, false
	}
}

// dueBy is when a call with status st, waited for from now, counts as hung.
// A call that must return only by a rule the subject declares it breaks
// (Options.Known) is given the tolerance, not the watchdog: its hang is no
// finding, so waiting the watchdog out would only spend the budget (a
// listener without an accept queue would hang every Dial for seconds).
func (r *run) dueBy(st model.Status, now time.Time) time.Time {
	wait := r.o.watchdog()
	if r.shortWait(st) {
		wait = min(wait, r.o.tolerance()+r.o.settle())
	}
	if st.At.After(now) {
		return st.At.Add(wait)
	}
	return now.Add(wait)
}

// shortWait reports whether a call of status st is waited for briefly:
// only a rule the subject declares broken requires it to return.
func (r *run) shortWait(st model.Status) bool {
	return st.Block == model.Released && st.Because.ID != "" && r.o.Known[st.Because.ID]
}

// blockedNow: the call must not have returned yet — nothing releases it,
// or only a deadline too far away to matter in this sequence.
func (r *run) blockedNow(st model.Status, now time.Time) bool {
	return st.Block == model.Blocked || (st.Block == model.Released && st.At.Sub(now) > r.o.near())
}

// do runs op: in the foreground when the model says it returns, in the
// background when it may block (generating), or as written (replaying).
func (r *run) do(op Op) {
	if r.poll(); r.done {
		return
	}
	if op.Kind == Addrs {
		r.addrs(op)
		return
	}
	if m, ok := r.w.(methoder); ok {
		if missing := m.missing(op); missing != "" {
			i := r.record(op)
			r.ops[i].Got = &Got{Class: model.Other, Value: "no such method"}
			r.fail(i, op.String(), &model.Violation{Rule: model.RuleMethods, Got: missing,
				Want: "the method (" + op.String() + ")", Expect: model.Expect{N: -1, From: -1}})
			return
		}
	}
	now := time.Now()
	id, st, call, err := r.w.begin(op, now)
	if err != nil {
		if !r.gen {
			r.inconclusive(len(r.ops), fmt.Sprintf("%v: the op list does not fit this subject: %v", op, err))
		}
		return
	}
	if r.gen && (st.Block == model.Maybe || r.blockedNow(st, now)) {
		if !r.w.concurrent(op.End) {
			r.w.cancel(id)
			return
		}
		b := r.background("", op, id, call)
		if r.blockedNow(st, now) {
			r.stillBlocked(b)
		}
		return
	}
	i := r.record(op)
	ch := r.launch(op.String(), call)
	res, ok := r.wait(ch, r.dueBy(st, now))
	if !ok {
		r.hung(i, id, op.String(), r.shortWait(st))
		return
	}
	r.check(i, id, op, res, op.String(), res.Start)
}

// background starts op as a background call named name (a new name when
// empty) and records the Go step.
func (r *run) background(name string, op Op, id int, call func() model.Result) *bg {
	if name == "" {
		r.names++
		prefix := "w"
		switch op.Kind {
		case Read, ReadFrom:
			prefix = "r"
		case CopyOut, CopyIn:
			prefix = "cp"
		case Accept:
			prefix = "acc"
		}
		name = prefix + strconv.Itoa(r.names)
	}
	c := op
	r.record(Op{Kind: Go, Name: name, Call: &c})
	b := &bg{name: name, op: op, id: id, start: time.Now()}
	b.ch = r.launch(name+": "+op.String(), call)
	r.bgs = append(r.bgs, b)
	r.byName[name] = b
	return b
}

// stillBlocked checks that b does not return within the settle window.
func (r *run) stillBlocked(b *bg) {
	i := r.record(Op{Kind: StillBlocked, Name: b.name})
	t := time.NewTimer(r.o.settle())
	defer t.Stop()
	select {
	case res := <-b.ch:
		r.finishBg(i, b, res, b.name+": "+b.op.String()+" (must still block)")
	case <-t.C:
		r.ops[i].Got = &Got{Took: time.Since(b.start)}
	}
}

// await waits for b and checks what it returned.
func (r *run) await(b *bg) {
	i := r.record(Op{Kind: Await, Name: b.name})
	now := time.Now()
	st := r.w.status(b.id, now)
	if !r.gen && st.Block != model.Released {
		// Replaying a list made on another run: the model does not
		// require the call to return here.
		select {
		case res := <-b.ch:
			r.finishBg(i, b, res, "await "+b.name+": "+b.op.String())
		case <-time.After(r.o.settle()):
			r.inconclusive(i, "await "+b.name+": the model says "+b.op.String()+" may still block here; the replay diverged")
		}
		return
	}
	res, ok := r.wait(b.ch, r.dueBy(st, now))
	if !ok {
		r.drop(b)
		r.hung(i, b.id, "await "+b.name+": "+b.op.String(), r.shortWait(st))
		return
	}
	r.finishBg(i, b, res, "await "+b.name+": "+b.op.String())
}

func (r *run) drop(b *bg) {
	r.bgs = slices.DeleteFunc(r.bgs, func(x *bg) bool { return x == b })
}

func (r *run) finishBg(i int, b *bg, res model.Result, desc string) {
	r.drop(b)
	r.check(i, b.id, b.op, res, desc, b.start)
}

// check gives a call's result to the model, records it on step i, and
// ends the sequence on a violation or a late deadline.
func (r *run) check(i, id int, op Op, res model.Result, desc string, since time.Time) {
	g := &Got{N: res.N, Class: res.Class, Took: res.End.Sub(since)}
	if g.Class == "" {
		g.Class = model.None
	}
	if res.N > 0 && res.N <= len(res.Data) {
		g.Data = res.Data[:res.N]
	}
	if op.Kind == ReadFrom && (res.N > 0 || g.Class == model.None) {
		g.From = r.w.fromName(res.From)
	}
	if op.Kind == Dial || op.Kind == Accept || op.Kind == Listen {
		g.Value = model.MadeString(res, op.Kind == Listen)
	}
	r.ops[i].Got = g
	if v := r.w.finish(id, res); v != nil {
		r.fail(i, desc, v)
		return
	}
	if res.Class == model.Deadline {
		dl := r.w.deadline(op.End, op.Kind == Read || op.Kind == ReadFrom || op.Kind == CopyOut)
		due := dl.Due()
		if res.Start.After(due) {
			due = res.Start
		}
		if late := res.End.Sub(due); late > r.o.tolerance() {
			r.inconclusive(i, fmt.Sprintf("%s returned its deadline error %v after the deadline (tolerance %v)", desc, late.Round(time.Millisecond), r.o.tolerance()))
		}
	}
}

// hung: call id did not return within its watchdog. A finding when the
// model required it to return. short says it was waited for only briefly
// (dueBy): a rule not declared broken then makes it inconclusive, never a
// finding.
func (r *run) hung(i, id int, desc string, short bool) {
	r.ops[i].Got = &Got{Hung: true}
	v := r.w.finish(id, model.Result{Hung: true, End: time.Now()})
	if v == nil {
		r.inconclusive(i, desc+" did not return, and the model does not require it to")
		return
	}
	if short && !r.o.Known[v.Rule.ID] {
		r.inconclusive(i, desc+" did not return within the short wait of a rule declared broken, and the model now requires it by "+v.Rule.ID)
		return
	}
	r.fail(i, desc, v)
}

func (r *run) fail(i int, desc string, v *model.Violation) {
	if r.done {
		return
	}
	if r.o.Known[v.Rule.ID] {
		r.v.Known = append(r.v.Known, KnownHit{Rule: v.Rule, Step: i, Message: fmt.Sprintf("%s = %s, want %s", desc, v.Got, v.Want)})
		r.ops[i].Got.Fail = fmt.Sprintf("known divergence %s (%s): want %s", v.Rule.ID, v.Rule.Level, v.Want)
		if v.Rule.Level == model.Contract || r.ops[i].Got.Hung {
			r.done = true
			r.v.Outcome, r.v.Step = Known, i
		}
		return
	}
	r.done = true
	r.v.Outcome, r.v.Rule, r.v.Step = Fail, v.Rule, i
	r.v.Message = fmt.Sprintf("%s = %s, want %s", desc, v.Got, v.Want)
	r.v.Call, r.v.Got, r.v.WantText = desc, v.Got, v.Want
	r.ops[i].Got.Fail = fmt.Sprintf("%s (%s): want %s", v.Rule.ID, v.Rule.Level, v.Want)
	r.v.Want = v.Expect
}

func (r *run) inconclusive(i int, msg string) {
	if r.done {
		return
	}
	r.done = true
	r.v.Outcome, r.v.Step, r.v.Message = Inconclusive, i, msg
}

// poll checks the background calls the model says are blocked: one that
// returned already is checked now, against the state before the next step.
func (r *run) poll() {
	now := time.Now()
	for _, b := range slices.Clone(r.bgs) {
		if r.done {
			return
		}
		if !r.blockedNow(r.w.status(b.id, now), now) {
			continue
		}
		select {
		case res := <-b.ch:
			i := r.record(Op{Kind: StillBlocked, Name: b.name})
			r.finishBg(i, b, res, b.name+": "+b.op.String()+" (must still block)")
		default:
		}
	}
}

// forced awaits every background call the model says must return now,
// writes before reads (a write's result decides what a read may see).
func (r *run) forced() {
	for !r.done {
		now := time.Now()
		var next *bg
		for _, writes := range []bool{true, false} {
			for _, b := range r.bgs {
				if isWrite(b.op.Kind) != writes || next != nil {
					continue
				}
				st := r.w.status(b.id, now)
				if st.Block == model.Released && st.At.Sub(now) <= r.o.near() {
					next = b
				}
			}
		}
		if next == nil {
			return
		}
		r.await(next)
	}
}

func isWrite(k Kind) bool { return k == Write || k == CopyIn || k == WriteTo }

// epilogue releases what is still blocked by closing its ends, one Close
// step at a time, checking what each release returns.
func (r *run) epilogue() {
	for !r.done && len(r.bgs) > 0 {
		end := ""
		for _, b := range r.bgs {
			if !r.w.closed(b.op.End) {
				end = b.op.End
				break
			}
		}
		if end == "" {
			return
		}
		r.do(Op{Kind: Close, End: end})
		r.forced()
	}
}

// finishRun tears the endpoints down, waits a little for the calls still
// running, and names those that never returned.
func (r *run) finishRun() Verdict {
	r.w.teardown(r)
	grace := time.Now().Add(r.o.scale(500 * time.Millisecond))
	for time.Now().Before(grace) {
		r.mu.Lock()
		n := len(r.inflight)
		r.mu.Unlock()
		if n == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	r.mu.Lock()
	for _, d := range r.inflight {
		r.v.Hung = append(r.v.Hung, d)
	}
	r.mu.Unlock()
	slices.Sort(r.v.Hung)
	r.v.Ops = r.ops
	return r.v
}

// An addresser is a world that checks what its endpoints say of their
// addresses (Addrs), outside the model.
type addresser interface {
	addrs(end string) (got string, v *model.Violation, err error)
}

// addrs runs an Addrs step.
func (r *run) addrs(op Op) {
	a, ok := r.w.(addresser)
	if !ok {
		if !r.gen {
			r.inconclusive(len(r.ops), fmt.Sprintf("%v: this subject's endpoints have no addresses to check", op))
		}
		return
	}
	i := r.record(op)
	var got string
	var v *model.Violation
	var err error
	ch := r.launch(op.String(), func() model.Result {
		got, v, err = a.addrs(op.End)
		return model.Result{}
	})
	if _, ok := r.wait(ch, time.Now().Add(r.o.watchdog())); !ok {
		r.ops[i].Got = &Got{Hung: true}
		r.fail(i, op.String(), &model.Violation{Rule: model.RuleCtlReturns, Got: "no return (hung)", Want: "the addresses", Expect: model.Expect{N: -1, From: -1}})
		return
	}
	if err != nil {
		r.inconclusive(i, fmt.Sprintf("%v: %v", op, err))
		return
	}
	r.ops[i].Got = &Got{Class: model.None, Value: got}
	if v != nil {
		r.fail(i, op.String(), v)
	}
}

// A methoder is a world whose endpoints may lack a method an op needs.
type methoder interface {
	// missing says which method op's endpoint lacks ("*tls.Conn has no
	// CloseRead() error"), or "".
	missing(op Op) string
}

// CallFrames returns the function at the root of the goroutines the
// explorer starts to make an implementation's calls (launch). Once an
// exploration ended, such a goroutine is a call it left hung and already
// named (Report.Hung); leak checks count it apart, as the harness's own
// abandoned calls (runner.IgnoreAbandonedCalls).
func CallFrames() []string {
	return []string{reflect.TypeFor[run]().PkgPath() + ".(*run).launch.func1"}
}
