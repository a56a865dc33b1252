// Package wire records the TCP segments of a case, like the tcpdump traces
// in the seed documents: direction, flags ([S], [S.], [.], [P.], [F.],
// [R.]) and length. Packets come from an AF_PACKET socket (sysobs) on an
// interface of the case's own network namespace, so parallel cases never
// see each other's traffic; they are decoded with gopacket.
package wire

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
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
	more chan struct{} // closed, and replaced, when a packet is kept
	err  error
	stop chan struct{}
	done chan struct{}
}

// Start captures the TCP segments crossing the named interface. On the
// loopback it returns once the kernel stamps packets as they arrive (see
// awaitStamps), so that every segment of the case has its own time.
func Start(ifname string) (*Trace, error) {
	c, err := sysobs.OpenCapture(ifname)
	if err != nil {
		return nil, err
	}
	t := &Trace{cap: c, more: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	if ifname == "lo" {
		if err := t.awaitStamps(); err != nil {
			c.Close()
			return nil, err
		}
	}
	go t.loop()
	return t, nil
}

// stampWait bounds how long Start waits for receive timestamps.
const stampWait = 2 * time.Second

// awaitStamps sends probes (UDP datagrams to the loopback's discard port,
// which a capture of TCP ignores) until one is read back with the
// kernel's receive time: Linux turns receive timestamps on through a
// deferred static key when the first socket asks for them, and a packet
// that arrives before is stamped only when it is read — late, after
// steps that happened after it (a handshake seen "after" a later mark).
func (t *Trace) awaitStamps() error {
	probe, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9})
	if err != nil {
		return fmt.Errorf("probing receive timestamps: %w", err)
	}
	defer probe.Close()
	token := []byte(fmt.Sprintf("netconform-stamp-probe %d", time.Now().UnixNano()))
	buf := make([]byte, 1<<16)
	for end := time.Now().Add(stampWait); time.Now().Before(end); {
		if _, err := probe.Write(token); err != nil && !errors.Is(err, syscall.ECONNREFUSED) {
			return fmt.Errorf("probing receive timestamps: %w", err)
		}
		for {
			n, at, proto, err := t.cap.Read(buf)
			if errors.Is(err, sysobs.ErrNoPacket) {
				break
			}
			if err != nil {
				return err
			}
			if bytes.Contains(buf[:n], token) {
				if !at.IsZero() {
					return nil
				}
				continue
			}
			t.keep(buf[:n], at, proto) // the case's traffic, if any yet
		}
	}
	return fmt.Errorf("the kernel did not stamp received packets within %v", stampWait)
}

// keep adds a captured packet to the trace when it is TCP; a packet the
// kernel did not stamp takes the time it was read.
func (t *Trace) keep(b []byte, at time.Time, proto uint16) {
	p, ok := Decode(b, proto)
	if !ok {
		return
	}
	if at.IsZero() {
		at = time.Now()
	}
	p.At = at
	p.Raw = append([]byte(nil), b[:min(len(b), SnapLen)]...)
	t.mu.Lock()
	t.pkts = append(t.pkts, p)
	close(t.more)
	t.more = make(chan struct{})
	t.mu.Unlock()
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
		t.keep(buf[:n], at, proto)
	}
}

// Packets returns the segments captured so far.
func (t *Trace) Packets() []Packet {
	pkts, _ := t.Watch()
	return pkts
}

// Watch returns the segments captured so far and a channel closed when
// the next one is: a caller waiting for a segment wakes when one comes,
// not on a poll.
func (t *Trace) Watch() ([]Packet, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Packet(nil), t.pkts...), t.more
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
