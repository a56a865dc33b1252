package rawsock

import (
	"context"
	"net"

	"golang.org/x/sys/unix"

	"github.com/netconform/netconform/harness"
)

// Dial connects to address on network ("tcp", "tcp4", "tcp6").
func Dial(ctx context.Context, network, address string, o harness.DialOptions) (net.Conn, error) {
	fd, err := dial(ctx, network, address, unix.SOCK_STREAM, o.Timeout)
	if err != nil {
		return nil, err
	}
	c := &Conn{fd: fd}
	if err := c.applyKeepAlive(o.KeepAlive, o.KeepAliveConfig); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Listen listens on address; accepted conns get o's keepalive settings.
func Listen(ctx context.Context, network, address string, o harness.ListenOptions) (net.Listener, error) {
	fd, err := listen(ctx, network, address, unix.SOCK_STREAM)
	if err != nil {
		return nil, err
	}
	return &Listener{fd: fd, ka: o.KeepAlive, kc: o.KeepAliveConfig}, nil
}

// ListenPacket binds an unconnected UDP socket.
func ListenPacket(ctx context.Context, network, address string) (net.PacketConn, error) {
	fd, err := listen(ctx, network, address, unix.SOCK_DGRAM)
	if err != nil {
		return nil, err
	}
	return &PacketConn{Conn{fd: fd}}, nil
}

// DialPacket makes a connected UDP socket.
func DialPacket(ctx context.Context, network, address string) (net.Conn, error) {
	fd, err := dial(ctx, network, address, unix.SOCK_DGRAM, 0)
	if err != nil {
		return nil, err
	}
	return &Conn{fd: fd}, nil
}

const goDefaults = "Go's net sets this on every conn; rawsock leaves the kernel's default, as a plain socket does"

// TCP is rawsock's TCP over IPv4 loopback, against the std reference peer.
var TCP = harness.Impl{
	Name:        "rawsock-tcp",
	Description: "net.Conn and net.Listener written on raw syscalls: non-blocking sockets, its own epoll poller and deadlines",
	URL:         "https://github.com/netconform/netconform/tree/main/impls/rawsock",
	Caps: harness.CapStream | harness.CapHalfClose | harness.CapCloseRead | harness.CapDeadline |
		harness.CapListener | harness.CapListenerDeadline | harness.CapDial | harness.CapKeepAlive |
		harness.CapLinger | harness.CapNoDelay | harness.CapFD | harness.CapKernel | harness.CapTCP | harness.CapBuffered,
	Network: "tcp4",
	Dial:    Dial,
	Listen:  Listen,
	Known: []harness.Known{
		{Case: "sockopt.nodelay.default-on", Reason: "TCP_NODELAY: " + goDefaults},
		{Case: "keepalive.default.enabled", Reason: "keepalive is off unless asked for: " + goDefaults},
		{Case: "keepalive.period.sets-idle-only", Reason: "Dialer.KeepAlive > 0 sets only TCP_KEEPIDLE here, so the kernel's 75 s interval stays; Go also applies its 15 s interval and 9 probes"},
	},
}

// UDP is rawsock's UDP over IPv4 loopback.
var UDP = harness.Impl{
	Name:         "rawsock-udp",
	Description:  "net.PacketConn and connected UDP conns written on raw syscalls",
	URL:          "https://github.com/netconform/netconform/tree/main/impls/rawsock",
	Caps:         harness.CapPacket | harness.CapPacketDial | harness.CapDeadline | harness.CapFD | harness.CapKernel,
	PacketNet:    "udp4",
	ListenPacket: ListenPacket,
	DialPacket:   DialPacket,
	Known: []harness.Known{
		{Case: "sockopt.udp.broadcast-default", Reason: "SO_BROADCAST: " + goDefaults},
		{Case: "udp.writeto.connected-errors", Reason: "WriteTo on a connected socket goes to sendto(2), which Linux accepts; Go refuses it with net.ErrWriteToConnected before the syscall"},
	},
}
