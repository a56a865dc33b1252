package sysobs

import (
	"errors"
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// A Capture receives the IP packets that cross one interface, as an
// AF_PACKET socket sees them (needs CAP_NET_RAW in the namespace's owning
// user namespace: root, or the user namespace of an isolated case).
type Capture struct {
	fd int
}

// OpenCapture starts capturing on the named interface. Packets are
// delivered without their link-layer header; each packet is reported once
// (outgoing copies on loopback are skipped).
func OpenCapture(ifname string) (*Capture, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, err
	}
	proto := htons(unix.ETH_P_ALL)
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, int(proto))
	if err != nil {
		return nil, fmt.Errorf("socket(AF_PACKET): %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: proto, Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind(AF_PACKET, %s): %w", ifname, err)
	}
	tv := unix.NsecToTimeval((20 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &Capture{fd: fd}, nil
}

// ErrNoPacket is returned by Read when no packet arrived within its short
// receive timeout (20 ms); callers poll.
var ErrNoPacket = errors.New("no packet")

// Read copies the next packet into buf and returns its length, the time it
// was read, and its EtherType (0x0800 IPv4, 0x86dd IPv6).
func (c *Capture) Read(buf []byte) (int, time.Time, uint16, error) {
	for {
		n, from, err := unix.Recvfrom(c.fd, buf, 0)
		now := time.Now()
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				return 0, now, 0, ErrNoPacket
			}
			return 0, now, 0, err
		}
		ll, ok := from.(*unix.SockaddrLinklayer)
		if ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue // loopback shows every packet twice
		}
		var proto uint16
		if ok {
			proto = htons(ll.Protocol)
		}
		return n, now, proto, nil
	}
}

// Close stops the capture.
func (c *Capture) Close() error { return unix.Close(c.fd) }

func htons(v uint16) uint16 { return v<<8 | v>>8 }
