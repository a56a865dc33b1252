package script

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/errclass"
	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/sysobs"
)

// dialStep is the dial-and-listen family: Accept, DialTo, Dial and Listen.
type dialStep struct {
	acts
	op     dialOp
	ep     string // the listener (Accept, DialTo), or whose address to listen on (Listen)
	as     string // the name of the endpoint the call makes
	target Target
	ctx    dialCtx
	opts   *harness.DialOptions
}

type dialOp string

const (
	opAccept dialOp = "Accept"
	opDialTo dialOp = "DialTo"
	opDial   dialOp = "Dial"
	opListen dialOp = "Listen"
)

// dialCtx says what context a Dial step passes.
type dialCtx int

const (
	ctxLive dialCtx = iota
	ctxCanceled
	ctxExpired
	ctxCanceledAfter
)

// Accept accepts a conn on listener ln and names it as.
func Accept(ln, as string) Step { return Step{f: dialStep{op: opAccept, ep: ln, as: as}} }

// DialTo connects a new conn, named as, to listener ln from the other side:
// the reference dialer in reference-peer topology, the pair listener's own
// Dial in pair topology.
func DialTo(as, ln string) Step { return Step{f: dialStep{op: opDialTo, ep: ln, as: as}} }

// Dial makes the IUT dial t and names the conn as (SetupDialer).
func Dial(as string, t Target) Step { return Step{f: dialStep{op: opDial, as: as, target: t}} }

// Listen makes the IUT listen on the address of endpoint of (to provoke
// "address in use"), naming the listener as.
func Listen(as, of string) Step { return Step{f: dialStep{op: opListen, ep: of, as: as}} }

// ListenAt makes the IUT listen on t (ForeignAddr, to provoke "address
// not available"), naming the listener as.
func ListenAt(as string, t Target) Step {
	return Step{f: dialStep{op: opListen, as: as, target: t}}
}

// Canceled makes a Dial step pass an already canceled context.
func (s Step) Canceled() Step { return s.withDial(func(d *dialStep) { d.ctx = ctxCanceled }) }

// CanceledAfter makes a Dial step pass a context that is canceled as soon
// as Dial returns: the conn must not depend on it.
func (s Step) CanceledAfter() Step {
	return s.withDial(func(d *dialStep) { d.ctx = ctxCanceledAfter })
}

// Expired makes a Dial step pass a context whose deadline has passed.
func (s Step) Expired() Step { return s.withDial(func(d *dialStep) { d.ctx = ctxExpired }) }

// Options makes a Dial step dial with o.
func (s Step) Options(o harness.DialOptions) Step {
	return s.withDial(func(d *dialStep) { d.opts = &o })
}

// withDial changes the dial step s is; other steps are left alone.
func (s Step) withDial(f func(*dialStep)) Step {
	if d, ok := s.f.(dialStep); ok {
		f(&d)
		s.f = d
	}
	return s
}

func (f dialStep) call(Step) string {
	switch f.op {
	case opDial:
		return fmt.Sprintf("%s = Dial(%s)", f.as, f.dialArgs())
	case opListen:
		if f.ep == "" {
			return fmt.Sprintf("%s = Listen(%s)", f.as, f.target)
		}
		return fmt.Sprintf("%s = Listen(addr(%s))", f.as, f.ep)
	case opAccept:
		return fmt.Sprintf("%s = %s.Accept()", f.as, f.ep)
	}
	return fmt.Sprintf("%s = Dial(addr(%s))", f.as, f.ep)
}

func (f dialStep) dialArgs() string {
	args := f.target.String()
	switch f.ctx {
	case ctxCanceled:
		args += ", canceled ctx"
	case ctxExpired:
		args += ", expired ctx"
	case ctxCanceledAfter:
		args += ", ctx canceled once it returns"
	}
	if f.opts != nil && f.opts.Timeout != 0 {
		args += ", timeout " + f.opts.Timeout.String()
	}
	return args
}

func (f dialStep) after(s Step) string { return f.call(s) }

