// Package wire records the TCP segments of a case, like the tcpdump traces
// in the seed documents: direction, flags ([S], [S.], [.], [P.], [F.],
// [R.]) and length. Packets come from an AF_PACKET socket (sysobs) on an
// interface of the case's own network namespace, so parallel cases never
// see each other's traffic; they are decoded with gopacket.
package wire

import (
	"errors"
	"net/netip"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/netconform/netconform/harness/sysobs"
)

// A Packet is one captured TCP segment.
type Packet struct {
	At    time.Time
	Src   netip.AddrPort
	Dst   netip.AddrPort
	Flags string // tcpdump style, without brackets: "S", "S.", ".", "P.", "F.", "R", "R."
	Seq   uint32
	Ack   uint32
	Len   int // payload bytes
	// Raw is the IP packet as captured, cut to SnapLen bytes (headers and
	// the start of the payload): what a pcap of the case holds.
	Raw []byte
}

// SnapLen is how much of each packet Raw keeps, as tcpdump's -s.
const SnapLen = 128

// A Trace captures TCP segments in the background until Stop.
type Trace struct {
	cap  *sysobs.Capture
	mu   sync.Mutex
	pkts []Packet
	err  error
	stop chan struct{}
	done chan struct{}
}

// Start captures the TCP segments crossing the named interface.
func Start(ifname string) (*Trace, error) {
	c, err := sysobs.OpenCapture(ifname)
	if err != nil {
		return nil, err
	}
	t := &Trace{cap: c, stop: make(chan struct{}), done: make(chan struct{})}
	go t.loop()
	return t, nil
}

func (t *Trace) loop() {
	defer close(t.done)
	buf := make([]byte, 1<<16)
	for {
		n, at, proto, err := t.cap.Read(buf)
		switch {
		case errors.Is(err, sysobs.ErrNoPacket):
			select {
			case <-t.stop:
				return // the queue is drained: Read timed out with nothing left
			default:
				continue
			}
		case err != nil:
			t.mu.Lock()
			t.err = err
			t.mu.Unlock()
			return
		}
		if p, ok := Decode(buf[:n], proto); ok {
			p.At = at
			p.Raw = append([]byte(nil), buf[:min(n, SnapLen)]...)
			t.mu.Lock()
			t.pkts = append(t.pkts, p)
			t.mu.Unlock()
		}
	}
}

// Packets returns the segments captured so far.
func (t *Trace) Packets() []Packet {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Packet(nil), t.pkts...)
}

// Stop ends the capture after draining what the kernel queued, and returns
// every segment and the first capture error.
func (t *Trace) Stop() ([]Packet, error) {
	close(t.stop)
	<-t.done
	t.cap.Close()
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pkts, t.err
}

// Decode parses one IP packet (no link-layer header) carrying TCP.
func Decode(b []byte, ethertype uint16) (Packet, bool) {
	var first gopacket.LayerType
	switch ethertype {
	case 0x0800:
		first = layers.LayerTypeIPv4
	case 0x86dd:
		first = layers.LayerTypeIPv6
	default:
		return Packet{}, false
	}
	pkt := gopacket.NewPacket(b, first, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
	tl, ok := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if !ok {
		return Packet{}, false
	}
	var src, dst netip.Addr
	switch nl := pkt.NetworkLayer().(type) {
	case *layers.IPv4:
		src, _ = netip.AddrFromSlice(nl.SrcIP.To4())
		dst, _ = netip.AddrFromSlice(nl.DstIP.To4())
	case *layers.IPv6:
		src, _ = netip.AddrFromSlice(nl.SrcIP)
		dst, _ = netip.AddrFromSlice(nl.DstIP)
	default:
		return Packet{}, false
	}
	return Packet{
		Src:   netip.AddrPortFrom(src, uint16(tl.SrcPort)),
		Dst:   netip.AddrPortFrom(dst, uint16(tl.DstPort)),
		Flags: Flags(tl),
		Seq:   tl.Seq,
		Ack:   tl.Ack,
		Len:   len(tl.Payload),
	}, true
}

// Flags renders TCP flags as tcpdump does: F S R P U, then "." for ACK.
func Flags(t *layers.TCP) string {
	s := ""
	for _, f := range []struct {
		on bool
		c  string
	}{{t.FIN, "F"}, {t.SYN, "S"}, {t.RST, "R"}, {t.PSH, "P"}, {t.URG, "U"}, {t.ECE, "E"}, {t.CWR, "W"}} {
		if f.on {
			s += f.c
		}
	}
	if t.ACK {
		s += "."
	}
	if s == "" {
		s = "none"
	}
	return s
}
