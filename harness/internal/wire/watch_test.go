package wire

import (
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestWatchWakesOnPacket: the channel Watch returns is closed when the
// next TCP segment is kept, so a step waiting for a segment wakes then,
// and a later Watch sees it.
func TestWatchWakesOnPacket(t *testing.T) {
	tr := &Trace{more: make(chan struct{})}
	pkts, more := tr.Watch()
	if len(pkts) != 0 {
		t.Fatalf("Watch of an empty trace = %d packets", len(pkts))
	}
	go tr.keep(segment(t), time.Now(), 0x0800)
	select {
	case <-more:
	case <-time.After(5 * time.Second):
		t.Fatal("Watch's channel not closed 5 s after a packet was kept")
	}
	if pkts, _ := tr.Watch(); len(pkts) != 1 || pkts[0].Flags != "S" {
		t.Fatalf("Watch after one SYN = %+v", pkts)
	}
}

// segment is an IPv4 SYN from 127.0.0.1:1 to 127.0.0.1:2.
func segment(t *testing.T) []byte {
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IPv4(127, 0, 0, 1), DstIP: net.IPv4(127, 0, 0, 1)}
	tcp := &layers.TCP{SrcPort: 1, DstPort: 2, SYN: true, Window: 1024}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, tcp); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
