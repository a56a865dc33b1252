package engine

import (
	"context"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// An Endpoint is one named thing a script acts on: a conn, a listener or a
// packet conn, from the implementation under test (IUT) or from the
// reference peer.
type Endpoint struct {
	Name string
	IUT  bool
	// Kernel: a kernel socket in this namespace whose addresses are its
	// 4-tuple (always true for the reference peer's sockets).
	Kernel bool
	Conn   net.Conn
	Ln     net.Listener
	PC     net.PacketConn
	addrs  addrs
	DL     Deadlines
	Other  *Endpoint // the other end of a conn, when known
	// LnDial reaches a pair-topology listener.
	LnDial func(ctx context.Context) (net.Conn, error)
	Closed bool
}

// addrs are an endpoint's addresses, asked once.
type addrs struct {
	local, remote net.Addr
	known         bool
}

// Local is the endpoint's local address (a listener's or packet conn's
// too). The reference peer's are taken when the endpoint is made. The
// IUT's conn is not asked unless a step asks it (Addrs) or nothing else
// can tell: for some implementations asking changes state (a PROXY
// protocol listener's conn reads its header to answer). When the other
// end is a reference kernel socket, its addresses, mirrored, say what the
// IUT's are.
func (e *Endpoint) Local() net.Addr {
	if l, _, ok := e.mirror(); ok {
		return l
	}
	e.know()
	return e.addrs.local
}

// Remote is the endpoint's remote address (nil for listeners and
// unconnected packet conns); see Local.
func (e *Endpoint) Remote() net.Addr {
	if _, r, ok := e.mirror(); ok {
		return r
	}
	e.know()
	return e.addrs.remote
}

// mirror returns an IUT conn's addresses as its reference peer sees them,
// when they were not asked and the peer is known.
func (e *Endpoint) mirror() (local, remote net.Addr, ok bool) {
	o := e.Other
	if e.addrs.known || !e.IUT || e.Conn == nil || o == nil || o.IUT || !o.Kernel {
		return nil, nil, false
	}
	return o.addrs.remote, o.addrs.local, true
}

// Known reports whether the addresses were asked already.
func (e *Endpoint) Known() bool { return e.addrs.known }

func (e *Endpoint) know() {
	if e.addrs.known {
		return
	}
	e.addrs.known = true
	switch {
	case e.Conn != nil:
		e.addrs.local, e.addrs.remote = e.Conn.LocalAddr(), e.Conn.RemoteAddr()
	case e.Ln != nil:
		e.addrs.local = e.Ln.Addr()
	case e.PC != nil:
		e.addrs.local = e.PC.LocalAddr()
	}
}

// Deadlines are the deadlines a script set on an endpoint, and the
// changes it made to them.
type Deadlines struct {
	Read, Write time.Time
	Changes     []DeadlineChange
}

// A DeadlineChange is a deadline a script changed, and when the change
// completed.
type DeadlineChange struct {
	Read       bool // the read deadline (false: the write deadline)
	Prev, Next time.Time
	Done       time.Time
}

// Side names the endpoint's owner for messages: "IUT" or "reference".
func (e *Endpoint) Side() string {
	if e.IUT {
		return "IUT"
	}
	return "reference"
}

// Close closes whatever the endpoint is.
func (e *Endpoint) Close() error {
	switch {
	case e.Conn != nil:
		return e.Conn.Close()
	case e.Ln != nil:
		return e.Ln.Close()
	case e.PC != nil:
		return e.PC.Close()
	}
	return nil
}

// Object is the underlying value, for optional-interface assertions.
func (e *Endpoint) Object() any {
	switch {
	case e.Conn != nil:
		return e.Conn
	case e.Ln != nil:
		return e.Ln
	}
	return e.PC
}

// Tuple returns the endpoint's TCP 4-tuple when it is a kernel TCP socket;
// a listener's remote is the zero address of its family.
func (e *Endpoint) Tuple() (local, remote netip.AddrPort, ok bool) {
	if e == nil || !e.Kernel {
		return local, remote, false
	}
	l, lok := e.Local().(*net.TCPAddr)
	if !lok {
		return local, remote, false
	}
	local = l.AddrPort()
	if e.Ln != nil {
		if local.Addr().Is4() || local.Addr().Is4In6() {
			return local, netip.AddrPortFrom(netip.IPv4Unspecified(), 0), true
		}
		return local, netip.AddrPortFrom(netip.IPv6Unspecified(), 0), true
	}
	r, rok := e.Remote().(*net.TCPAddr)
	if !rok {
		return local, remote, false
	}
	return local, r.AddrPort(), true
}

// SyscallConn returns the fd-backed view of the endpoint, if any.
func (e *Endpoint) SyscallConn() (syscall.Conn, bool) {
	sc, ok := e.Object().(syscall.Conn)
	return sc, ok
}

// Endpoints are an attempt's endpoints by name, in the order they were made.
type Endpoints struct {
	byName map[string]*Endpoint
	order  []*Endpoint
}

// Get returns the endpoint called name, or nil.
func (es *Endpoints) Get(name string) *Endpoint { return es.byName[name] }

// Add registers e under its name. The addresses of everything but the
// IUT's conns are taken now (see Endpoint.Local).
func (es *Endpoints) Add(e *Endpoint) *Endpoint {
	if !e.IUT || e.Conn == nil {
		e.know()
	}
	if es.byName == nil {
		es.byName = map[string]*Endpoint{}
	}
	es.byName[e.Name] = e
	es.order = append(es.order, e)
	return e
}

// Alias makes name another name of the endpoint called to.
func (es *Endpoints) Alias(name, to string) { es.byName[name] = es.byName[to] }

// All returns the endpoints in the order they were made (aliases once).
func (es *Endpoints) All() []*Endpoint { return es.order }

// OtherOf returns the conn at the other end of e: the one setup paired it
// with, or the endpoint with the mirrored addresses (which asks every
// conn for its addresses), or nil.
func (es *Endpoints) OtherOf(e *Endpoint) *Endpoint {
	if e.Other != nil || e.Conn == nil {
		return e.Other
	}
	for _, o := range es.order {
		if o != e && o.Conn != nil && SameAddr(o.Local(), e.Remote()) && SameAddr(o.Remote(), e.Local()) {
			e.Other, o.Other = o, e
			return o
		}
	}
	return nil
}

// SameAddr compares two addresses by network meaning: IP (v4-mapped
// addresses equal their v4 form) and port, or the path for unix sockets.
func SameAddr(a, b net.Addr) bool {
	if a == nil || b == nil {
		return false
	}
	ap, aok := AddrPort(a)
	bp, bok := AddrPort(b)
	if aok && bok {
		return ap.Addr().Unmap() == bp.Addr().Unmap() && ap.Port() == bp.Port()
	}
	return a.Network() == b.Network() && a.String() == b.String()
}

// AddrPort returns a's IP and port, when it has them.
func AddrPort(a net.Addr) (netip.AddrPort, bool) {
	switch v := a.(type) {
	case *net.TCPAddr:
		return v.AddrPort(), true
	case *net.UDPAddr:
		return v.AddrPort(), true
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap, true
	}
	return netip.AddrPort{}, false
}

// AddrString is a.String(), or "" for an implementation that returned no
// address: the call that uses it then fails, rather than the harness.
func AddrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
