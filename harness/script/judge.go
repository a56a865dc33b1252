package script

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/errclass"
	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/result"
)

// A judged call: what the call returned and the times it is judged by.
type judged struct {
	ret   engine.Ret
	e     *engine.Endpoint // acted on, or nil
	start time.Time        // when the call began
	dl    time.Time        // the deadline that applied
	base  time.Time        // what Within counts from
	call  string           // the transcript's name for the call
	async string           // the background operation it was, or ""
	extra []string         // the family's own deviations
}

// check judges a call against step i's expectation, records the
// observation, and records a finding when it deviates.
func check(a *engine.Attempt, i int, s Step, j judged) {
	obs := observation(a, i, s, j)
	nbBase := j.start // what NotBefore counts from
	if s.want.timing.since != "" {
		j.base, nbBase = a.LabelStart(s.want.timing.since), a.LabelStart(s.want.timing.since)
	}
	bad := invariants(s, j.ret)
	var allowed []string
	lateOnly, crashed := false, false
	var pe *engine.PanicError
	switch {
	case errors.Is(j.ret.Err, harness.ErrBroken):
		crashed = true
		bad = append(bad, "the implementation broke")
	case errors.As(j.ret.Err, &pe):
		bad = append(bad, "the implementation panicked")
		a.V.AddEvidence(pe.Stack)
	case !s.want.record:
		var b []string
		b, allowed, lateOnly = judge(a, s, j, nbBase)
		lateOnly = lateOnly && len(bad) == 0 && len(j.extra) == 0
		bad = append(append(bad, b...), j.extra...)
	}
	call := describe(a, i, s)
	got := gotString(s, j.ret, nbBase, j.dl, j.base)
	switch {
	case len(bad) > 0:
		obs.Verdict, obs.Note = "fail", strings.Join(bad, "; ")
		f := result.Finding{Step: i + 1, Call: call, Got: got, Want: obs.Want + " (" + strings.Join(bad, "; ") + ")"}
		switch {
		case crashed:
			a.V.Crashed(f)
		case lateOnly:
			a.V.Late(f)
		default:
			a.V.Fail(f)
		}
	case len(allowed) > 0:
		obs.Verdict, obs.Note = "allowed", strings.Join(allowed, "; ")
		a.V.Allowed(result.Finding{Step: i + 1, Call: call, Got: got, Want: obs.Want})
	default:
		obs.Verdict = "ok"
	}
	a.V.Record(obs)
}

// observation is the transcript line of a call, before its verdict.
func observation(a *engine.Attempt, i int, s Step, j judged) result.Obs {
	obs := result.Obs{Step: i + 1, Call: j.call, Async: j.async, At: a.Clock.Since(j.start), Took: j.ret.End.Sub(j.start), Want: s.wantString(a.Clock.Scale)}
	if j.e != nil {
		obs.Endpoint = j.e.Name
	}
	if bc, ok := s.f.(byteCall); ok {
		n := j.ret.N
		obs.N = &n
		if bc.reads(s) && len(j.ret.Data) > 0 {
			obs.Data = quoteData(j.ret.Data)
		}
	}
	obs.Err = describeErr(j.ret.Err)
	if s.want.timing.atDeadline && !j.dl.IsZero() && !j.ret.End.IsZero() {
		ref := j.dl
		if j.start.After(ref) {
			ref = j.start // a past deadline: measured from the call, as judgeTiming does
		}
		late := j.ret.End.Sub(ref)
		obs.Late, obs.Tolerance = &late, engine.ScaleBy(Tolerance, a.Clock.Scale)
	}
	obs.WantErr = s.wantClasses()
	obs.Value = j.ret.Value
	if j.ret.Addr != nil {
		obs.Value = strings.TrimPrefix(obs.Value+", from "+j.ret.Addr.String(), ", ")
	}
	return obs
}

