package harness

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/netconform/netconform/harness/sysobs"
)

// stateBudget bounds how long ExpectState polls: transitions take µs to a
// few ms on loopback (../shared/FEASIBILITY.md §1).
const stateBudget = time.Second

// execKernel runs a step that observes or changes the kernel.
func (r *run) execKernel(i int, s Step) {
	start := time.Now()
	obs := Obs{Step: i + 1, Call: s.call(), At: r.since(start), Endpoint: s.ep, Verdict: "ok"}
	var got, want string
	var err error
	switch s.op {
	case opExpectState:
		got, want, err = r.expectState(s, &obs)
	case opWaitReadable:
		got, want, err = r.waitReadable(s, &obs)
	case opExpectOpt:
		got, want, err = r.expectOpt(s, &obs)
	case opSetOpt:
		if serr := r.setOpt(s); errors.Is(serr, errNoOptions) {
			err = serr
		} else if serr != nil {
			obs.Err = Describe(serr)
			got, want = Describe(serr).Short(), "nil"
		}
	case opWaitSettled:
		got, want, err = r.pollSock(s, "nothing unacknowledged", func(k sysobs.Sock) bool { return k.WQueue == 0 })
	case opWaitAcceptQueue:
		got, want, err = r.pollSock(s, fmt.Sprintf("%d queued", s.n), func(k sysobs.Sock) bool { return k.State == sysobs.Listen && int(k.RQueue) >= s.n })
	case opLinkDown, opLinkUp, opAddVeth:
		err = r.changeLink(s)
	}
	obs.Took = time.Since(start)
	switch {
	case err != nil:
		obs.Verdict = "error"
		obs.Note = err.Error()
		if errors.Is(err, errors.ErrUnsupported) {
			r.skip(err.Error())
		} else {
			r.brokenf(i+1, s.call(), "%v", err)
		}
	case got != "":
		obs.Verdict = "fail"
		obs.Want = want
		if obs.Value == "" {
			obs.Value = got
		}
		r.finding(Finding{Step: i + 1, Call: r.describe(i, s), Got: got, Want: want})
	}
	r.record(obs)
}

// skip ends the case as Skip: the environment cannot run it.
func (r *run) skip(reason string) {
	r.broken = true
	r.mu.Lock()
	r.res.Reason = reason
	r.mu.Unlock()
	r.skipped = true
}

// kernelTuple returns the 4-tuple of endpoint name, or an error saying why
// it is not observable.
func (r *run) kernelTuple(name string) (*endpoint, error) {
	e := r.eps[name]
	if e == nil {
		return nil, fmt.Errorf("no endpoint %q", name)
	}
	if _, _, ok := e.tuple(); !ok {
		return e, fmt.Errorf("%s (%s) is not an observable kernel TCP socket; the case must need CapKernel", name, e.side())
	}
	return e, nil
}

// expectState polls the TCP state of the step's endpoint.
func (r *run) expectState(s Step, obs *Obs) (got, want string, err error) {
	e, err := r.kernelTuple(s.ep)
	if err != nil {
		return "", "", err
	}
	l, rm, _ := e.tuple()
	if s.b {
		l, rm = rm, l
	}
	var seen []sysobs.TCPState
	end := time.Now().Add(r.scaled(stateBudget))
	for {
		k, err := sysobs.LookupTCP(l, rm)
		if err != nil {
			return "", "", err
		}
		if len(seen) == 0 || seen[len(seen)-1] != k.State {
			seen = append(seen, k.State)
		}
		if slices.Contains(s.states, k.State) || time.Now().After(end) {
			break
		}
		time.Sleep(200 * time.Microsecond)
	}
	last := seen[len(seen)-1]
	obs.Value = fmt.Sprintf("%v (seen %s)", last, joinStates(seen, "→"))
	want = joinStates(s.states, " or ")
	obs.Want = want
	if !slices.Contains(s.states, last) {
		return obs.Value + fmt.Sprintf(" after %v", r.scaled(stateBudget)), want, nil
	}
	return "", want, nil
}

func joinStates(ss []sysobs.TCPState, sep string) string {
	var out []string
	for _, s := range ss {
		out = append(out, s.String())
	}
	return strings.Join(out, sep)
}

