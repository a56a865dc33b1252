package harness

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// countsBytes reports whether op returns a byte count.
func countsBytes(o op) bool {
	switch o {
	case opWrite, opRead, opReadFull, opReadAll, opWriteTo, opReadFrom:
		return true
	}
	return false
}

func isRead(o op) bool  { return o == opRead || o == opReadFull || o == opReadAll || o == opReadFrom }
func isWrite(o op) bool { return o == opWrite || o == opWriteTo }

// payload is what a write step writes.
func (s Step) payload() []byte {
	if s.data == nil && s.want.pattern {
		return patternBytes(s.off, s.n)
	}
	return s.data
}

// patternLen is how many pattern bytes a read step expects: its buffer
// size, or for ReadAll the count given to WantN.
func (s Step) patternLen() int {
	if s.op == opReadAll {
		return s.want.n
	}
	return s.n
}

// expectsErr reports whether the step expects some error.
func (s Step) expectsErr() bool {
	if s.want.anyErr || s.want.partial {
		return true
	}
	for _, c := range s.want.classes {
		if c != None {
			return true
		}
	}
	return false
}

func (s Step) preferred() []Class {
	if len(s.want.classes) == 0 && !s.want.anyErr {
		return []Class{None}
	}
	return s.want.classes
}

// wantString renders what the step expects, in the order of the call's
// results: "0, closed (net.ErrClosed)".
func (s Step) wantString(scale float64) string {
	if s.want.record {
		return ""
	}
	var parts []string
	if countsBytes(s.op) {
		switch {
		case s.want.partial:
			parts = append(parts, fmt.Sprintf("0 ≤ n < %d", len(s.payload())))
		case s.expectsErr() && s.op != opReadAll && s.op != opReadFull:
			parts = append(parts, "0")
		case s.want.hasData:
			parts = append(parts, fmt.Sprintf("%d %s", len(s.want.data), quoteData(s.want.data)))
		case s.want.pattern && isRead(s.op):
			parts = append(parts, fmt.Sprintf("%d (pattern)", s.patternLen()))
		case s.want.hasN:
			parts = append(parts, strconv.Itoa(s.want.n))
		case isWrite(s.op):
			parts = append(parts, strconv.Itoa(len(s.payload())))
		}
	}
	switch {
	case s.op == opExpectOpt:
		parts = append(parts, fmt.Sprintf("%v=%d", s.opt, s.want.eq))
	case s.op == opAddrs:
		parts = append(parts, "non-nil addresses, unchanged, matching the other end")
	default:
		var cs []string
		for _, c := range s.preferred() {
			cs = append(cs, c.Describe())
		}
		if len(cs) == 0 && s.want.anyErr {
			cs = append(cs, "an error")
		}
		e := strings.Join(cs, " or ")
		if len(s.want.allowed) > 0 || (s.want.anyErr && len(s.want.classes) > 0) {
			e += " (allowed: "
			var as []string
			for _, c := range s.want.allowed {
				as = append(as, string(c))
			}
			if s.want.anyErr && len(s.want.classes) > 0 {
				as = append(as, "any error")
			}
			e += strings.Join(as, ", ") + ")"
		}
		parts = append(parts, e)
	}
	var extra []string
	if s.want.timeout {
		extra = append(extra, "Timeout() true")
	}
	if s.want.notTimeout {
		extra = append(extra, "Timeout() false")
	}
	if s.want.bare {
		extra = append(extra, "the bare sentinel")
	}
	if s.want.atDeadline {
		extra = append(extra, fmt.Sprintf("at the deadline (not before, at most %v after)", scaleBy(Tolerance, scale)))
	}
	if s.want.within > 0 {
		extra = append(extra, "within "+scaleBy(s.want.within, scale).String())
	}
	if s.want.notBefore > 0 {
		nb := "not before " + s.want.notBefore.String()
		if s.want.ticks > 0 {
			nb += fmt.Sprintf(" (less %d kernel ticks of %v)", s.want.ticks, kernelTick())
		}
		extra = append(extra, nb)
	}
	if s.want.since != "" {
		extra = append(extra, "counted from step "+strconv.Quote(s.want.since))
	}
	if s.want.from != "" {
		extra = append(extra, "from "+s.want.from)
	}
	if s.want.nilAddr {
		extra = append(extra, "nil address")
	}
	out := strings.Join(parts, ", ")
	if len(extra) > 0 {
		out += ", " + strings.Join(extra, ", ")
	}
	return out
}

