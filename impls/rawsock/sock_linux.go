package rawsock

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// listenBacklog is the backlog passed to listen(2); the kernel caps it at
// net.core.somaxconn.
const listenBacklog = 4096

// family picks the address family of a network and address.
func family(network string, ip netip.Addr) (int, string, error) {
	switch network {
	case "tcp", "udp":
		if ip.Is4() || ip.Is4In6() {
			return unix.AF_INET, network + "4", nil
		}
		return unix.AF_INET6, network + "6", nil
	case "tcp4", "udp4":
		return unix.AF_INET, network, nil
	case "tcp6", "udp6":
		return unix.AF_INET6, network, nil
	}
	return 0, "", net.UnknownNetworkError(network)
}

// resolve parses host:port into an address of the network (no DNS for
// literal IPs; names go through the system resolver).
func resolve(ctx context.Context, network, address string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return netip.AddrPort{}, err
	}
	p, err := net.DefaultResolver.LookupPort(ctx, network, port)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if host == "" {
		if network == "tcp6" || network == "udp6" {
			return netip.AddrPortFrom(netip.IPv6Unspecified(), uint16(p)), nil
		}
		return netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(p)), nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return netip.AddrPortFrom(ip, uint16(p)), nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(ips[0].Unmap(), uint16(p)), nil
}

// socket makes a non-blocking, close-on-exec socket.
func socket(fam, sotype int) (int, error) {
	fd, err := unix.Socket(fam, sotype|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	return fd, nil
}

func sockaddr(fam int, ap netip.AddrPort) unix.Sockaddr {
	if fam == unix.AF_INET {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().Unmap().As4()}
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
}

// dialContextError maps a context's end to the errors Go's dialer gives.
func dialContextError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errDialTimeout{}
	}
	return ctx.Err()
}

// errDialTimeout is a dial that ran out of time: Timeout() is true and it
// matches context.DeadlineExceeded, like Go's.
type errDialTimeout struct{}

func (errDialTimeout) Error() string        { return "i/o timeout" }
func (errDialTimeout) Timeout() bool        { return true }
func (errDialTimeout) Temporary() bool      { return true }
func (errDialTimeout) Is(target error) bool { return target == context.DeadlineExceeded }

// open resolves address and makes a socket of its family; netName is
// network with the family made explicit ("tcp4").
func open(ctx context.Context, network, address string, sotype int) (s int, ap netip.AddrPort, fam int, netName string, err error) {
	if ap, err = resolve(ctx, network, address); err != nil {
		return
	}
	if fam, netName, err = family(network, ap.Addr()); err != nil {
		return
	}
	s, err = socket(fam, sotype)
	return
}

// dial connects a stream (tcp) or datagram (udp) socket to address.
func dial(ctx context.Context, network, address string, sotype int, timeout time.Duration) (*netFD, error) {
	opErr := func(err error) error { return &net.OpError{Op: "dial", Net: network, Err: err} }
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return nil, opErr(net.UnknownNetworkError(network))
	}
	if timeout != 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	if ctx.Err() != nil {
		return nil, opErr(dialContextError(ctx))
	}
	s, ap, fam, netName, err := open(ctx, network, address, sotype)
	if err != nil {
		return nil, opErr(err)
	}
	fd, err := newFD(s, sotype, netName)
	if err != nil {
		return nil, opErr(err)
	}
	if err := fd.connect(ctx, sockaddr(fam, ap)); err != nil {
		fd.Close()
		return nil, &net.OpError{Op: "dial", Net: netName, Addr: addrOf(netName, ap), Err: err}
	}
	if lsa, err := unix.Getsockname(s); err == nil {
		fd.laddr = sockaddrToAddr(netName, lsa)
	}
	if rsa, err := unix.Getpeername(s); err == nil {
		fd.raddr = sockaddrToAddr(netName, rsa)
	} else {
		fd.raddr = addrOf(netName, ap)
	}
	return fd, nil
}

// connect runs connect(2) on a non-blocking socket: EINPROGRESS, wait for
// writability, then SO_ERROR says how it went.
func (fd *netFD) connect(ctx context.Context, sa unix.Sockaddr) error {
	err := unix.Connect(fd.fd, sa)
	switch err {
	case nil, unix.EISCONN:
		return nil
	case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
	default:
		return os.NewSyscallError("connect", err)
	}
	for {
		select {
		case <-fd.pd.wr:
		case <-ctx.Done():
			return dialContextError(ctx)
		}
		soerr, err := unix.GetsockoptInt(fd.fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return os.NewSyscallError("getsockopt", err)
		}
		switch e := unix.Errno(soerr); e {
		case 0, unix.EISCONN:
			if _, err := unix.Getpeername(fd.fd); err == nil {
				return nil
			}
		case unix.EINPROGRESS, unix.EALREADY, unix.EINTR:
		default:
			return os.NewSyscallError("connect", e)
		}
	}
}

// listen binds and listens (stream) or binds (datagram).
func listen(ctx context.Context, network, address string, sotype int) (*netFD, error) {
	opErr := func(err error) error { return &net.OpError{Op: "listen", Net: network, Err: err} }
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return nil, opErr(net.UnknownNetworkError(network))
	}
	s, ap, fam, netName, err := open(ctx, network, address, sotype)
	if err != nil {
		return nil, opErr(err)
	}
	if sotype == unix.SOCK_STREAM {
		if err := unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			unix.Close(s)
			return nil, opErr(os.NewSyscallError("setsockopt", err))
		}
	}
	if err := unix.Bind(s, sockaddr(fam, ap)); err != nil {
		unix.Close(s)
		return nil, &net.OpError{Op: "listen", Net: netName, Addr: addrOf(netName, ap), Err: os.NewSyscallError("bind", err)}
	}
	if sotype == unix.SOCK_STREAM {
		if err := unix.Listen(s, listenBacklog); err != nil {
			unix.Close(s)
			return nil, opErr(os.NewSyscallError("listen", err))
		}
	}
	fd, err := newFD(s, sotype, netName)
	if err != nil {
		return nil, opErr(err)
	}
	if lsa, err := unix.Getsockname(s); err == nil {
		fd.laddr = sockaddrToAddr(netName, lsa)
	}
	return fd, nil
}

func addrOf(network string, ap netip.AddrPort) net.Addr {
	if network[:3] == "udp" {
		return net.UDPAddrFromAddrPort(ap)
	}
	return net.TCPAddrFromAddrPort(ap)
}

// sockaddrToAddr converts a kernel address to a net.Addr of the network
// (IPv4-mapped IPv6 addresses shown in their IPv4 form, as Go does).
func sockaddrToAddr(network string, sa unix.Sockaddr) net.Addr {
	var ap netip.AddrPort
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		ap = netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		ap = netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), uint16(a.Port))
	default:
		return nil
	}
	return addrOf(network, ap)
}

// addrToSockaddr converts a *net.UDPAddr (or any host:port address).
func addrToSockaddr(addr net.Addr) (unix.Sockaddr, error) {
	var ap netip.AddrPort
	switch a := addr.(type) {
	case *net.UDPAddr:
		ap = a.AddrPort()
	case nil:
		return nil, errors.New("missing address")
	default:
		var err error
		if ap, err = netip.ParseAddrPort(addr.String()); err != nil {
			return nil, fmt.Errorf("address %v: %w", addr, err)
		}
	}
	if ap.Addr().Is4() || ap.Addr().Is4In6() {
		return sockaddr(unix.AF_INET, ap), nil
	}
	return sockaddr(unix.AF_INET6, ap), nil
}