func (f dialStep) implGap(im *harness.Impl, _ Role) string {
	switch {
	case f.op == opListen && im.Listen == nil:
		return "has no Listen, so " + f.call(Step{}) + " cannot listen on a given address"
	case f.op == opDial && im.Dial == nil:
		return "has no Dial, so " + f.call(Step{}) + " cannot dial"
	}
	return f.target.gap(im)
}

func (f dialStep) makes(w *whose) {
	switch f.op {
	case opAccept:
		w.set(f.as, w.iut[f.ep])
	case opDialTo:
		w.set(f.as, w.pairwise && w.iut[f.ep])
	case opDial:
		w.set(f.as, true)
	case opListen:
		w.set(f.as, true)
		w.ln[f.as] = true
	}
}

func (f dialStep) direction(Step) dir {
	if f.op == opAccept {
		return dirRead
	}
	return dirNone
}

func (f dialStep) exec(a *engine.Attempt, s Step, i int) { runCaller(a, s, i, f) }

func (f dialStep) prepare(a *engine.Attempt, s Step, i int) (callSpec, bool) {
	var e *engine.Endpoint
	if f.op != opDial && f.ep != "" {
		var ok bool
		if e, ok = endpoint(a, s, i, f.ep); !ok {
			return callSpec{}, false
		}
	}
	var m made
	spec := callSpec{
		e: e, dl: deadlineOf(e, s),
		do:     func() engine.Ret { return f.do(a, e, &m) },
		effect: func(ret engine.Ret) { f.keep(a, e, m, ret) },
		extra:  func(ret engine.Ret) []string { return m.withErr(ret) },
	}
	if f.op == opListen && e != nil {
		spec.settled = func(ret engine.Ret, start time.Time) bool {
			why := portHeld(a, e, ret.Err, a.Describe(i, s.Call()+" again"))
			if why == "" {
				why = portTaken(a, e, ret.Err)
			}
			if why == "" {
				return true
			}
			a.V.Inconclusive("%s", why)
			a.V.Record(result.Obs{Step: i + 1, Call: s.Call(), At: a.Clock.Since(start), Took: time.Since(start), Verdict: "inconclusive"})
			return false
		}
	}
	return spec, true
}

// made is what a call made: a conn, a listener or a packet conn.
type made struct {
	conn net.Conn
	ln   net.Listener
	pc   net.PacketConn
}

// withErr is the invariant of calls that make conns: an error comes with
// no conn.
func (m made) withErr(ret engine.Ret) []string {
	if ret.Err != nil && m.conn != nil {
		return []string{fmt.Sprintf("a non-nil conn (%T) returned with the error", m.conn)}
	}
	return nil
}

func (f dialStep) do(a *engine.Attempt, e *engine.Endpoint, m *made) engine.Ret {
	var err error
	im := a.Env.Impl
	switch f.op {
	case opAccept:
		if e.Ln == nil {
			return engine.Ret{Err: fmt.Errorf("netconform: %s is not a listener", e.Name)}
		}
		m.conn, err = e.Ln.Accept()
	case opDialTo:
		switch {
		case e.LnDial != nil:
			m.conn, err = e.LnDial(a.Ctx())
		case !e.IUT:
			m.conn, err = refDialer().DialContext(a.Ctx(), im.StreamNetwork(), engine.AddrString(e.Local()))
		default:
			m.conn, err = refDialIUT(a, a.Ctx(), engine.AddrString(e.Local()))
		}
	case opListen:
		network, addr := im.StreamNetwork(), ""
		if e != nil {
			addr = engine.AddrString(e.Local())
		} else if network, addr, err = resolveTarget(a, f.target, network); err != nil {
			return engine.Ret{Err: err}
		}
		m.ln, err = im.Listen(a.Ctx(), network, addr, a.Env.Listen)
	default:
		m.conn, err = f.dial(a)
	}
	return engine.Ret{Err: err}
}

