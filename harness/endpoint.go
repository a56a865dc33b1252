package harness

import (
	"context"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// An endpoint is one named thing a script acts on: a conn, a listener or a
// packet conn, from the IUT or from the reference peer.
type endpoint struct {
	name   string
	iut    bool
	conn   net.Conn
	ln     net.Listener
	pc     net.PacketConn
	local  net.Addr // captured when the endpoint was made
	remote net.Addr
	// kernel: a kernel socket in this namespace whose addresses are its
	// 4-tuple (always true for the reference peer's TCP sockets).
	kernel  bool
	readDL  time.Time
	writeDL time.Time
	other   *endpoint // the other end of a conn, when known
	// lnDial reaches a pair-topology listener.
	lnDial func(ctx context.Context) (net.Conn, error)
	closed bool
}

func (e *endpoint) side() string {
	if e.iut {
		return "IUT"
	}
	return "reference"
}

// closer returns what Close closes.
func (e *endpoint) close() error {
	switch {
	case e.conn != nil:
		return e.conn.Close()
	case e.ln != nil:
		return e.ln.Close()
	case e.pc != nil:
		return e.pc.Close()
	}
	return nil
}

// object is the underlying value, for optional-interface assertions.
func (e *endpoint) object() any {
	switch {
	case e.conn != nil:
		return e.conn
	case e.ln != nil:
		return e.ln
	}
	return e.pc
}

// tuple returns the endpoint's TCP 4-tuple when it is a kernel TCP socket.
func (e *endpoint) tuple() (local, remote netip.AddrPort, ok bool) {
	if !e.kernel {
		return local, remote, false
	}
	l, lok := e.local.(*net.TCPAddr)
	if !lok {
		return local, remote, false
	}
	local = l.AddrPort()
	if e.ln != nil {
		// A listener: the zero remote address of its own family.
		if local.Addr().Is4() || local.Addr().Is4In6() {
			return local, netip.AddrPortFrom(netip.IPv4Unspecified(), 0), true
		}
		return local, netip.AddrPortFrom(netip.IPv6Unspecified(), 0), true
	}
	r, rok := e.remote.(*net.TCPAddr)
	if !rok {
		return local, remote, false
	}
	return local, r.AddrPort(), true
}

// syscallConn returns the fd-backed view of the endpoint, if any.
func (e *endpoint) syscallConn() (syscall.Conn, bool) {
	sc, ok := e.object().(syscall.Conn)
	return sc, ok
}

// Optional interfaces the harness discovers by assertion.
type (
	closeWriter  interface{ CloseWrite() error }
	closeReader  interface{ CloseRead() error }
	lingerer     interface{ SetLinger(sec int) error }
	noDelayer    interface{ SetNoDelay(noDelay bool) error }
	keepAliver   interface{ SetKeepAlive(keepalive bool) error }
	kaPerioder   interface{ SetKeepAlivePeriod(d time.Duration) error }
	kaConfigurer interface {
		SetKeepAliveConfig(config net.KeepAliveConfig) error
	}
	lnDeadliner interface{ SetDeadline(t time.Time) error }
)

// OptionConn is implemented by endpoints whose socket options live in
// another process (driver proxies). Names are those of the sysobs options:
// "SO_KEEPALIVE", "TCP_KEEPIDLE", "TCP_NODELAY", "SO_LINGER"…
type OptionConn interface {
	GetSockopt(name string) (int, error)
	SetSockopt(name string, v int) error
}

// sameAddr compares two addresses by network meaning: IP (v4-mapped
// addresses equal their v4 form) and port, or the path for unix sockets.
func sameAddr(a, b net.Addr) bool {
	if a == nil || b == nil {
		return false
	}
	ap, aok := addrPort(a)
	bp, bok := addrPort(b)
	if aok && bok {
		return ap.Addr().Unmap() == bp.Addr().Unmap() && ap.Port() == bp.Port()
	}
	return a.Network() == b.Network() && a.String() == b.String()
}

func addrPort(a net.Addr) (netip.AddrPort, bool) {
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

// addrString is a.String(), or "" for an implementation that returned no
// address: the call that uses it then fails, rather than the harness.
func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
