package script

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/sysobs"
)

// kernelStep is the kernel-observation family: TCP states by 4-tuple,
// readiness, send queues, accept queues and socket options, read (and
// set) on the kernel sockets under the endpoints.
type kernelStep struct {
	op     kernelOp
	ep     string
	far    bool // ExpectFarState: the other end of ep's 4-tuple; WaitReset: wait for a reset
	states []TCPState
	opt    Opt
	v      int    // SetOpt's value, WaitAcceptQueue's count
	sysctl string // ExpectOptSysctl: the expected value is this sysctl's
}

type kernelOp string

const (
	opExpectState     kernelOp = "state"
	opWaitReadable    kernelOp = "readable"
	opWaitSettled     kernelOp = "settled"
	opWaitAcceptQueue kernelOp = "queued"
	opExpectOpt       kernelOp = "getsockopt"
	opSetOpt          kernelOp = "setsockopt"
)

// ExpectState polls the kernel TCP state of ep's socket (found by its
// 4-tuple, so it works after Close) until it is one of states, for a short
// budget, and reports the states it saw.
func ExpectState(ep string, states ...TCPState) Step {
	return Step{f: kernelStep{op: opExpectState, ep: ep, states: states}}
}

// ExpectFarState is ExpectState for the kernel socket at the other end of
// ep's 4-tuple, which the script may not hold: a conn queued in a
// listener's backlog, or the socket of an implementation in another
// process.
func ExpectFarState(ep string, states ...TCPState) Step {
	return Step{f: kernelStep{op: opExpectState, ep: ep, states: states, far: true}}
}

// WaitReadable waits until a Read on ep would not block (data, EOF or an
// error is queued), without consuming anything. It synchronises on kernel
// state when ep is observable; otherwise it settles for a short while and
// says so in the transcript.
func WaitReadable(ep string) Step { return Step{f: kernelStep{op: opWaitReadable, ep: ep}} }

// WaitReset waits until ep's connection was reset by its peer: its kernel
// socket is gone (absent or CLOSE). Data that arrived before the RST (a
// TLS close_notify, say) does not end the wait, as it would WaitReadable's.
// When ep has no observable 4-tuple it behaves as WaitReadable.
func WaitReset(ep string) Step { return Step{f: kernelStep{op: opWaitReadable, ep: ep, far: true}} }

// WaitSettled waits until ep's kernel socket has nothing left
// unacknowledged in flight, so what the script sent has reached the other
// end's kernel.
func WaitSettled(ep string) Step { return Step{f: kernelStep{op: opWaitSettled, ep: ep}} }

// WaitAcceptQueue waits until listener ln has n connections queued.
func WaitAcceptQueue(ln string, n int) Step {
	return Step{f: kernelStep{op: opWaitAcceptQueue, ep: ln, v: n}}
}

// ExpectOpt reads socket option o of ep's kernel socket and expects v.
func ExpectOpt(ep string, o Opt, v int) Step {
	return Step{f: kernelStep{op: opExpectOpt, ep: ep, opt: o}, want: expect{eq: v}}
}

// ExpectOptSysctl reads option o of ep's kernel socket and expects the
// value of the sysctl (for example "net/ipv4/tcp_keepalive_intvl"): what a
// socket has when nobody set the option.
func ExpectOptSysctl(ep string, o Opt, sysctl string) Step {
	return Step{f: kernelStep{op: opExpectOpt, ep: ep, opt: o, sysctl: sysctl}}
}

// SetOpt sets a raw socket option on ep's kernel socket (needs CapFD).
func SetOpt(ep string, o Opt, v int) Step {
	return Step{f: kernelStep{op: opSetOpt, ep: ep, opt: o, v: v}}
}

func (f kernelStep) call(Step) string {
	switch f.op {
	case opExpectState:
		if f.far {
			return fmt.Sprintf("state(far end of %s)", f.ep)
		}
		return fmt.Sprintf("state(%s)", f.ep)
	case opExpectOpt:
		return fmt.Sprintf("getsockopt(%s, %v)", f.ep, f.opt)
	case opSetOpt:
		return fmt.Sprintf("setsockopt(%s, %v, %d)", f.ep, f.opt, f.v)
	case opWaitReadable:
		if f.far {
			return fmt.Sprintf("reset(%s)", f.ep)
		}
		return fmt.Sprintf("readable(%s)", f.ep)
	case opWaitAcceptQueue:
		return fmt.Sprintf("queued(%s, %d)", f.ep, f.v)
	}
	return fmt.Sprintf("settled(%s)", f.ep)
}