// dial makes the IUT dial the step's target.
func (f dialStep) dial(a *engine.Attempt) (net.Conn, error) {
	network, address, err := resolveTarget(a, f.target, a.Env.Impl.StreamNetwork())
	if err != nil {
		return nil, err
	}
	// Canceled when Dial returns: a ctxCanceledAfter context ends there.
	ctx, cancel := dialContext(a.Ctx(), f.ctx)
	defer cancel()
	return a.Env.Impl.Dial(ctx, network, address, f.options(a))
}

// options are the dial options the step dials with.
func (f dialStep) options(a *engine.Attempt) harness.DialOptions {
	o := a.Env.Dial
	if f.opts != nil {
		o = *f.opts
	}
	return o
}

// keep adds what the call made to the attempt's endpoints.
func (f dialStep) keep(a *engine.Attempt, e *engine.Endpoint, m made, ret engine.Ret) {
	if ret.Err != nil {
		return
	}
	kernel := a.Env.Caps.Has(harness.CapKernel)
	switch {
	case f.op == opListen && m.ln != nil:
		a.Eps.Add(&engine.Endpoint{Name: f.as, IUT: true, Ln: m.ln, Kernel: kernel})
	case m.conn == nil:
	case f.op == opDial:
		a.Eps.Add(&engine.Endpoint{Name: f.as, IUT: true, Conn: m.conn, Kernel: kernel})
	default:
		iut := e.IUT
		if f.op == opDialTo {
			iut = e.LnDial != nil
		}
		a.Eps.Add(&engine.Endpoint{Name: f.as, IUT: iut, Conn: m.conn, Kernel: !iut || kernel})
	}
}

func dialContext(ctx context.Context, k dialCtx) (context.Context, context.CancelFunc) {
	switch k {
	case ctxCanceled:
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		return ctx, func() {}
	case ctxExpired:
		return context.WithDeadline(ctx, time.Now().Add(-time.Second))
	case ctxCanceledAfter:
		return context.WithCancel(ctx)
	}
	return ctx, func() {}
}

// A Target is what a Dial step dials.
type Target struct {
	ep      string // an endpoint's local address
	dead    bool   // a loopback port nothing listens on
	foreign bool   // an address of the network's family the host does not have
	missing bool   // a unix socket path that does not exist
	network string // overrides the implementation's network
	address string // a literal address
}

// ForeignAddr is an address of the implementation's family that no
// interface of the host has: 192.0.2.1:0 or [2001:db8::1]:0 (RFC 5737 and
// RFC 3849 documentation addresses).
var ForeignAddr = Target{foreign: true}

// MissingPath is a unix socket path in a directory that does not exist.
var MissingPath = Target{missing: true}

// gap says why im cannot use the target, or "".
func (t Target) gap(im *harness.Impl) string {
	n := im.StreamNetwork()
	switch {
	case t.foreign && n == "unix":
		return "is on unix, whose paths have no host address to lack"
	case t.missing && n != "unix":
		return "is on " + n + ", which has no socket paths"
	case t.dead && n == "unix":
		return "is on unix, which has no ports"
	case t.network == "" && t.address != "" && n == "unix":
		return "is on unix, and the case dials a host:port address"
	}
	return ""
}

// AddrOf dials the local address of endpoint ep (usually a listener).
func AddrOf(ep string) Target { return Target{ep: ep} }

// DeadPort dials a loopback port nothing listens on, chosen below the
// ephemeral range so that it can never be our own dialer's port.
var DeadPort = Target{dead: true}

// Literal dials address on network ("" keeps the implementation's network).
func Literal(network, address string) Target { return Target{network: network, address: address} }

// String renders the target as a script shows it.
func (t Target) String() string {
	switch {
	case t.ep != "":
		return "addr(" + t.ep + ")"
	case t.dead:
		return "dead-port"
	case t.foreign:
		return "foreign-addr"
	case t.missing:
		return "missing-path"
	case t.network != "":
		return strconv.Quote(t.network) + ", " + strconv.Quote(t.address)
	}
	return strconv.Quote(t.address)
}