// check judges what a call returned against step i's expectation, records
// the observation, and records a finding when it deviates. start is when
// the call began, base what Within is measured from, dl the deadline that
// applied.
func (r *run) check(i int, s Step, e *endpoint, start, dl time.Time, res callResult, base time.Time) {
	obs := Obs{Step: i + 1, Call: s.call(), At: r.since(start), Took: res.end.Sub(start), Want: s.wantString(r.scale)}
	if r.c.Script[i].op == opAwait {
		obs.Call = r.c.Script[i].call() + ": " + s.call()
		obs.Async = r.c.Script[i].name
	}
	if e != nil {
		obs.Endpoint = e.name
	}
	if countsBytes(s.op) {
		n := res.n
		obs.N = &n
		if isRead(s.op) && len(res.data) > 0 {
			obs.Data = quoteData(res.data)
		}
	}
	obs.Err = Describe(res.err)
	obs.Value = res.value
	if res.addr != nil {
		obs.Value = strings.TrimPrefix(obs.Value+", from "+res.addr.String(), ", ")
	}

	var bad []string     // deviations
	var allowed []string // non-preferred but accepted
	nbBase := start      // what NotBefore counts from
	if s.want.since != "" {
		base, nbBase = r.labelStart(s.want.since), r.labelStart(s.want.since)
	}
	r.lateNow = false
	bad = append(bad, invariants(s, res)...)
	var pe *PanicError
	if errors.Is(res.err, ErrBroken) {
		r.broken = true
		bad = append(bad, "the implementation broke")
	} else if errors.As(res.err, &pe) {
		bad = append(bad, "the implementation panicked")
		r.mu.Lock()
		r.res.Evidence += pe.Stack
		r.mu.Unlock()
	} else if !s.want.record {
		b, a := r.judge(s, e, start, nbBase, dl, res, base)
		bad, allowed = append(bad, b...), append(allowed, a...)
	}
	call := r.describe(i, s)
	switch {
	case len(bad) > 0:
		obs.Verdict = "fail"
		obs.Note = strings.Join(bad, "; ")
		f := Finding{Step: i + 1, Call: call, Got: gotString(s, res, nbBase, dl, base), Want: obs.Want + " (" + strings.Join(bad, "; ") + ")"}
		if r.lateNow {
			r.lateFinding(f)
		} else {
			r.finding(f)
		}
	case len(allowed) > 0:
		obs.Verdict = "allowed"
		obs.Note = strings.Join(allowed, "; ")
		r.allowed(Finding{Step: i + 1, Call: call, Got: gotString(s, res, nbBase, dl, base), Want: obs.Want})
	default:
		obs.Verdict = "ok"
	}
	r.record(obs)
}

// invariants are checked on every call, whatever the case expects: the
// io.Reader and io.Writer contracts, and nil conns with errors.
func invariants(s Step, res callResult) []string {
	var bad []string
	switch {
	case s.op == opRead || s.op == opReadFrom:
		if res.n < 0 || res.n > s.n {
			bad = append(bad, fmt.Sprintf("io.Reader: n=%d outside 0..%d", res.n, s.n))
		}
	case isWrite(s.op):
		l := len(s.payload())
		if res.n < 0 || res.n > l {
			bad = append(bad, fmt.Sprintf("io.Writer: n=%d outside 0..%d", res.n, l))
		} else if res.n < l && res.err == nil {
			bad = append(bad, fmt.Sprintf("io.Writer: n=%d < len %d with a nil error", res.n, l))
		}
	case s.op == opAccept || s.op == opDial || s.op == opDialTo || s.op == opDialPacket:
		if res.err != nil && res.conn != nil {
			bad = append(bad, fmt.Sprintf("a non-nil conn (%T) returned with the error", res.conn))
		}
	}
	if s.op == opReadFrom && res.err == nil && res.addr == nil {
		bad = append(bad, "ReadFrom returned a nil address with a nil error")
	}
	return bad
}

