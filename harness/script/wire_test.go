package script

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/internal/wire"
)

// TestKeepAliveProbesAreNotACKs: in the capture that made
// wire.keepalive.probes-at-interval flaky, the ACK of the last data was
// stamped after the mark; it must not count as a probe, and the probes
// (SEG.SEQ = SND.NXT-1) must, across sequence-number wrap-around too.
func TestKeepAliveProbesAreNotACKs(t *testing.T) {
	for _, isn := range []uint32{3172640571, 0xffffffff} {
		l, rm := netip.MustParseAddrPort("127.0.0.1:1000"), netip.MustParseAddrPort("127.0.0.1:2000")
		t0 := time.Unix(100, 0)
		at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
		pkts := []wire.Packet{
			{At: at(0), Src: l, Dst: rm, Flags: "S", Seq: isn},
			{At: at(0), Src: rm, Dst: l, Flags: "S.", Seq: 7, Ack: isn + 1},
			{At: at(0), Src: l, Dst: rm, Flags: ".", Seq: isn + 1, Ack: 8},
			{At: at(2), Src: l, Dst: rm, Flags: ".", Seq: isn + 1, Ack: 10}, // the ACK of "hi", stamped after the mark
			{At: at(1000), Src: l, Dst: rm, Flags: ".", Seq: isn, Ack: 10},  // probe
			{At: at(2000), Src: l, Dst: rm, Flags: ".", Seq: isn, Ack: 10},  // probe
		}
		segs := segmentsFrom(pkts, l, rm, at(1))
		require.Equal(t, "[.] [probe] [probe]", flagsOf(segs), "ISN %d", isn)
		when, ok := matchFlags(segs, []string{KeepAliveProbe, KeepAliveProbe})
		require.True(t, ok)
		require.Equal(t, []time.Time{at(1000), at(2000)}, when)
		_, ok = matchFlags(segs[:2], []string{KeepAliveProbe, KeepAliveProbe})
		require.False(t, ok, "a plain ACK matched a probe")
	}
}

// TestHandshakeACKBelongsToTheDial: in the capture that made
// wire.closeread.sends-nothing flaky on CI, Dial returned (and the mark
// was set) before the kernel sent the ACK completing the handshake; that
// ACK must not count as sent after the mark, and a later identical ACK
// (one the step under test caused) must.
func TestHandshakeACKBelongsToTheDial(t *testing.T) {
	l, rm := netip.MustParseAddrPort("127.0.0.1:1000"), netip.MustParseAddrPort("127.0.0.1:2000")
	t0 := time.Unix(100, 0)
	at := func(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }
	pkts := []wire.Packet{
		{At: at(0), Src: l, Dst: rm, Flags: "S", Seq: 3210407424},
		{At: at(12), Src: rm, Dst: l, Flags: "S.", Seq: 4183255605, Ack: 3210407425},
		{At: at(37), Src: l, Dst: rm, Flags: ".", Seq: 3210407425, Ack: 4183255606},
	}
	require.Equal(t, "nothing", flagsOf(segmentsFrom(pkts, l, rm, at(10))))
	pkts = append(pkts, wire.Packet{At: at(50), Src: l, Dst: rm, Flags: ".", Seq: 3210407425, Ack: 4183255606})
	require.Equal(t, "[.]", flagsOf(segmentsFrom(pkts, l, rm, at(10))))
	// A SYN sent after the mark: its handshake is part of the window.
	require.Equal(t, "[S] [.] [.]", flagsOf(segmentsFrom(pkts, l, rm, at(-1))))
}

// TestSetUpLate: an ExpectSent that begins after its first segment was due
// (counted from the step it names in Since, less a kernel tick per timer)
// found the scenario set up too late; one that begins before did not. A
// CI run failed wire.keepalive.probes-at-interval with its probes 7 s late
// and only two of them after the mark: the steps before the expectation
// (the mark, the peer's silence) had come seconds after the first probe.
func TestSetUpLate(t *testing.T) {
	from := time.Unix(100, 0)
	w := timingWant{notBefore: 2 * time.Second, ticks: 1}
	require.False(t, setUpLate(w, from, from.Add(10*time.Millisecond)), "on time")
	require.False(t, setUpLate(w, from, from.Add(2*time.Second-kernelTick())), "at the due time less a tick")
	require.True(t, setUpLate(w, from, from.Add(2*time.Second)), "at the due time")
	require.True(t, setUpLate(w, from, from.Add(8*time.Second)), "seconds late")
	require.False(t, setUpLate(timingWant{}, from, from.Add(time.Hour)), "no NotBefore: nothing was due")
}