func resolveTarget(a *engine.Attempt, t Target, network string) (string, string, error) {
	switch {
	case t.ep != "":
		e := a.Eps.Get(t.ep)
		if e == nil || e.Local() == nil {
			return "", "", fmt.Errorf("netconform: no endpoint %q to dial", t.ep)
		}
		return network, engine.AddrString(e.Local()), nil
	case t.dead:
		addr, err := deadPort(network)
		return network, addr, err
	case t.foreign && (network == "tcp6" || network == "udp6"):
		return network, "[2001:db8::1]:0", nil
	case t.foreign:
		return network, "192.0.2.1:0", nil
	case t.missing:
		return "unix", filepath.Join(os.TempDir(), fmt.Sprintf("netconform-missing-%d", rand.Int64()), "s.sock"), nil
	case t.network != "":
		return t.network, t.address, nil
	}
	return network, t.address, nil
}

// deadPort returns a loopback address with a port nothing listens on. The
// port is below the ephemeral range (32768 on Linux), so it can never be
// the dialer's own port: a UDP dial to a freed ephemeral port connects to
// itself about once in 9000 tries.
func deadPort(network string) (string, error) {
	host := "127.0.0.1"
	if network == "tcp6" || network == "udp6" {
		host = "::1"
	}
	for range 64 {
		port := 10000 + rand.IntN(22000)
		addr := net.JoinHostPort(host, fmt.Sprint(port))
		switch network {
		case "udp", "udp4", "udp6":
			c, err := net.ListenPacket(network, addr)
			if err != nil {
				continue
			}
			c.Close()
		default:
			ln, err := net.Listen(tcpNet(network), addr)
			if err != nil {
				continue
			}
			ln.Close()
		}
		return addr, nil
	}
	return "", fmt.Errorf("no free port below the ephemeral range on %s", host)
}

func tcpNet(network string) string {
	switch network {
	case "tcp4", "tcp6":
		return network
	}
	return "tcp4"
}

// portTaken says why listening again on e's address failed when, since e
// closed, another case's connection took its port (an ephemeral port
// picked for a dial), or another case's listener (its port picked by
// Listen(":0")) when e's own is provably closed: the attempt is
// inconclusive. It says nothing when a listener of the implementation's
// left open, a TIME_WAIT it cannot reuse, or a connection of this case
// holds the port.
func portTaken(a *engine.Attempt, e *engine.Endpoint, err error) string {
	ta, ok := e.Local().(*net.TCPAddr)
	if !ok || err == nil || errclass.Classify(err) != errclass.AddrInUse {
		return ""
	}
	own := map[string]bool{} // this case's connections, local|remote
	for _, o := range a.Eps.All() {
		if o.Conn != nil {
			own[addrKey(o.Local())+"|"+addrKey(o.Remote())] = true
		}
	}
	var held []string
	for _, c := range sysobs.ConnsOnPort(uint16(ta.Port)) {
		if !own[c.Local.String()+"|"+c.Remote.String()] {
			held = append(held, c.String())
		}
	}
	if lnClosed(e.Ln) {
		// Its own listener closed, a listener on the port is another
		// case's, whose Listen(":0") picked the freed port (portHeld
		// judged a forked child's hold first).
		for _, k := range listenersOn(uint16(ta.Port)) {
			held = append(held, k.String())
		}
	}
	if len(held) == 0 {
		return ""
	}
	return fmt.Sprintf("port %d of %s was taken by another case's socket once %s closed: %s", ta.Port, e.Name, e.Name, strings.Join(held, "; "))
}

// lnClosed reports whether ln's descriptor is closed: its SyscallConn
// refuses Control. A listener that does not show its descriptor may still
// be open.
func lnClosed(ln net.Listener) bool {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	return rc.Control(func(uintptr) {}) != nil
}

// addrKey is a TCP address as netip.AddrPort prints it ("" for others).
func addrKey(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
	}
	return ""
}