// waitReadable waits until a read on the endpoint would not block.
func (r *run) waitReadable(s Step, obs *Obs) (got, want string, err error) {
	e := r.eps[s.ep]
	if e == nil {
		return "", "", fmt.Errorf("no endpoint %q", s.ep)
	}
	want = "readable"
	end := time.Now().Add(r.scaled(stateBudget))
	if l, rm, ok := e.tuple(); ok && s.b {
		return r.waitGone(l, rm, end, obs)
	}
	if sc, ok := e.syscallConn(); ok && e.conn != nil {
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
			time.Sleep(200 * time.Microsecond)
		}
	}
	if l, rm, ok := e.tuple(); ok {
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
			time.Sleep(200 * time.Microsecond)
		}
	}
	// Not observable (a user-space implementation): give the data a moment
	// and say so; cases that depend on it need CapKernel or CapFD.
	d := r.scaled(50 * time.Millisecond)
	r.sleep(d)
	obs.Note = fmt.Sprintf("not observable; settled by sleeping %v", d)
	return "", want, nil
}

// waitGone waits until the kernel holds no live socket for a 4-tuple, as
// after a reset.
func (r *run) waitGone(l, rm netip.AddrPort, end time.Time, obs *Obs) (got, want string, err error) {
	want = "reset (absent)"
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
		time.Sleep(200 * time.Microsecond)
	}
}

// expectOpt reads a socket option.
func (r *run) expectOpt(s Step, obs *Obs) (got, want string, err error) {
	e := r.eps[s.ep]
	if e == nil {
		return "", "", fmt.Errorf("no endpoint %q", s.ep)
	}
	wantV := s.want.eq
	if s.sysctl != "" {
		if wantV, err = sysobs.SysctlInt(s.sysctl); err != nil {
			return "", "", err
		}
	}
	v, err := readOpt(e, s.opt)
	want = fmt.Sprintf("%v=%d", s.opt, wantV)
	if s.sysctl != "" {
		want += " (sysctl " + s.sysctl + ")"
	}
	obs.Want = want
	if err != nil {
		if errors.Is(err, errors.ErrUnsupported) {
			return "", "", err
		}
		return Describe(err).Short(), want, nil
	}
	obs.Value = fmt.Sprintf("%v=%d", s.opt, v)
	if v != wantV {
		return obs.Value, want, nil
	}
	return "", want, nil
}

var errNoOptions = errors.New("socket options are not observable")

func readOpt(e *endpoint, o sysobs.Opt) (int, error) {
	if oc, ok := e.object().(OptionConn); ok {
		return oc.GetSockopt(o.String())
	}
	if sc, ok := e.syscallConn(); ok {
		return sysobs.GetOpt(sc, o)
	}
	return 0, fmt.Errorf("%s (%T, %s): %w; the case must need CapFD", e.name, e.object(), e.side(), errNoOptions)
}

func (r *run) setOpt(s Step) error {
	e := r.eps[s.ep]
	if e == nil {
		return fmt.Errorf("no endpoint %q", s.ep)
	}
	if oc, ok := e.object().(OptionConn); ok {
		return oc.SetSockopt(s.opt.String(), s.v)
	}
	if sc, ok := e.syscallConn(); ok {
		return sysobs.SetOpt(sc, s.opt, s.v)
	}
	return fmt.Errorf("%s (%T): %w", e.name, e.object(), errNoOptions)
}

// pollSock polls the endpoint's kernel socket until ok.
func (r *run) pollSock(s Step, what string, ok func(sysobs.Sock) bool) (got, want string, err error) {
	e, err := r.kernelTuple(s.ep)
	if err != nil {
		return "", "", err
	}
	l, rm, _ := e.tuple()
	end := time.Now().Add(r.scaled(stateBudget))
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
		time.Sleep(200 * time.Microsecond)
	}
}

// changeLink changes a link of the case's own namespace. It refuses to run
// anywhere else: taking the host's loopback down would break the machine.
func (r *run) changeLink(s Step) error {
	if !r.isolated {
		return errors.New("refusing to change links outside the case's own network namespace")
	}
	// What a step changes is undone when the attempt ends, so that a
	// retry in the same namespace starts from the same links.
	switch s.op {
	case opLinkDown:
		r.stops = append(r.stops, func() { sysobs.LinkUp(s.name) })
		return sysobs.LinkDown(s.name)
	case opLinkUp:
		return sysobs.LinkUp(s.name)
	}
	r.stops = append(r.stops, func() { sysobs.DelLink(s.name) })
	return sysobs.AddVeth(s.name, s.name+"p", string(s.data))
}
