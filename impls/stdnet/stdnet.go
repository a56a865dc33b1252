// Package stdnet adapts Go's standard net package — the reference the
// catalogue was measured on — to the conformance harness.
//
// Topology: reference peer. The IUT dials and listens real kernel sockets
// over loopback (127.0.0.1, [::1], or a socket file) and the other end is
// std net too, so every contract and convention case must pass: this is
// the oracle column of the report. Close mode: full. Optional interfaces:
// CloseWrite, CloseRead, SetLinger, SetNoDelay, SetKeepAlive*, syscall.Conn.
//
// Listeners are made with MPTCP turned off (ListenConfig.SetMultipathTCP
// false): on kernels with net.mptcp.enabled=1 Go ≥ 1.24 would otherwise
// create MPTCP listeners, which ss lists twice (catalogue L11); the harness
// keys kernel states by 4-tuple, and the pin keeps them plain TCP.
package stdnet

import (
	"context"
	"net"

	"github.com/netconform/netconform/harness"
)

func dial(ctx context.Context, network, address string, o harness.DialOptions) (net.Conn, error) {
	return o.Dialer().DialContext(ctx, network, address)
}

func listen(ctx context.Context, network, address string, o harness.ListenOptions) (net.Listener, error) {
	lc := o.ListenConfig()
	lc.SetMultipathTCP(false)
	return lc.Listen(ctx, network, address)
}

func listenPacket(ctx context.Context, network, address string) (net.PacketConn, error) {
	var lc net.ListenConfig
	return lc.ListenPacket(ctx, network, address)
}

func dialPacket(ctx context.Context, network, address string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}

const tcpCaps = harness.CapStream | harness.CapHalfClose | harness.CapCloseRead | harness.CapDeadline |
	harness.CapListener | harness.CapListenerDeadline | harness.CapDial | harness.CapKeepAlive |
	harness.CapLinger | harness.CapNoDelay | harness.CapFD | harness.CapKernel | harness.CapTCP |
	harness.CapBuffered

// TCP is std net over TCP on 127.0.0.1.
var TCP = harness.Impl{
	Name:        "std-tcp",
	Description: "Go's net.TCPConn and net.TCPListener over IPv4 loopback",
	URL:         "https://pkg.go.dev/net",
	Caps:        tcpCaps,
	Network:     "tcp4",
	Dial:        dial,
	Listen:      listen,
}

// TCP6 is std net over TCP on [::1]; the suite runs it where the machine
// has IPv6 loopback.
var TCP6 = harness.Impl{
	Name:        "std-tcp6",
	Description: "Go's net.TCPConn and net.TCPListener over IPv6 loopback",
	URL:         "https://pkg.go.dev/net",
	Caps:        tcpCaps,
	Network:     "tcp6",
	PacketNet:   "udp6",
	Dial:        dial,
	Listen:      listen,
}

// Unix is std net over unix stream sockets. It has no TCP states, no
// keepalive and no linger or nodelay; the harness observes unix sockets'
// options but not their states.
var Unix = harness.Impl{
	Name:        "std-unix",
	Description: "Go's net.UnixConn and net.UnixListener (SOCK_STREAM) on a socket file",
	URL:         "https://pkg.go.dev/net",
	Caps: harness.CapStream | harness.CapHalfClose | harness.CapCloseRead | harness.CapDeadline |
		harness.CapListener | harness.CapListenerDeadline | harness.CapDial | harness.CapFD | harness.CapBuffered | harness.CapResets | harness.CapBounded,
	Network: "unix",
	Dial:    dial,
	Listen:  listen,
	Known: []harness.Known{
		// Checked in net/unix/af_unix.c (unix_stream_sendmsg): a write to a
		// peer that has shut down fails with EPIPE; there is no RST.
		{Case: "eof.write.first-after-peer-abort", Reason: "unix(7) stream sockets have no reset: once the peer has closed, the first Write fails with EPIPE, where TCP answers the peer's RST with ECONNRESET"},
	},
}

// UDP is std net over UDP on 127.0.0.1: unconnected PacketConns and
// connected UDPConns.
var UDP = harness.Impl{
	Name:         "std-udp",
	Description:  "Go's net.UDPConn over IPv4 loopback, connected and unconnected",
	URL:          "https://pkg.go.dev/net",
	Caps:         harness.CapPacket | harness.CapPacketDial | harness.CapDeadline | harness.CapFD | harness.CapKernel,
	PacketNet:    "udp4",
	ListenPacket: listenPacket,
	DialPacket:   dialPacket,
}
