package sysobs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"
	"unsafe"

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
	// Kernel receive timestamps: a packet read late keeps the time it
	// crossed the interface. SO_TIMESTAMPING (software, receive) reports
	// a zero time for a packet the kernel did not stamp on its way in,
	// where SO_TIMESTAMPNS would stamp it when read.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPING, unix.SOF_TIMESTAMPING_RX_SOFTWARE|unix.SOF_TIMESTAMPING_SOFTWARE); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("setsockopt SO_TIMESTAMPING: %w", err)
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

// Read copies the next packet into buf and returns its length, the time
// the kernel received it — zero when the kernel did not stamp it: Linux
// turns receive timestamps on lazily after the first socket asks, so the
// first packets after OpenCapture may have none — and its EtherType
// (0x0800 IPv4, 0x86dd IPv6).
func (c *Capture) Read(buf []byte) (int, time.Time, uint16, error) {
	oob := make([]byte, 128)
	for {
		n, oobn, _, from, err := unix.Recvmsg(c.fd, buf, oob, 0)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				return 0, time.Time{}, 0, ErrNoPacket
			}
			return 0, time.Time{}, 0, err
		}
		var at time.Time
		if msgs, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil {
			for _, m := range msgs {
				if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPING && len(m.Data) >= 16 {
					ts := (*unix.Timespec)(unsafe.Pointer(&m.Data[0])) // the software one of three
					if ts.Sec != 0 || ts.Nsec != 0 {
						at = time.Unix(ts.Unix())
					}
				}
			}
		}
		ll, ok := from.(*unix.SockaddrLinklayer)
		if ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue // loopback shows every packet twice
		}
		var proto uint16
		if ok {
			proto = htons(ll.Protocol)
		}
		return n, at, proto, nil
	}
}

// Close stops the capture.
func (c *Capture) Close() error { return unix.Close(c.fd) }

// htons converts to network byte order.
func htons(v uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return binary.NativeEndian.Uint16(b[:])
}