// judge compares the result with the step's expectation.
func (r *run) judge(s Step, e *endpoint, start, nbBase, dl time.Time, res callResult, base time.Time) (bad, allowed []string) {
	w := s.want
	cls := Classify(res.err)
	pref := s.preferred()
	switch {
	case slices.Contains(pref, cls):
	case slices.Contains(w.allowed, cls), w.anyErr && cls != None && len(w.classes) > 0:
		allowed = append(allowed, fmt.Sprintf("%s is allowed, %s preferred", cls, classList(pref)))
	case w.anyErr && cls != None:
	default:
		bad = append(bad, fmt.Sprintf("error is %s", cls))
	}
	info := Describe(res.err)
	if w.timeout && (info == nil || !info.Timeout) {
		bad = append(bad, "Timeout() is not true")
	}
	if w.notTimeout && info != nil && info.Timeout {
		bad = append(bad, "Timeout() is true")
	}
	if w.bare && res.err != nil && (info == nil || !info.Bare) {
		bad = append(bad, fmt.Sprintf("the error is wrapped (%T), not the sentinel itself", res.err))
	}
	if countsBytes(s.op) {
		bad = append(bad, judgeBytes(s, res, cls)...)
	}
	hard, late := judgeTiming(s, start, nbBase, dl, res.end, base, r.scale)
	bad = append(bad, hard...)
	r.lateNow = len(bad) == 0 && len(late) > 0
	bad = append(bad, late...)
	if w.from != "" {
		want := r.eps[w.from]
		if want == nil || !sameAddr(res.addr, want.local) {
			bad = append(bad, fmt.Sprintf("source address %v is not %s's %v", res.addr, w.from, localOf(want)))
		}
	}
	if w.nilAddr && res.addr != nil {
		bad = append(bad, fmt.Sprintf("address %v is not nil", res.addr))
	}
	if s.op == opAddrs && res.err == nil {
		bad = append(bad, judgeAddrs(e, res)...)
	}
	return bad, allowed
}

func localOf(e *endpoint) net.Addr {
	if e == nil {
		return nil
	}
	return e.local
}

func classList(cs []Class) string {
	var s []string
	for _, c := range cs {
		s = append(s, string(c))
	}
	return strings.Join(s, " or ")
}

func judgeBytes(s Step, res callResult, cls Class) []string {
	w := s.want
	var bad []string
	switch {
	case w.partial:
		if res.err == nil || res.n < 0 || res.n >= len(s.payload()) {
			bad = append(bad, fmt.Sprintf("n=%d is not a partial count with an error", res.n))
		}
	case s.expectsErr() && cls != None && res.n != 0 && s.op != opReadAll && s.op != opReadFull:
		bad = append(bad, fmt.Sprintf("n=%d with the error, want 0", res.n))
	}
	if isRead(s.op) {
		switch {
		case w.hasData && !bytes.Equal(res.data, w.data):
			bad = append(bad, fmt.Sprintf("data %s", quoteData(res.data)))
		case w.pattern && (len(res.data) != s.patternLen() || !bytes.Equal(res.data, patternBytes(s.off, s.patternLen()))):
			bad = append(bad, patternDiff(res.data, s.off, s.patternLen()))
		}
	}
	if w.hasN && res.n != w.n {
		bad = append(bad, fmt.Sprintf("n=%d, want %d", res.n, w.n))
	}
	return bad
}

