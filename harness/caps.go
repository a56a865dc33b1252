package harness

import (
	"fmt"
	"math/bits"
	"strings"
)

// Caps is a set of capabilities. An implementation declares what it
// supports; a case needs what its kind of check needs (streams, a
// listener, TCP semantics…) and what its steps need of the endpoints they
// act on where those are the implementation's (CloseWrite on the IUT's
// conn needs CapHalfClose; on the reference peer's, nothing). A case whose
// needs are not met is reported unsupported, saying which capability of
// which endpoint is missing — never inferred from a failure.
//
// Kernel sockets carry their methods: an implementation whose conns are
// kernel TCP sockets (CapKernel and a "tcp" network) has, like
// *net.TCPConn, CloseWrite, CloseRead, SetLinger, SetNoDelay, the
// SetKeepAlive methods and SyscallConn, honours the keep-alive dial and
// listen options (when it has Dial or Listen: NewPair takes no options),
// reports resets and has bounded buffers; over "unix",
// CloseWrite, CloseRead and SyscallConn, resets and bounded buffers. These
// need not be declared (EffectiveCaps adds them). A wrapper whose conn type
// lacks one of these methods hides it: every case that calls it fails,
// naming the method ("*cmux.MuxConn hides CloseRead() error"), and the
// implementation lists those cases as known divergences. A declared
// capability whose method is missing fails the same way.
type Caps uint64

// The capabilities.
const (
	// CapStream: connected byte streams (net.Conn).
	CapStream Caps = 1 << iota
	// CapHalfClose: conns have CloseWrite() error.
	CapHalfClose
	// CapCloseRead: conns have CloseRead() error.
	CapCloseRead
	// CapDeadline: conns honour SetDeadline, SetReadDeadline, SetWriteDeadline.
	CapDeadline
	// CapListener: a net.Listener exists (Impl.Listen or Impl.NewListener).
	CapListener
	// CapListenerDeadline: the listener has SetDeadline(time.Time) error.
	CapListenerDeadline
	// CapDial: Impl.Dial reaches any address the caller names, so dial errors
	// (refused, bad address, unknown network, cancel) can be provoked.
	CapDial
	// CapPacket: unconnected datagram sockets (Impl.ListenPacket).
	CapPacket
	// CapPacketDial: connected datagram conns (Impl.DialPacket).
	CapPacketDial
	// CapKeepAlive: conns have SetKeepAlive, SetKeepAlivePeriod and
	// SetKeepAliveConfig.
	CapKeepAlive
	// CapLinger: conns have SetLinger(int) error.
	CapLinger
	// CapNoDelay: conns have SetNoDelay(bool) error.
	CapNoDelay
	// CapFD: endpoints expose syscall.Conn, so socket options can be read.
	CapFD
	// CapKernel: each endpoint is a kernel socket in the harness's network
	// namespace and its LocalAddr/RemoteAddr are that socket's 4-tuple, so
	// kernel states and wire traces of the IUT's own side are observable.
	CapKernel
	// CapTCP: the stream is TCP end to end (FIN and RST semantics, TCP
	// states), whether in the kernel or in user space.
	CapTCP
	// CapBuffered: a Write of up to 64 KiB returns without the peer reading.
	CapBuffered
	// CapKeepAliveOptions: the KeepAlive and KeepAliveConfig of
	// DialOptions and ListenOptions are honoured by Dial and Listen.
	CapKeepAliveOptions
	// CapResets: an abortive close (SO_LINGER 0, or a close with unread
	// data) reaches the peer as a reset (ECONNRESET), as TCP and unix
	// stream sockets do.
	CapResets
	// CapBounded: buffers are bounded, so a Write blocks once the peer
	// stops reading and they are full (an in-memory pair whose Writes
	// never block does not declare it).
	CapBounded
	// CapConn: a case needs a net.Conn and what every net.Conn has (Close,
	// deadlines, addresses), byte stream or connected datagram conn alike.
	// It is never declared: it follows from CapStream, from CapPacketDial
	// (the client role) and from a Listen on a datagram network (the
	// server role: a listener whose conns are datagram conns, one per
	// remote).
	CapConn
)

var capNames = []string{
	"stream", "half-close", "close-read", "deadline", "listener",
	"listener-deadline", "dial", "packet", "packet-dial", "keepalive",
	"linger", "nodelay", "fd", "kernel", "tcp", "buffered",
	"keepalive-options", "resets", "bounded", "conn",
}

// The capabilities kernel sockets carry (see Caps).
const (
	kernelTCPCaps  = CapHalfClose | CapCloseRead | CapLinger | CapNoDelay | CapKeepAlive | CapKeepAliveOptions | CapFD | CapBounded | CapResets
	kernelUnixCaps = CapHalfClose | CapCloseRead | CapFD | CapBounded | CapResets
	methodCaps     = CapHalfClose | CapCloseRead | CapLinger | CapNoDelay | CapKeepAlive | CapFD
)

// Has reports whether c includes every capability in need.
func (c Caps) Has(need Caps) bool { return c&need == need }

// List returns the names of the capabilities in c.
func (c Caps) List() []string {
	var out []string
	for c != 0 {
		i := bits.TrailingZeros64(uint64(c))
		if i < len(capNames) {
			out = append(out, capNames[i])
		}
		c &^= 1 << i
	}
	return out
}

// String lists the capabilities by name, comma-separated.
func (c Caps) String() string { return strings.Join(c.List(), ",") }

// ParseCaps parses a comma-separated list of capability names.
func ParseCaps(s string) (Caps, error) {
	var c Caps
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		found := false
		for i, n := range capNames {
			if n == name {
				c |= 1 << i
				found = true
			}
		}
		if !found {
			return c, fmt.Errorf("unknown capability %q", name)
		}
	}
	return c, nil
}

// MarshalText implements encoding.TextMarshaler.
func (c Caps) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *Caps) UnmarshalText(b []byte) error {
	v, err := ParseCaps(string(b))
	*c = v
	return err
}