// after: every observation but SetOpt is passed over in descriptions.
func (f kernelStep) after(s Step) string {
	if f.op == opSetOpt {
		return f.call(s)
	}
	return ""
}

// trigger: waiting for readiness does not count as what released a call.
func (f kernelStep) trigger() bool { return f.op != opWaitReadable }

func (f kernelStep) needs(Step) []need {
	switch f.op {
	case opExpectState:
		return []need{{ep: f.ep, observe: true, far: f.far}}
	case opWaitSettled, opWaitAcceptQueue:
		return []need{{ep: f.ep, observe: true}}
	case opExpectOpt, opSetOpt:
		return []need{{ep: f.ep, caps: CapFD}}
	}
	return nil
}

func (f kernelStep) wantValue(s Step) string {
	if f.op == opExpectOpt {
		return fmt.Sprintf("%v=%d", f.opt, s.want.eq)
	}
	return s.wantErr()
}

func (f kernelStep) exec(a *engine.Attempt, s Step, i int) {
	observe(a, s, i, f.ep, func(obs *result.Obs) (got, want string, err error) {
		switch f.op {
		case opExpectState:
			got, want, last, err := f.expectState(a, obs)
			if got != "" && awaitsPeer(last) {
				// Still waiting for the other end's segment when the
				// budget ended: on a loaded machine that is lateness,
				// retried at a larger timescale before it counts.
				obs.Verdict, obs.Want = "late", want
				a.V.Late(result.Finding{Step: i + 1, Call: describe(a, i, s), Got: got, Want: want})
				return "", want, nil
			}
			return got, want, err
		case opWaitReadable:
			return f.waitReadable(a, obs)
		case opExpectOpt:
			return f.expectOpt(a, s, obs)
		case opSetOpt:
			serr := setOpt(a, f.ep, f.opt, f.v)
			if serr == nil {
				return "", "", nil
			}
			obs.Err = describeErr(serr)
			return describeErr(serr).Short(), "nil", nil
		case opWaitSettled:
			return f.pollSock(a, "nothing unacknowledged", func(k sysobs.Sock) bool { return k.WQueue == 0 })
		}
		return f.pollSock(a, fmt.Sprintf("%d queued", f.v), func(k sysobs.Sock) bool { return k.State == sysobs.Listen && int(k.RQueue) >= f.v })
	})
}

// observe runs a step that observes or changes the kernel: an error ends
// the case as skipped (the system cannot observe it) or broken; got, when
// not empty, is a finding against want.
func observe(a *engine.Attempt, s Step, i int, ep string, do func(obs *result.Obs) (got, want string, err error)) {
	start := time.Now()
	obs := result.Obs{Step: i + 1, Call: s.Call(), At: a.Clock.Since(start), Endpoint: ep, Verdict: "ok"}
	got, want, err := do(&obs)
	obs.Took = time.Since(start)
	switch {
	case err != nil:
		obs.Verdict, obs.Note = "error", err.Error()
		if errors.Is(err, errors.ErrUnsupported) {
			a.V.Skipped(err.Error())
		} else {
			broken(a, i, s.Call(), "%v", err)
		}
	case got != "":
		obs.Verdict, obs.Want = "fail", want
		if obs.Value == "" {
			obs.Value = got
		}
		a.V.Fail(result.Finding{Step: i + 1, Call: describe(a, i, s), Got: got, Want: want})
	}
	a.V.Record(obs)
}

// kernelTuple returns endpoint name when it is an observable kernel TCP
// socket, or an error saying why it is not.
func kernelTuple(a *engine.Attempt, name string) (*engine.Endpoint, error) {
	e := a.Eps.Get(name)
	if e == nil {
		return nil, fmt.Errorf("no endpoint %q", name)
	}
	if _, _, ok := e.Tuple(); !ok {
		return e, fmt.Errorf("%s (%s) is not an observable kernel TCP socket; the case must need CapKernel", name, e.Side())
	}
	return e, nil
}

