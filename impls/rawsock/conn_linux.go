package rawsock

import (
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Conn is a connected socket: a TCP stream, or a connected UDP socket.
// It has the optional methods of *net.TCPConn: CloseRead, CloseWrite,
// SetLinger, SetNoDelay, the keepalive setters, and SyscallConn.
type Conn struct{ fd *netFD }

var (
	_ net.Conn       = (*Conn)(nil)
	_ syscall.Conn   = (*Conn)(nil)
	_ net.PacketConn = (*Conn)(nil)
)

func (c *Conn) Read(p []byte) (int, error)  { return c.fd.Read(p) }
func (c *Conn) Write(p []byte) (int, error) { return c.fd.Write(p) }
func (c *Conn) Close() error                { return c.fd.Close() }
func (c *Conn) LocalAddr() net.Addr         { return c.fd.laddr }
func (c *Conn) RemoteAddr() net.Addr        { return c.fd.raddr }

func (c *Conn) SetDeadline(t time.Time) error      { return c.fd.setDeadlines(t, true, true) }
func (c *Conn) SetReadDeadline(t time.Time) error  { return c.fd.setDeadlines(t, true, false) }
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.fd.setDeadlines(t, false, true) }

// CloseRead shuts down the reading side.
func (c *Conn) CloseRead() error { return c.fd.shutdown(unix.SHUT_RD) }

// CloseWrite shuts down the writing side: the peer reads the data written
// before it, then io.EOF.
func (c *Conn) CloseWrite() error { return c.fd.shutdown(unix.SHUT_WR) }

// SyscallConn exposes the fd.
func (c *Conn) SyscallConn() (syscall.RawConn, error) { return rawConn{c.fd}, nil }

// SetLinger sets SO_LINGER: sec < 0 off, else on with that timeout.
func (c *Conn) SetLinger(sec int) error {
	if !c.fd.incref() {
		return c.fd.opError("set", net.ErrClosed)
	}
	defer c.fd.decref()
	l := unix.Linger{}
	if sec >= 0 {
		l = unix.Linger{Onoff: 1, Linger: int32(sec)}
	}
	if err := unix.SetsockoptLinger(c.fd.fd, unix.SOL_SOCKET, unix.SO_LINGER, &l); err != nil {
		return c.fd.opError("set", os.NewSyscallError("setsockopt", err))
	}
	return nil
}

// SetNoDelay sets TCP_NODELAY.
func (c *Conn) SetNoDelay(noDelay bool) error {
	return c.fd.setsockoptInt(unix.IPPROTO_TCP, unix.TCP_NODELAY, boolInt(noDelay))
}

// SetKeepAlive turns SO_KEEPALIVE on or off.
func (c *Conn) SetKeepAlive(on bool) error {
	return c.fd.setsockoptInt(unix.SOL_SOCKET, unix.SO_KEEPALIVE, boolInt(on))
}

// SetKeepAlivePeriod sets the idle time before the first probe (whole
// seconds, rounded up); like Go's, it does not turn keepalive on.
func (c *Conn) SetKeepAlivePeriod(d time.Duration) error {
	return c.fd.setsockoptInt(unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, seconds(d))
}

// SetKeepAliveConfig applies cfg with net.KeepAliveConfig's meaning: a zero
// field is Go's default (15 s, 15 s, 9), a negative one leaves the kernel's.
func (c *Conn) SetKeepAliveConfig(cfg net.KeepAliveConfig) error {
	if err := c.SetKeepAlive(cfg.Enable); err != nil || !cfg.Enable {
		return err
	}
	for _, o := range []struct {
		opt int
		v   int
	}{
		{unix.TCP_KEEPIDLE, durOrDefault(cfg.Idle, 15*time.Second)},
		{unix.TCP_KEEPINTVL, durOrDefault(cfg.Interval, 15*time.Second)},
		{unix.TCP_KEEPCNT, countOrDefault(cfg.Count, 9)},
	} {
		if o.v < 0 {
			continue
		}
		if err := c.fd.setsockoptInt(unix.IPPROTO_TCP, o.opt, o.v); err != nil {
			return err
		}
	}
	return nil
}

// ReadFrom receives a datagram on a connected UDP socket.
func (c *Conn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, sa, err := c.fd.readFrom(p)
	return n, sockaddrToAddr(c.fd.net, sa), err
}

