package script

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netconform/netconform/harness/errclass"
	"github.com/netconform/netconform/harness/internal/engine"
)

// expect is what a step must observe.
type expect struct {
	err     errWant
	bytes   bytesWant
	timing  timingWant
	from    string // ReadFrom's address is this endpoint's local address
	nilAddr bool   // ReadFrom's address is nil
	eq      int    // ExpectOpt's value
	record  bool   // observe only
}

// errWant is what a step expects of the error.
type errWant struct {
	classes    []Class // preferred; nil means None
	allowed    []Class // also acceptable, reported as allowed
	anyErr     bool    // any non-nil error
	timeout    bool    // a net.Error in the chain says Timeout()
	notTimeout bool
	bare       bool   // the error is the sentinel itself, unwrapped
	op         string // a *net.OpError with this Op, a Net and addresses
}

// bytesWant is what a step expects of the bytes it moved.
type bytesWant struct {
	data    []byte
	hasData bool
	pattern bool // the data is the pattern from offset off
	off     int
	n       int
	hasN    bool
	partial bool   // an error with 0 <= n < len
	prefix  []byte // the data starts with this
	upTo    []byte // the data is a non-empty prefix of this
}

// timingWant is when a step's call must return.
type timingWant struct {
	atDeadline bool // at the endpoint's deadline, within tolerance
	within     time.Duration
	notBefore  time.Duration
	since      string // Within and NotBefore count from the start of the step with this label
	ticks      int    // NotBefore is relaxed by this many kernel ticks
}

// A byteCall is a family whose calls move bytes: their results have a
// count and, for reads, data.
type byteCall interface {
	reads(s Step) bool
	// payload is what a write writes.
	payload(s Step) []byte
	// writeLen is len(payload(s)), without making the payload: a case's
	// description and budget need only the length.
	writeLen(s Step) int
	// readLen is a read's buffer size, or how many bytes it expects in all.
	readLen(s Step) int
	// accumulates reports a read that loops until an error or a count
	// (ReadFull, ReadAll), which may return data with its error.
	accumulates(s Step) bool
}

// A valueWant is a family whose expectation is a value, not an error.
type valueWant interface {
	wantValue(s Step) string
}

// Want expects exactly data (for Read: from this one call; for ReadFull and
// ReadAll: in total).
func (s Step) Want(data string) Step {
	s.want.bytes.data, s.want.bytes.hasData = []byte(data), true
	return s
}

// WantPrefix expects data that starts with prefix (a datagram whose rest
// may vary: a reply numbered by the order it was served in).
func (s Step) WantPrefix(prefix string) Step { s.want.bytes.prefix = []byte(prefix); return s }

// WantPrefixOf expects a non-empty prefix of data: a stream Read may
// return fewer bytes than the peer wrote, never other bytes.
func (s Step) WantPrefixOf(data string) Step { s.want.bytes.upTo = []byte(data); return s }

// WantPattern expects the bytes of the pattern starting at offset off.
func (s Step) WantPattern(off int) Step {
	s.want.bytes.pattern, s.want.bytes.off = true, off
	return s
}

// At sets the pattern offset of a WriteN.
func (s Step) At(off int) Step { s.want.bytes.off = off; return s }

// WantN expects n bytes.
func (s Step) WantN(n int) Step { s.want.bytes.n, s.want.bytes.hasN = n, true; return s }

// Err expects one of classes (the preferred outcomes); Err(None) expects
// success.
func (s Step) Err(classes ...Class) Step {
	s.want.err.classes, s.want.record = classes, false
	return s
}

// Allow also accepts classes, reported as an allowed, non-preferred outcome.
func (s Step) Allow(classes ...Class) Step {
	s.want.err.allowed = append(s.want.err.allowed, classes...)
	return s
}

// AnyErr expects some error, whatever its class.
func (s Step) AnyErr() Step { s.want.err.anyErr = true; return s }

// Partial expects an error with 0 <= n < len (a partial write).
func (s Step) Partial() Step { s.want.bytes.partial = true; return s }

// Timeout also expects a net.Error whose Timeout() is true.
func (s Step) Timeout() Step { s.want.err.timeout = true; return s }

// NotTimeout expects Timeout() to be false (or no net.Error at all).
func (s Step) NotTimeout() Step { s.want.err.notTimeout = true; return s }

// OpError also expects the error to be a *net.OpError with this Op
// ("read", "write", "dial", "listen"…), a Net, an Addr, and for reads and
// writes a Source too — the fields Go's net fills in.
func (s Step) OpError(op string) Step { s.want.err.op = op; return s }

// Bare expects the error to be the sentinel itself (err == io.EOF), as
// io.EOF's documentation asks: callers compare it with ==.
func (s Step) Bare() Step { s.want.err.bare = true; return s }

// AtDeadline expects the call to return no earlier than the endpoint's
// deadline for this direction, and within the tolerance after it.
func (s Step) AtDeadline() Step { s.want.timing.atDeadline = true; return s }

// Within expects the call (or, for Await, the background operation) to
// return within d, scaled by the timescale.
func (s Step) Within(d time.Duration) Step { s.want.timing.within = d; return s }

// NotBefore expects the call not to return before d has passed.
func (s Step) NotBefore(d time.Duration) Step { s.want.timing.notBefore = d; return s }

// Since makes Within and NotBefore count from the start of the step
// labelled name instead of this call's start (or an Await's trigger): a
// keepalive timer runs from the last segment received, which an earlier
// step caused.
func (s Step) Since(label string) Step { s.want.timing.since = label; return s }