// expectState polls the TCP state of the step's endpoint.
func (f kernelStep) expectState(a *engine.Attempt, obs *result.Obs) (got, want string, last TCPState, err error) {
	e, err := kernelTuple(a, f.ep)
	if err != nil {
		return "", "", 0, err
	}
	l, rm, _ := e.Tuple()
	if f.far {
		l, rm = rm, l
	}
	var seen []TCPState
	var pause pollPause
	var absentSince time.Time // since when every look found no socket
	end := time.Now().Add(a.Clock.Scaled(stateBudget))
	for {
		k, err := sysobs.LookupTCP(l, rm)
		if err != nil {
			return "", "", 0, err
		}
		if len(seen) == 0 || seen[len(seen)-1] != k.State {
			seen = append(seen, k.State)
		}
		// A socket gone from the kernel never comes back: absent at every
		// look for goneAfter (not only the instant a socket is swapped for
		// its TIME_WAIT, nor a socket a moment from being created) is the
		// answer, not a delay.
		if k.State != sysobs.Absent {
			absentSince = time.Time{}
		} else if absentSince.IsZero() {
			absentSince = time.Now()
		}
		gone := !absentSince.IsZero() && time.Since(absentSince) >= a.Clock.Scaled(goneAfter)
		if slices.Contains(f.states, k.State) || gone || time.Now().After(end) {
			break
		}
		pause.sleep()
	}
	last = seen[len(seen)-1]
	obs.Value = fmt.Sprintf("%v (seen %s)", last, joinStates(seen, "→"))
	want = joinStates(f.states, " or ")
	obs.Want = want
	if !slices.Contains(f.states, last) && last != sysobs.Absent {
		return obs.Value + fmt.Sprintf(" after %v", a.Clock.Scaled(stateBudget)), want, last, nil
	}
	if !slices.Contains(f.states, last) {
		return obs.Value, want, last, nil
	}
	return "", want, last, nil
}

// awaitsPeer reports whether a socket in state s leaves it only when a
// segment from the other end arrives (the ACK of its SYN or FIN, or the
// other end's FIN): a state expectation still unmet in such a state may be
// a loaded machine's delay, not a wrong state.
func awaitsPeer(s TCPState) bool {
	switch s {
	case sysobs.SynSent, sysobs.SynRecv, sysobs.FinWait1, sysobs.FinWait2, sysobs.Closing, sysobs.LastAck:
		return true
	}
	return false
}

func joinStates(ss []TCPState, sep string) string {
	var out []string
	for _, s := range ss {
		out = append(out, s.String())
	}
	return strings.Join(out, sep)
}

// waitReadable waits until a read on the endpoint would not block.
func (f kernelStep) waitReadable(a *engine.Attempt, obs *result.Obs) (got, want string, err error) {
	e := a.Eps.Get(f.ep)
	if e == nil {
		return "", "", fmt.Errorf("no endpoint %q", f.ep)
	}
	want = "readable"
	end := time.Now().Add(a.Clock.Scaled(stateBudget))
	var pause pollPause
	if l, rm, ok := e.Tuple(); ok && f.far {
		return waitGone(l, rm, end, obs)
	}
	if sc, ok := e.SyscallConn(); ok && e.Conn != nil {
		for {
			ok, err := sysobs.Readable(sc)
			if err == nil && ok {
				obs.Value = "readable (poll)"
				return "", want, nil
			}
			if err != nil && !errors.Is(err, errors.ErrUnsupported) {
				break // not an fd we can poll: fall back to the 4-tuple
			}
			if time.Now().After(end) {
				return "nothing to read", want, nil
			}
			pause.sleep()
		}
	}
	if l, rm, ok := e.Tuple(); ok {
		for {
			k, err := sysobs.LookupTCP(l, rm)
			if err != nil {
				return "", "", err
			}
			if k.RQueue > 0 || k.State != sysobs.Established {
				obs.Value = fmt.Sprintf("readable (%v, %d bytes queued)", k.State, k.RQueue)
				return "", want, nil
			}
			if time.Now().After(end) {
				return "nothing queued", want, nil
			}
			pause.sleep()
		}
	}
	// Not observable (a user-space implementation): give the data a moment
	// and say so; cases that depend on it need CapKernel or CapFD.
	d := a.Clock.Scaled(50 * time.Millisecond)
	a.Sleep(d)
	obs.Note = fmt.Sprintf("not observable; settled by sleeping %v", d)
	return "", want, nil
}

