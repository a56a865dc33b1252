package script

import (
	"fmt"
	"net"
	"os"
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
	b    bool // SetNoDelay's, SetKeepAlive's argument; Addrs: mirror strictly
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
	opFile         methodOp = "File"
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

// File calls File() on ep (a *net.TCPConn's dup of its descriptor) and
// closes the file it returns.
func File(ep string) Step { return Step{f: methodStep{op: opFile, ep: ep}} }

// Addrs checks ep's LocalAddr and RemoteAddr: not nil, unchanged since the
// endpoint was made, and RemoteAddr equal to the other end's LocalAddr when
// both are known.
func Addrs(ep string) Step { return Step{f: methodStep{op: opAddrs, ep: ep}} }

// AddrsMirror is Addrs, and where the other end is a kernel socket it
// expects ep's addresses to be exactly that socket's mirrored — the
// 4-tuple, as Go's std conns report it — where Addrs lets a conn that does
// not know its addresses say so (another kind of address, or an
// unspecified one).
func AddrsMirror(ep string) Step { return Step{f: methodStep{op: opAddrs, ep: ep, b: true}} }

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

func (f methodStep) needs(Step) []need { return []need{{ep: f.ep, caps: f.capability()}} }

// capability is what the step's method needs.
func (f methodStep) capability() Caps {
	switch f.op {
	case opSetLinger:
		return CapLinger
	case opSetNoDelay:
		return CapNoDelay
	case opAddrs:
		return 0
	case opFile:
		return CapFD
	}
	return CapKeepAlive
}

func (f methodStep) wantValue(s Step) string {
	if f.op == opAddrs && f.b {
		return "the other end's addresses, mirrored"
	}
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
	if _, ok := e.Object().(interface{ File() (*os.File, error) }); f.op == opFile && !ok && a.Env.Impl.Caps.Has(CapFD) {
		// File is *net.TCPConn's, not part of CapFD (SyscallConn): a conn
		// of its own that lacks it is not hiding it.
		a.V.Unsupported(fmt.Sprintf("%T has no File method (SyscallConn reaches its descriptor)", e.Object()))
		return callSpec{}, false
	}
	if f.op != opAddrs {
		return callSpec{e: e, do: f.do(a, e)}, true
	}
	var l, rm net.Addr
	known := e.Known()
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
			return judgeAddrs(a, e, known, f.b, l, rm)
		},
	}, true
}

func (f methodStep) do(a *engine.Attempt, e *engine.Endpoint) func() engine.Ret {
	need := f.capability()
	switch f.op {
	case opSetLinger:
		return optional(a, e, need, "SetLinger(int) error", func(c interface{ SetLinger(int) error }) error { return c.SetLinger(f.v) })
	case opSetNoDelay:
		return optional(a, e, need, "SetNoDelay(bool) error", func(c interface{ SetNoDelay(bool) error }) error { return c.SetNoDelay(f.b) })
	case opSetKeepAlive:
		return optional(a, e, need, "SetKeepAlive(bool) error", func(c interface{ SetKeepAlive(bool) error }) error { return c.SetKeepAlive(f.b) })
	case opFile:
		return optional(a, e, need, "File() (*os.File, error)", func(c interface{ File() (*os.File, error) }) error {
			f, err := c.File()
			if f != nil {
				f.Close()
			}
			return err
		})
	case opSetKAPeriod:
		return optional(a, e, need, "SetKeepAlivePeriod(time.Duration) error", func(c interface {
			SetKeepAlivePeriod(time.Duration) error
		}) error {
			return c.SetKeepAlivePeriod(f.d)
		})
	}
	return optional(a, e, need, "SetKeepAliveConfig(net.KeepAliveConfig) error", func(c interface {
		SetKeepAliveConfig(net.KeepAliveConfig) error
	}) error {
		return c.SetKeepAliveConfig(f.kcfg)
	})
}

// judgeAddrs checks the addresses a conn reported: not nil; unchanged
// since they were first asked, when a step asked before; and, where the
// other end is a kernel socket whose addresses are a TCP 4-tuple, its
// mirror in both directions — LocalAddr is the other end's RemoteAddr,
// RemoteAddr its LocalAddr — when the conn reports addresses of the same
// kind at all (a conn that does not know its addresses may say so,
// net.Conn.LocalAddr: "if known").
func judgeAddrs(a *engine.Attempt, e *engine.Endpoint, known, strict bool, l, rm net.Addr) []string {
	var bad []string
	if l == nil {
		bad = append(bad, "LocalAddr is nil")
	} else if known && e.Local() != nil && !engine.SameAddr(l, e.Local()) {
		bad = append(bad, fmt.Sprintf("LocalAddr changed from %v", e.Local()))
	}
	if rm == nil {
		bad = append(bad, "RemoteAddr is nil")
	} else if known && e.Remote() != nil && !engine.SameAddr(rm, e.Remote()) {
		bad = append(bad, fmt.Sprintf("RemoteAddr changed from %v", e.Remote()))
	}
	o := a.Eps.OtherOf(e)
	if o == nil || !o.Kernel || !e.IUT && !e.Kernel {
		return bad
	}
	if (strict || told(rm, o.Local())) && !engine.SameAddr(rm, o.Local()) {
		bad = append(bad, fmt.Sprintf("RemoteAddr %v is not the other end's LocalAddr %v", rm, o.Local()))
	}
	if (strict || told(l, o.Remote())) && !engine.SameAddr(l, o.Remote()) {
		bad = append(bad, fmt.Sprintf("LocalAddr %v is not the other end's RemoteAddr %v", l, o.Remote()))
	}
	return bad
}

// told reports whether a conn that answered a tells an address comparable
// with b: one of the same kind (two *net.TCPAddr) and, for an IP address,
// not the unspecified one with port 0 — a conn's way of saying it does not
// know (net.Conn.LocalAddr: "if known").
func told(a, b net.Addr) bool {
	if a == nil || b == nil || fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) {
		return false
	}
	ap, ok := engine.AddrPort(a)
	return !ok || !(ap.Addr().Unmap().IsUnspecified() && ap.Port() == 0)
}

// errMissingMethod is returned when the method of a capability in effect
// is absent: declared, or carried by the kernel socket the conn wraps
// (hidden; see harness.Caps).
type errMissingMethod struct {
	typ, method string
	hidden      bool
}

func (e errMissingMethod) Error() string {
	if e.hidden {
		return fmt.Sprintf("%s hides %s: the kernel socket it wraps has it", e.typ, e.method)
	}
	return fmt.Sprintf("%s has no method %s although the implementation declares the capability", e.typ, e.method)
}

// optional calls f on e's object when it implements I; need is the
// capability the method belongs to.
func optional[I any](a *engine.Attempt, e *engine.Endpoint, need Caps, method string, f func(I) error) func() engine.Ret {
	hidden := need != 0 && !a.Env.Impl.Caps.Has(need)
	return func() engine.Ret {
		c, ok := e.Object().(I)
		if !ok {
			return engine.Ret{Err: errMissingMethod{typ: fmt.Sprintf("%T", e.Object()), method: method, hidden: hidden}}
		}
		return engine.Ret{Err: f(c)}
	}
}
