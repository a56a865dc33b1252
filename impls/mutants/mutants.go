// Package mutants holds deliberately broken implementations: Go's TCP and
// UDP, each wrapped to carry one realistic bug — one that a real
// implementation has or had (each Bug names the library). They prove
// that the suite's cases can fail: a case that no mutant fails tests
// nothing, and a mutant that no case catches is a gap in the suite.
//
// Every mutant declares the capabilities of std TCP and UDP together, so
// each case runs on it; the one thing it does wrong is in its Bug.
package mutants

import (
	"cmp"
	"context"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/impls/stdnet"
)

// A Mutant is an implementation with one known bug.
type Mutant struct {
	Impl harness.Impl
	Bug  string // what it does wrong
	Seen string // where real implementations do the same
	// Legal marks a mutant whose behaviour the net.Conn contract allows:
	// it may fail convention cases, never contract ones.
	Legal bool
}

// bug is one mutant's behaviour: each hook that is set replaces one
// operation of Go's net, everything else is Go's.
type bug struct {
	name, what, seen string
	legal            bool

	// conn operations
	read        func(c *conn, p []byte) (int, error)
	write       func(c *conn, p []byte) (int, error)
	close       func(c *conn) error
	closeWrite  func(c *conn) error
	closeRead   func(c *conn) error
	setDeadline func(c *conn, kind int, t time.Time) error
	setLinger   func(c *conn, sec int) error
	addrs       func(c *conn) (local, remote net.Addr)
	readFrom    func(c *conn, p []byte) (int, net.Addr, error)
	writeTo     func(c *conn, p []byte, a net.Addr) (int, error)
	copyIn      func(c *conn, r io.Reader) (int64, error) // ReadFrom(io.Reader)
	copyOut     func(c *conn, w io.Writer) (int64, error) // WriteTo(io.Writer)
	readMsg     func(c *conn, b, oob []byte) (int, int, int, *net.UDPAddr, error)
	// packetRemote replaces a datagram conn's RemoteAddr.
	packetRemote func(c *conn) net.Addr

	ignoreKeepAlive bool // keep-alive options and setters do nothing
	ignoreDeadlines bool // listener deadlines do nothing
	hideHalfClose   bool // conns have net.Conn's methods only

	// errs maps every error a conn, listener, packet conn or dial returns.
	errs func(error) error

	// listener operations
	accept        func(l *listener) (net.Conn, error)
	lnClose       func(l *listener) error
	lnAddr        func(l *listener) net.Addr
	dialConnErr   bool // a failed dial returns a conn with the error
	startListener func(l *listener)

	// sockets: control runs before bind or connect (net.Dialer.Control);
	// fresh runs on every new conn; dialPacket replaces the connected
	// datagram dial.
	control    func(network, address string, rc syscall.RawConn) error
	fresh      func(c *conn)
	dialOpts   func(o *harness.DialOptions)
	listenOpts func(o *harness.ListenOptions)
	dialPacket func(ctx context.Context, b *bug, network, address string) (net.Conn, error)
	// dialed runs on each conn Dial returns, with Dial's context;
	// dialVia replaces the dial itself.
	dialed  func(ctx context.Context, c *conn)
	dialVia func(ctx context.Context, d *net.Dialer, network, address string) (net.Conn, error)

	// network is the stream network (default tcp4); on unix, the mutant
	// carries std's unix capabilities and known divergences.
	network string
}

// Control is the wrapper with no bug: it must pass every case std TCP and
// UDP pass, or the mutants' kills would be the wrapper's doing.
func Control() Mutant {
	b := &bug{name: "control", what: "the mutants' wrapper with no bug"}
	return Mutant{Impl: b.impl(), Bug: b.what, Legal: true}
}

// ControlUnix is the wrapper with no bug on unix stream sockets: the
// control of the unix mutants.
func ControlUnix() Mutant {
	b := &bug{name: "control-unix", what: "the mutants' wrapper with no bug, on unix sockets", network: "unix"}
	return Mutant{Impl: b.impl(), Bug: b.what, Legal: true}
}

// Controls are the wrappers with no bug, one per stream network.
func Controls() []Mutant { return []Mutant{Control(), ControlUnix()} }

// SlowDeadlineClear is the wrapper with one legal quirk: clearing a
// deadline takes 350 ms (as when SetDeadline waits for a lock a slow
// writer holds). A case that clears a deadline shortly before it fires
// must then call the attempt inconclusive and retry at a longer
// timescale, never fail the implementation.
func SlowDeadlineClear() Mutant {
	b := &bug{
		name: "slow-deadline-clear",
		what: "clearing a deadline takes 350 ms",
		setDeadline: func(c *conn, kind int, t time.Time) error {
			if t.IsZero() {
				time.Sleep(350 * time.Millisecond)
			}
			return stdDeadline(c.Conn, kind, t)
		},
	}
	return Mutant{Impl: b.impl(), Bug: b.what, Legal: true}
}