// waitGone waits until the kernel holds no live socket for a 4-tuple, as
// after a reset.
func waitGone(l, rm netip.AddrPort, end time.Time, obs *result.Obs) (got, want string, err error) {
	want = "reset (absent)"
	var pause pollPause
	for {
		k, err := sysobs.LookupTCP(l, rm)
		if err != nil {
			return "", "", err
		}
		if k.State == sysobs.Absent || k.State == sysobs.Close {
			obs.Value = fmt.Sprintf("reset (%v)", k.State)
			return "", want, nil
		}
		if time.Now().After(end) {
			return fmt.Sprintf("%v, %d bytes queued", k.State, k.RQueue), want, nil
		}
		pause.sleep()
	}
}

// expectOpt reads a socket option.
func (f kernelStep) expectOpt(a *engine.Attempt, s Step, obs *result.Obs) (got, want string, err error) {
	e := a.Eps.Get(f.ep)
	if e == nil {
		return "", "", fmt.Errorf("no endpoint %q", f.ep)
	}
	wantV := s.want.eq
	if f.sysctl != "" {
		if wantV, err = sysobs.SysctlInt(f.sysctl); err != nil {
			return "", "", err
		}
	}
	v, err := readOpt(e, f.opt)
	want = fmt.Sprintf("%v=%d", f.opt, wantV)
	if f.sysctl != "" {
		want += " (sysctl " + f.sysctl + ")"
	}
	obs.Want = want
	if err != nil {
		if errors.Is(err, errors.ErrUnsupported) {
			return "", "", err
		}
		return describeErr(err).Short(), want, nil
	}
	obs.Value = fmt.Sprintf("%v=%d", f.opt, v)
	if v != wantV {
		return obs.Value, want, nil
	}
	return "", want, nil
}

var errNoOptions = errors.New("socket options are not observable")

func readOpt(e *engine.Endpoint, o Opt) (int, error) {
	if oc, ok := e.Object().(harness.OptionConn); ok {
		return oc.GetSockopt(o.String())
	}
	if sc, ok := e.SyscallConn(); ok {
		return sysobs.GetOpt(sc, o)
	}
	return 0, noOptions(e)
}

// noOptions says why e's socket options cannot be read: its type has no
// SyscallConn, which a kernel socket's has (see harness.Caps).
func noOptions(e *engine.Endpoint) error {
	return fmt.Errorf("%s: %T hides SyscallConn() (syscall.RawConn, error) of the kernel socket it wraps: %w", e.Name, e.Object(), errNoOptions)
}

func setOpt(a *engine.Attempt, name string, o Opt, v int) error {
	e := a.Eps.Get(name)
	if e == nil {
		return fmt.Errorf("no endpoint %q", name)
	}
	if oc, ok := e.Object().(harness.OptionConn); ok {
		return oc.SetSockopt(o.String(), v)
	}
	if sc, ok := e.SyscallConn(); ok {
		return sysobs.SetOpt(sc, o, v)
	}
	return noOptions(e)
}

// pollSock polls the endpoint's kernel socket until ok.
func (f kernelStep) pollSock(a *engine.Attempt, what string, ok func(sysobs.Sock) bool) (got, want string, err error) {
	e, err := kernelTuple(a, f.ep)
	if err != nil {
		return "", "", err
	}
	l, rm, _ := e.Tuple()
	end := time.Now().Add(a.Clock.Scaled(stateBudget))
	var pause pollPause
	for {
		k, err := sysobs.LookupTCP(l, rm)
		if err != nil {
			return "", "", err
		}
		if ok(k) {
			return "", what, nil
		}
		if time.Now().After(end) {
			return fmt.Sprintf("%v, %d bytes unacknowledged, %d queued", k.State, k.WQueue, k.RQueue), what, nil
		}
		pause.sleep()
	}
}
