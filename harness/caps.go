package harness

import (
	"fmt"
	"math/bits"
	"strings"
)

// Caps is a set of capabilities. An implementation declares what it
// supports; a case lists what it needs. A case whose needs are not declared
// is reported unsupported — never inferred from a failure. A declared
// capability that turns out missing (say, no CloseWrite method) is a failure.
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
	// CapKeepAlive: dial and listen options' KeepAlive and KeepAliveConfig
	// are honoured, and conns have SetKeepAlive, SetKeepAlivePeriod and
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
	// CapTCP: the stream is TCP end to end (FIN and RST semantics, resets
	// reported to the peer), whether in the kernel or in user space.
	CapTCP
	// CapBuffered: a Write of up to 64 KiB returns without the peer reading.
	CapBuffered
	// CapFullClose: Close releases both directions (blocked and later Reads
	// fail). Implied by CloseFull; absent for CloseHalf implementations.
	CapFullClose
	// CapPeerState: the peer's end is a kernel TCP socket in this namespace,
	// so its states and segments are observable: always in reference-peer
	// topology over TCP, and in pair topology with CapKernel and CapTCP.
	// Derived, never declared.
	CapPeerState
)

var capNames = []string{
	"stream", "half-close", "close-read", "deadline", "listener",
	"listener-deadline", "dial", "packet", "packet-dial", "keepalive",
	"linger", "nodelay", "fd", "kernel", "tcp", "buffered", "full-close",
	"peer-state",
}

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