// WritesTimeOutIdle is the wrapper with a quirk no case can judge: a Write
// with a write deadline waits for it and times out without writing, as a
// conn poisoned by an earlier timeout would, while the kernel send queue
// stays empty. Steps that need a full send queue must end as an error
// (the scenario cannot be set up), never hang or pass.
func WritesTimeOutIdle() Mutant {
	b := &bug{
		name: "writes-time-out-idle",
		what: "a Write with a write deadline waits for it and returns 0, timeout",
		write: func(c *conn, p []byte) (int, error) {
			if _, wdl := c.deadlines(); !wdl.IsZero() {
				time.Sleep(time.Until(wdl))
				return 0, &net.OpError{Op: "write", Net: "tcp", Err: os.ErrDeadlineExceeded}
			}
			return c.Conn.Write(p)
		},
	}
	return Mutant{Impl: b.impl(), Bug: b.what}
}

// caps are std TCP's and std UDP's together.
var caps = stdnet.TCP.Caps | stdnet.UDP.Caps

// unixCaps are a unix mutant's: std's over unix stream sockets, and UDP.
var unixCaps = stdnet.Unix.Caps | stdnet.UDP.Caps

// All returns every mutant: the original bugs and the unforeseen ones
// (see Unforeseen).
func All() []Mutant {
	var out []Mutant
	for i := range bugs {
		b := &bugs[i]
		out = append(out, Mutant{Impl: b.impl(), Bug: b.what, Seen: b.seen, Legal: b.legal})
	}
	return append(out, Unforeseen()...)
}

func (b *bug) impl() harness.Impl {
	c, known := caps, []harness.Known(nil)
	if b.network == "unix" {
		c, known = unixCaps, stdnet.Unix.Known
	}
	return harness.Impl{
		Name:         "mutant-" + b.name,
		Description:  b.what,
		Caps:         c,
		Network:      cmp.Or(b.network, "tcp4"),
		Known:        known,
		PacketNet:    "udp4",
		Dial:         b.dial,
		Listen:       b.listen,
		ListenPacket: b.listenPacket,
		DialPacket:   b.dialPacketConn,
	}
}

// wrapConn wraps a new conn of the case of ctx: it is force-closed when
// the case ends, whatever its bug does to Close.
func (b *bug) wrapConn(ctx context.Context, c net.Conn) (*conn, net.Conn) {
	w := newConn(c, b)
	harness.CaseCleanup(ctx, w.forceClose)
	if b.fresh != nil {
		b.fresh(w)
	}
	switch {
	case strings.HasPrefix(c.LocalAddr().Network(), "udp"):
		return w, packetConn{w}
	case b.hideHalfClose:
		return w, hiddenConn{w}
	}
	return w, w
}

func (b *bug) mapErr(err error) error {
	if err == nil || b.errs == nil {
		return err
	}
	return b.errs(err)
}

func (b *bug) dial(ctx context.Context, network, address string, o harness.DialOptions) (net.Conn, error) {
	if b.dialOpts != nil {
		b.dialOpts(&o)
	}
	d := o.Dialer()
	d.Control = b.control
	if b.ignoreKeepAlive {
		d.KeepAlive, d.KeepAliveConfig = -1, net.KeepAliveConfig{}
	}
	var c net.Conn
	var err error
	if b.dialVia != nil {
		c, err = b.dialVia(ctx, d, network, address)
	} else {
		c, err = d.DialContext(ctx, network, address)
	}
	if err != nil {
		if b.dialConnErr {
			return hiddenConn{}, err
		}
		return nil, b.mapErr(err)
	}
	w, out := b.wrapConn(ctx, c)
	if b.dialed != nil {
		b.dialed(ctx, w)
	}
	return out, nil
}

func (b *bug) listen(ctx context.Context, network, address string, o harness.ListenOptions) (net.Listener, error) {
	if b.listenOpts != nil {
		b.listenOpts(&o)
	}
	lc := o.ListenConfig()
	lc.SetMultipathTCP(false)
	lc.Control = b.control
	if b.ignoreKeepAlive {
		lc.KeepAlive, lc.KeepAliveConfig = -1, net.KeepAliveConfig{}
	}
	ln, err := lc.Listen(ctx, network, address)
	if err != nil {
		return nil, b.mapErr(err)
	}
	return b.newListener(ctx, ln), nil
}

func (b *bug) listenPacket(ctx context.Context, network, address string) (net.PacketConn, error) {
	lc := net.ListenConfig{Control: b.control}
	pc, err := lc.ListenPacket(ctx, network, address)
	if err != nil {
		return nil, b.mapErr(err)
	}
	_, out := b.wrapConn(ctx, pc.(net.Conn))
	return out.(net.PacketConn), nil
}

func (b *bug) dialPacketConn(ctx context.Context, network, address string) (net.Conn, error) {
	if b.dialPacket != nil {
		return b.dialPacket(ctx, b, network, address)
	}
	d := net.Dialer{Control: b.control}
	c, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, b.mapErr(err)
	}
	_, out := b.wrapConn(ctx, c)
	return out, nil
}