// KernelTimer says the NotBefore bound is enforced by a kernel timer that
// fires n times (keepalive: idle, then each probe interval). Kernel timers
// run on jiffies and may fire up to a tick early each, so the bound is
// relaxed by n ticks (4 ms each at HZ=250) — never more.
func (s Step) KernelTimer(n int) Step { s.want.timing.ticks = n; return s }

// From expects ReadFrom's address to be endpoint ep's local address.
func (s Step) From(ep string) Step { s.want.from = ep; return s }

// NilAddr expects ReadFrom's address to be nil.
func (s Step) NilAddr() Step { s.want.nilAddr = true; return s }

// expectsErr reports whether the step expects some error.
func (s Step) expectsErr() bool {
	if s.want.err.anyErr || s.want.bytes.partial {
		return true
	}
	for _, c := range s.want.err.classes {
		if c != None {
			return true
		}
	}
	return false
}

// preferred is the classes the step prefers: None unless told otherwise.
func (s Step) preferred() []Class {
	if len(s.want.err.classes) == 0 && !s.want.err.anyErr {
		return []Class{None}
	}
	return s.want.err.classes
}

// wantClasses are the error classes the step accepts, preferred first,
// for the transcript (result.Obs.WantErr): nil when it does not judge the
// error by class (it records, expects a value, or allows any error).
func (s Step) wantClasses() []Class {
	w := s.want.err
	if _, ok := s.f.(valueWant); ok || s.want.record || w.anyErr {
		return nil
	}
	return append(slices.Clone(s.preferred()), w.allowed...)
}

// wantString renders what the step expects, in the order of the call's
// results: "0, closed (net.ErrClosed)".
func (s Step) wantString(scale float64) string {
	if s.want.record {
		return ""
	}
	parts := s.wantCount()
	if v, ok := s.f.(valueWant); ok {
		parts = append(parts, v.wantValue(s))
	} else {
		parts = append(parts, s.wantErr())
	}
	out := strings.Join(parts, ", ")
	if extra := s.wantExtra(scale); len(extra) > 0 {
		out += ", " + strings.Join(extra, ", ")
	}
	return out
}

// wantCount renders the expected count of a call that moves bytes.
func (s Step) wantCount() []string {
	bc, ok := s.f.(byteCall)
	if !ok {
		return nil
	}
	b := s.want.bytes
	switch {
	case b.partial:
		return []string{fmt.Sprintf("0 ≤ n < %d", bc.writeLen(s))}
	case s.expectsErr() && !bc.accumulates(s):
		return []string{"0"}
	case b.hasData:
		return []string{fmt.Sprintf("%d %s", len(b.data), quoteData(b.data))}
	case b.pattern && bc.reads(s):
		return []string{fmt.Sprintf("%d (pattern)", bc.readLen(s))}
	case b.prefix != nil:
		return []string{fmt.Sprintf("%s…", quoteData(b.prefix))}
	case b.upTo != nil:
		return []string{fmt.Sprintf("1 to %d of %s", len(b.upTo), quoteData(b.upTo))}
	case b.hasN:
		return []string{strconv.Itoa(b.n)}
	case !bc.reads(s):
		return []string{strconv.Itoa(bc.writeLen(s))}
	}
	return nil
}

// wantErr renders the expected error classes.
func (s Step) wantErr() string {
	w := s.want.err
	var cs []string
	for _, c := range s.preferred() {
		cs = append(cs, c.Describe())
	}
	if len(cs) == 0 && w.anyErr {
		cs = append(cs, "an error")
	}
	e := strings.Join(cs, " or ")
	if len(w.allowed) > 0 || (w.anyErr && len(w.classes) > 0) {
		var as []string
		for _, c := range w.allowed {
			as = append(as, string(c))
		}
		if w.anyErr && len(w.classes) > 0 {
			as = append(as, "any error")
		}
		e += " (allowed: " + strings.Join(as, ", ") + ")"
	}
	return e
}

// wantExtra renders the rest of the expectation: timing, addresses.
func (s Step) wantExtra(scale float64) []string {
	w := s.want
	var extra []string
	if w.err.timeout {
		extra = append(extra, "Timeout() true")
	}
	if w.err.notTimeout {
		extra = append(extra, "Timeout() false")
	}
	if w.err.bare {
		extra = append(extra, "the bare sentinel")
	}
	if w.err.op != "" {
		extra = append(extra, fmt.Sprintf("a *net.OpError{Op: %q} with Net and addresses", w.err.op))
	}
	t := w.timing
	if t.atDeadline {
		extra = append(extra, fmt.Sprintf("at the deadline (not before, at most %v after)", engine.ScaleBy(Tolerance, scale)))
	}
	if t.within > 0 {
		extra = append(extra, "within "+engine.ScaleBy(t.within, scale).String())
	}
	if t.notBefore > 0 {
		nb := "not before " + t.notBefore.String()
		if t.ticks > 0 {
			nb += fmt.Sprintf(" (less %d kernel ticks of %v)", t.ticks, kernelTick())
		}
		extra = append(extra, nb)
	}
	if t.since != "" {
		extra = append(extra, "counted from step "+strconv.Quote(t.since))
	}
	if w.from != "" {
		extra = append(extra, "from "+w.from)
	}
	if w.nilAddr {
		extra = append(extra, "nil address")
	}
	return extra
}

func classList(cs []Class) string {
	var s []string
	for _, c := range cs {
		s = append(s, string(c))
	}
	return strings.Join(s, " or ")
}

// describeErr is errclass.Describe, named for the package's readers.
func describeErr(err error) *errclass.Info { return errclass.Describe(err) }
