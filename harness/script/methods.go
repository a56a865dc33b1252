package script

import (
	"fmt"
	"net"
	"time"

	"github.com/netconform/netconform/harness/internal/engine"
)

// methodStep is the conn-methods family: the optional setters of a TCP
// conn (SetLinger, SetNoDelay, SetKeepAlive…) and Addrs, which checks
// LocalAddr and RemoteAddr.
type methodStep struct {
	acts
	op   methodOp
	ep   string
	b    bool
	v    int
	d    time.Duration
	kcfg net.KeepAliveConfig
}

type methodOp string

const (
	opSetLinger    methodOp = "SetLinger"
	opSetNoDelay   methodOp = "SetNoDelay"
	opSetKeepAlive methodOp = "SetKeepAlive"
	opSetKAPeriod  methodOp = "SetKeepAlivePeriod"
	opSetKAConfig  methodOp = "SetKeepAliveConfig"
	opAddrs        methodOp = "Addrs"
)

// SetLinger calls SetLinger(sec) on ep.
func SetLinger(ep string, sec int) Step { return Step{f: methodStep{op: opSetLinger, ep: ep, v: sec}} }

// SetNoDelay calls SetNoDelay(b) on ep.
func SetNoDelay(ep string, b bool) Step { return Step{f: methodStep{op: opSetNoDelay, ep: ep, b: b}} }

// SetKeepAlive calls SetKeepAlive(b) on ep.
func SetKeepAlive(ep string, b bool) Step {
	return Step{f: methodStep{op: opSetKeepAlive, ep: ep, b: b}}
}

// SetKeepAlivePeriod calls SetKeepAlivePeriod(d) on ep.
func SetKeepAlivePeriod(ep string, d time.Duration) Step {
	return Step{f: methodStep{op: opSetKAPeriod, ep: ep, d: d}}
}

// SetKeepAliveConfig calls SetKeepAliveConfig(cfg) on ep.
func SetKeepAliveConfig(ep string, cfg net.KeepAliveConfig) Step {
	return Step{f: methodStep{op: opSetKAConfig, ep: ep, kcfg: cfg}}
}

// Addrs checks ep's LocalAddr and RemoteAddr: not nil, unchanged since the
// endpoint was made, and RemoteAddr equal to the other end's LocalAddr when
// both are known.
func Addrs(ep string) Step { return Step{f: methodStep{op: opAddrs, ep: ep}} }

func (f methodStep) call(Step) string {
	args := ""
	switch f.op {
	case opSetLinger:
		args = fmt.Sprint(f.v)
	case opSetNoDelay, opSetKeepAlive:
		args = fmt.Sprint(f.b)
	case opSetKAPeriod:
		args = f.d.String()
	case opSetKAConfig:
		args = fmt.Sprintf("{Enable:%v Idle:%v Interval:%v Count:%d}", f.kcfg.Enable, f.kcfg.Idle, f.kcfg.Interval, f.kcfg.Count)
	}
	return fmt.Sprintf("%s.%s(%s)", f.ep, f.op, args)
}

func (f methodStep) after(s Step) string { return f.call(s) }

func (f methodStep) wantValue(s Step) string {
	if f.op == opAddrs {
		return "non-nil addresses, unchanged, matching the other end"
	}
	return s.wantErr()
}

func (f methodStep) exec(a *engine.Attempt, s Step, i int) { runCaller(a, s, i, f) }

func (f methodStep) prepare(a *engine.Attempt, s Step, i int) (callSpec, bool) {
	e, ok := endpoint(a, s, i, f.ep)
	if !ok {
		return callSpec{}, false
	}
	if f.op != opAddrs {
		return callSpec{e: e, do: f.do(e)}, true
	}
	var l, rm net.Addr
	return callSpec{e: e,
		do: func() engine.Ret {
			if e.Conn == nil {
				return engine.Ret{Err: fmt.Errorf("netconform: %s is not a conn", e.Name)}
			}
			l, rm = e.Conn.LocalAddr(), e.Conn.RemoteAddr()
			return engine.Ret{Value: fmt.Sprintf("local %v, remote %v", l, rm)}
		},
		extra: func(ret engine.Ret) []string {
			if ret.Err != nil {
				return nil
			}
			return judgeAddrs(e, l, rm)
		},
	}, true
}

func (f methodStep) do(e *engine.Endpoint) func() engine.Ret {
	switch f.op {
	case opSetLinger:
		return optional(e, "SetLinger(int) error", func(c interface{ SetLinger(int) error }) error { return c.SetLinger(f.v) })
	case opSetNoDelay:
		return optional(e, "SetNoDelay(bool) error", func(c interface{ SetNoDelay(bool) error }) error { return c.SetNoDelay(f.b) })
	case opSetKeepAlive:
		return optional(e, "SetKeepAlive(bool) error", func(c interface{ SetKeepAlive(bool) error }) error { return c.SetKeepAlive(f.b) })
	case opSetKAPeriod:
		return optional(e, "SetKeepAlivePeriod(time.Duration) error", func(c interface {
			SetKeepAlivePeriod(time.Duration) error
		}) error {
			return c.SetKeepAlivePeriod(f.d)
		})
	}
	return optional(e, "SetKeepAliveConfig(net.KeepAliveConfig) error", func(c interface {
		SetKeepAliveConfig(net.KeepAliveConfig) error
	}) error {
		return c.SetKeepAliveConfig(f.kcfg)
	})
}

// judgeAddrs checks the addresses a conn reported.
func judgeAddrs(e *engine.Endpoint, l, rm net.Addr) []string {
	var bad []string
	if l == nil {
		bad = append(bad, "LocalAddr is nil")
	} else if e.Local != nil && !engine.SameAddr(l, e.Local) {
		bad = append(bad, fmt.Sprintf("LocalAddr changed from %v", e.Local))
	}
	if rm == nil {
		bad = append(bad, "RemoteAddr is nil")
	} else if e.Remote != nil && !engine.SameAddr(rm, e.Remote) {
		bad = append(bad, fmt.Sprintf("RemoteAddr changed from %v", e.Remote))
	}
	if o := e.Other; o != nil && e.Kernel && o.Kernel && rm != nil && o.Local != nil && !engine.SameAddr(rm, o.Local) {
		bad = append(bad, fmt.Sprintf("RemoteAddr %v is not the other end's LocalAddr %v", rm, o.Local))
	}
	return bad
}

// errMissingMethod is returned when a declared capability's method is absent.
type errMissingMethod struct {
	typ, method string
}

func (e errMissingMethod) Error() string {
	return fmt.Sprintf("%s has no method %s although the implementation declares the capability", e.typ, e.method)
}

// optional calls f on e's object when it implements I.
func optional[I any](e *engine.Endpoint, method string, f func(I) error) func() engine.Ret {
	return func() engine.Ret {
		c, ok := e.Object().(I)
		if !ok {
			return engine.Ret{Err: errMissingMethod{typ: fmt.Sprintf("%T", e.Object()), method: method}}
		}
		return engine.Ret{Err: f(c)}
	}
}