// WriteTo sends a datagram to addr. On a connected socket it does what the
// kernel does with sendto(2) — sends it — where Go's UDPConn refuses with
// net.ErrWriteToConnected.
func (c *Conn) WriteTo(p []byte, addr net.Addr) (int, error) {
	sa, err := addrToSockaddr(addr)
	if err != nil {
		return 0, withAddr(c.fd.opError("write", err), addr)
	}
	n, err := c.fd.write("write", p, sa)
	return n, withAddr(err, addr)
}

// withAddr names the destination in a WriteTo's error, as Go's UDPConn
// does: an unconnected socket has no remote address of its own.
func withAddr(err error, addr net.Addr) error {
	if oe, ok := err.(*net.OpError); ok && oe.Addr == nil {
		oe.Addr = addr
	}
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// seconds rounds d up to whole seconds, as the kernel's options count them.
func seconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

func durOrDefault(d, def time.Duration) int {
	switch {
	case d < 0:
		return -1
	case d == 0:
		return seconds(def)
	}
	return seconds(d)
}

func countOrDefault(n, def int) int {
	switch {
	case n < 0:
		return -1
	case n == 0:
		return def
	}
	return n
}

// applyKeepAlive applies dial or listen options to a new conn: keepalive
// stays off unless asked for (Go turns it on by default; rawsock does what
// a plain socket does).
func (c *Conn) applyKeepAlive(ka time.Duration, cfg net.KeepAliveConfig) error {
	switch {
	case cfg.Enable:
		return c.SetKeepAliveConfig(cfg)
	case ka > 0:
		if err := c.SetKeepAlive(true); err != nil {
			return err
		}
		return c.SetKeepAlivePeriod(ka)
	}
	return nil
}

// Listener is a listening TCP socket.
type Listener struct {
	fd *netFD
	ka time.Duration
	kc net.KeepAliveConfig
}

var (
	_ net.Listener = (*Listener)(nil)
	_ syscall.Conn = (*Listener)(nil)
)

// Accept waits for and returns the next connection. A connection aborted
// while queued (ECONNABORTED) is skipped, as Go does.
func (l *Listener) Accept() (net.Conn, error) {
	fd := l.fd
	if !fd.incref() {
		return nil, fd.opError("accept", net.ErrClosed)
	}
	defer fd.decref()
	if err := fd.acquire(fd.rlock, fd.rdl); err != nil {
		return nil, fd.opError("accept", err)
	}
	defer func() { <-fd.rlock }()
	for {
		if err := fd.check(fd.rdl); err != nil {
			return nil, fd.opError("accept", err)
		}
		nfd, sa, err := unix.Accept4(fd.fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch {
		case err == unix.EINTR || err == unix.ECONNABORTED:
			continue
		case err == unix.EAGAIN:
			if err := fd.wait(fd.pd.rd, fd.rdl); err != nil {
				return nil, fd.opError("accept", err)
			}
			continue
		case err != nil:
			return nil, fd.opError("accept", os.NewSyscallError("accept4", err))
		}
		nf, err := newFD(nfd, unix.SOCK_STREAM, fd.net)
		if err != nil {
			return nil, fd.opError("accept", err)
		}
		nf.laddr = fd.laddr
		if lsa, err := unix.Getsockname(nfd); err == nil {
			nf.laddr = sockaddrToAddr(fd.net, lsa)
		}
		nf.raddr = sockaddrToAddr(fd.net, sa)
		c := &Conn{fd: nf}
		if err := c.applyKeepAlive(l.ka, l.kc); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
}

// Close stops listening; conns queued in the backlog are reset.
func (l *Listener) Close() error { return l.fd.Close() }

// Addr returns the listening address.
func (l *Listener) Addr() net.Addr { return l.fd.laddr }

// SetDeadline sets the deadline of Accept.
func (l *Listener) SetDeadline(t time.Time) error { return l.fd.setDeadlines(t, true, false) }

// SyscallConn exposes the fd.
func (l *Listener) SyscallConn() (syscall.RawConn, error) { return rawConn{l.fd}, nil }

// PacketConn is an unconnected UDP socket.
type PacketConn struct{ Conn }

var _ net.PacketConn = (*PacketConn)(nil)