// invariants are checked on every call, whatever the case expects: the
// io.Reader and io.Writer contracts.
func invariants(s Step, ret engine.Ret) []string {
	bc, ok := s.f.(byteCall)
	if !ok {
		return nil
	}
	var bad []string
	switch {
	case bc.reads(s) && !bc.accumulates(s):
		if ret.N < 0 || ret.N > bc.readLen(s) {
			bad = append(bad, fmt.Sprintf("io.Reader: n=%d outside 0..%d", ret.N, bc.readLen(s)))
		}
	case !bc.reads(s):
		l := bc.writeLen(s)
		if ret.N < 0 || ret.N > l {
			bad = append(bad, fmt.Sprintf("io.Writer: n=%d outside 0..%d", ret.N, l))
		} else if ret.N < l && ret.Err == nil {
			bad = append(bad, fmt.Sprintf("io.Writer: n=%d < len %d with a nil error", ret.N, l))
		}
	}
	return bad
}

// judge compares a call's result with the step's expectation. lateOnly
// reports that its only deviations are upper-bound timing misses.
func judge(a *engine.Attempt, s Step, j judged, nbBase time.Time) (bad, allowed []string, lateOnly bool) {
	w := s.want.err
	cls := errclass.Classify(j.ret.Err)
	pref := s.preferred()
	switch {
	case slices.Contains(pref, cls):
	case slices.Contains(w.allowed, cls), w.anyErr && cls != None && len(w.classes) > 0:
		allowed = append(allowed, fmt.Sprintf("%s is allowed, %s preferred", cls, classList(pref)))
	case w.anyErr && cls != None:
	default:
		bad = append(bad, fmt.Sprintf("error is %s", cls))
	}
	info := describeErr(j.ret.Err)
	if w.timeout && (info == nil || !info.Timeout) {
		bad = append(bad, "Timeout() is not true")
	}
	if w.notTimeout && info != nil && info.Timeout {
		bad = append(bad, "Timeout() is true")
	}
	if w.bare && j.ret.Err != nil && (info == nil || !info.Bare) {
		bad = append(bad, fmt.Sprintf("the error is wrapped (%T), not the sentinel itself", j.ret.Err))
	}
	if w.op != "" && j.ret.Err != nil {
		bad = append(bad, judgeOpError(w.op, j.ret.Err, unconnectedRead(s))...)
	}
	if _, ok := s.f.(byteCall); ok {
		bad = append(bad, judgeBytes(s, j.ret, cls)...)
	}
	hard, late := judgeTiming(s.want.timing, j.start, nbBase, j.dl, j.ret.End, j.base, a.Clock.Scale)
	bad = append(bad, hard...)
	lateOnly = len(bad) == 0 && len(late) > 0
	bad = append(bad, late...)
	if s.want.from != "" {
		want := a.Eps.Get(s.want.from)
		if want == nil || !engine.SameAddr(j.ret.Addr, want.Local()) {
			bad = append(bad, fmt.Sprintf("source address %v is not %s's %v", j.ret.Addr, s.want.from, localOf(want)))
		}
	}
	if s.want.nilAddr && j.ret.Addr != nil {
		bad = append(bad, fmt.Sprintf("address %v is not nil", j.ret.Addr))
	}
	return bad, allowed, lateOnly
}

func localOf(e *engine.Endpoint) any {
	if e == nil {
		return nil
	}
	return e.Local()
}