// patternDiff says where data departs from the pattern.
func patternDiff(data []byte, off, n int) string {
	want := patternBytes(off, n)
	for i := range min(len(data), n) {
		if data[i] != want[i] {
			return fmt.Sprintf("%d bytes, differing from the pattern at byte %d", len(data), i)
		}
	}
	return fmt.Sprintf("%d bytes of the pattern, want %d", len(data), n)
}

// judgeTiming checks when a call returned. Returning early is a hard
// deviation; returning late is reported apart, because the case is retried
// at a larger timescale before a lateness counts.
func judgeTiming(s Step, start, nbBase, dl, end, base time.Time, scale float64) (bad, late []string) {
	w := s.want
	if w.atDeadline {
		switch {
		case dl.IsZero():
			bad = append(bad, "no deadline was set before this step")
		case end.Before(dl):
			bad = append(bad, fmt.Sprintf("returned %v before its deadline", dl.Sub(end).Round(time.Microsecond)))
		default:
			ref := dl
			if start.After(ref) {
				ref = start // a past deadline: measured from the call
			}
			if d := end.Sub(ref); d > scaleBy(Tolerance, scale) {
				late = append(late, fmt.Sprintf("returned %v after its deadline", d.Round(time.Millisecond)))
			}
		}
	}
	if w.within > 0 && end.Sub(base) > scaleBy(w.within, scale) {
		late = append(late, fmt.Sprintf("took %v", end.Sub(base).Round(time.Millisecond)))
	}
	if w.notBefore > 0 && end.Sub(nbBase) < w.notBefore-time.Duration(w.ticks)*kernelTick() {
		bad = append(bad, fmt.Sprintf("returned after %v", end.Sub(nbBase).Round(time.Millisecond)))
	}
	return bad, late
}

func judgeAddrs(e *endpoint, res callResult) []string {
	a, _ := res.extra.([2]net.Addr)
	l, rm := a[0], a[1]
	var bad []string
	if l == nil {
		bad = append(bad, "LocalAddr is nil")
	} else if e.local != nil && !sameAddr(l, e.local) {
		bad = append(bad, fmt.Sprintf("LocalAddr changed from %v", e.local))
	}
	if rm == nil {
		bad = append(bad, "RemoteAddr is nil")
	} else if e.remote != nil && !sameAddr(rm, e.remote) {
		bad = append(bad, fmt.Sprintf("RemoteAddr changed from %v", e.remote))
	}
	if o := e.other; o != nil && e.kernel && o.kernel && rm != nil && o.local != nil && !sameAddr(rm, o.local) {
		bad = append(bad, fmt.Sprintf("RemoteAddr %v is not the other end's LocalAddr %v", rm, o.local))
	}
	return bad
}

// gotString renders what a call returned, in the order of its results.
func gotString(s Step, res callResult, start, dl, base time.Time) string {
	var parts []string
	if countsBytes(s.op) {
		p := strconv.Itoa(res.n)
		if isRead(s.op) && len(res.data) > 0 && len(res.data) <= 24 {
			p += " " + quoteData(res.data)
		}
		parts = append(parts, p)
	}
	if res.value != "" {
		parts = append(parts, res.value)
	}
	if res.addr != nil {
		parts = append(parts, "from "+res.addr.String())
	}
	parts = append(parts, Describe(res.err).Short())
	w := s.want
	switch {
	case w.atDeadline && !dl.IsZero():
		if res.end.Before(dl) {
			parts = append(parts, fmt.Sprintf("%v before the deadline", dl.Sub(res.end).Round(time.Microsecond)))
		} else {
			ref := dl
			if start.After(ref) {
				ref = start
			}
			parts = append(parts, fmt.Sprintf("%v after the deadline", res.end.Sub(ref).Round(time.Millisecond)))
		}
	case w.within > 0:
		parts = append(parts, fmt.Sprintf("after %v", res.end.Sub(base).Round(time.Millisecond)))
	case w.notBefore > 0:
		parts = append(parts, fmt.Sprintf("after %v", res.end.Sub(start).Round(time.Millisecond)))
	}
	return strings.Join(parts, ", ")
}