// judgeBytes checks a count and the data against the expectation.
func judgeBytes(s Step, ret engine.Ret, cls Class) []string {
	bc := s.f.(byteCall)
	w := s.want.bytes
	var bad []string
	switch {
	case w.partial:
		if ret.Err == nil || ret.N < 0 || ret.N >= bc.writeLen(s) {
			bad = append(bad, fmt.Sprintf("n=%d is not a partial count with an error", ret.N))
		}
	case s.expectsErr() && cls != None && ret.N != 0 && !bc.accumulates(s):
		bad = append(bad, fmt.Sprintf("n=%d with the error, want 0", ret.N))
	}
	if bc.reads(s) {
		n := bc.readLen(s)
		switch {
		case w.hasData && !bytes.Equal(ret.Data, w.data):
			bad = append(bad, fmt.Sprintf("data %s", quoteData(ret.Data)))
		case w.pattern && (len(ret.Data) != n || !bytes.Equal(ret.Data, patternBytes(w.off, n))):
			bad = append(bad, patternDiff(ret.Data, w.off, n))
		case w.prefix != nil && !bytes.HasPrefix(ret.Data, w.prefix):
			bad = append(bad, fmt.Sprintf("data %s", quoteData(ret.Data)))
		case w.upTo != nil && (len(ret.Data) == 0 || !bytes.HasPrefix(w.upTo, ret.Data)):
			bad = append(bad, fmt.Sprintf("data %s", quoteData(ret.Data)))
		}
	}
	if w.hasN && ret.N != w.n {
		bad = append(bad, fmt.Sprintf("n=%d, want %d", ret.N, w.n))
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
func judgeTiming(w timingWant, start, nbBase, dl, end, base time.Time, scale float64) (bad, late []string) {
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
			if d := end.Sub(ref); d > engine.ScaleBy(Tolerance, scale) {
				late = append(late, fmt.Sprintf("returned %v after its deadline", d.Round(time.Millisecond)))
			}
		}
	}
	if w.within > 0 && end.Sub(base) > engine.ScaleBy(w.within, scale) {
		late = append(late, fmt.Sprintf("took %v", end.Sub(base).Round(time.Millisecond)))
	}
	if w.notBefore > 0 && end.Sub(nbBase) < w.notBefore-time.Duration(w.ticks)*kernelTick() {
		bad = append(bad, fmt.Sprintf("returned after %v", end.Sub(nbBase).Round(time.Millisecond)))
	}
	return bad, late
}

// gotString renders what a call returned, in the order of its results.
func gotString(s Step, ret engine.Ret, start, dl, base time.Time) string {
	var parts []string
	if bc, ok := s.f.(byteCall); ok {
		p := strconv.Itoa(ret.N)
		if bc.reads(s) && len(ret.Data) > 0 && len(ret.Data) <= 24 {
			p += " " + quoteData(ret.Data)
		}
		parts = append(parts, p)
	}
	if ret.Value != "" {
		parts = append(parts, ret.Value)
	}
	if ret.Addr != nil {
		parts = append(parts, "from "+ret.Addr.String())
	}
	parts = append(parts, describeErr(ret.Err).Short())
	w := s.want.timing
	switch {
	case w.atDeadline && !dl.IsZero():
		if ret.End.Before(dl) {
			parts = append(parts, fmt.Sprintf("%v before the deadline", dl.Sub(ret.End).Round(time.Microsecond)))
		} else {
			ref := dl
			if start.After(ref) {
				ref = start
			}
			parts = append(parts, fmt.Sprintf("%v after the deadline", ret.End.Sub(ref).Round(time.Millisecond)))
		}
	case w.within > 0:
		parts = append(parts, fmt.Sprintf("after %v", ret.End.Sub(base).Round(time.Millisecond)))
	case w.notBefore > 0:
		parts = append(parts, fmt.Sprintf("after %v", ret.End.Sub(start).Round(time.Millisecond)))
	}
	return strings.Join(parts, ", ")
}

// unconnectedRead reports a ReadFrom step: an unconnected socket has no
// remote address, so its errors' Addr is nil (net.UDPConn.ReadFrom).
func unconnectedRead(s Step) bool {
	p, ok := s.f.(packetIO)
	return ok && p.op == opReadFrom
}

// judgeOpError checks the fields of the *net.OpError in err's chain; Addr
// may be nil when noAddr.
func judgeOpError(op string, err error, noAddr bool) []string {
	var oe *net.OpError
	if !errors.As(err, &oe) {
		return []string{fmt.Sprintf("the error (%T) is not a *net.OpError", err)}
	}
	var bad []string
	if oe.Op != op {
		bad = append(bad, fmt.Sprintf("Op is %q", oe.Op))
	}
	if oe.Net == "" {
		bad = append(bad, "Net is empty")
	}
	if oe.Addr == nil && !noAddr {
		bad = append(bad, "Addr is nil")
	}
	if (op == "read" || op == "write") && oe.Source == nil {
		bad = append(bad, "Source is nil")
	}
	return bad
}
