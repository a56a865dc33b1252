package suite

import (
	"net"
	"time"

	h "github.com/netconform/netconform/harness/script"
)

// Keepalive settings of the dead-peer cases: the connection is declared
// dead idle + count × interval = 2 s after the last segment received
// (catalogue K9: 2.02–2.06 s observed). These are Linux's least (whole
// seconds, count 1): at count 2 the dead-peer cases were the longest of go
// test ./suite. So these cases no longer tell a Count that comes out lower
// than asked; that the dial and listen options' settings reach the socket
// is keepalive.config.explicit's and keepalive.config.wins-over-keepalive's
// (distinct values, read back where the socket is reachable), and the
// probes' timing wire.keepalive.probes-at-interval's (idle 2 s, interval
// 1 s, count 5: an effective count of 1 sends a reset for its second probe).
var fastKeepalive = net.KeepAliveConfig{Enable: true, Idle: time.Second, Interval: time.Second, Count: 1}

// kaDeath is when fastKeepalive declares a silent peer dead (idle + count ×
// interval), and kaTimers how many times its kernel timer fires until then
// (the idle one, then one per probe).
var (
	kaDeath  = fastKeepalive.Idle + time.Duration(fastKeepalive.Count)*fastKeepalive.Interval
	kaTimers = 1 + fastKeepalive.Count
)

const (
	arpGiveUp  = 3 * time.Second         // arp(7): 3 unanswered probes (mcast_solicit), 1 s apart (retrans_time_ms)
	kaSlack    = time.Second             // the kernel's timers tick late, and probes leave on jiffies
	faultBudge = 20 * time.Second        // whole-case budget of the slow cases
	silentHost = "10.77.0.2:9"           // on the veth's subnet, never answers ARP
	vethCIDR   = "10.77.0.1/24"          // the address the case gives itself
	userTO     = 1500 * time.Millisecond // TCP_USER_TIMEOUT of the unacknowledged-data case
)

// fault makes an isolated case: it runs in a child process in a network
// namespace, where it may drop a connection's packets (Silence, per
// connection, with nf_tables: IPv4 and IPv6 alike). Such cases touch
// nothing but their own connections, so an implementation's fault cases
// share one child and namespace (see faultAlone for those that change
// links).
func fault(c h.Case) h.Case {
	c.Isolated = true
	c.ShareNamespace = true
	if c.Budget == 0 {
		c.Budget = faultBudge
	}
	return c
}

// faultAlone makes an isolated case that has the namespace to itself: it
// adds links, and its neighbour (ARP) entries would be another case's.
// The engine deletes its links when each attempt ends, so such cases take
// turns in one child of their own (script.Case.TakesTurns).
func faultAlone(c h.Case) h.Case {
	c = fault(c)
	c.ShareNamespace = false
	return c
}

// silencePeer exchanges data so that the last segment the IUT received
// is known (labelled "hi"), then makes the peer silent: every packet of
// the connection is dropped, both ways, and neither socket learns. The
// silenced side is the peer's 4-tuple, so the case needs no more of the
// IUT than its traffic crossing the kernel of the case's namespace.
func silencePeer() []h.Step {
	return h.Script(
		h.Go("hi", h.Write(peer, "hi")).Label("hi"),
		h.ReadFull(iut, 2).Want("hi"),
		h.Await("hi"),
		h.WaitSettled(peer),
		h.Silence(peer),
	)
}

// faultCases: what only shows when the network misbehaves (catalogue K9,
// X11, X12).
var faultCases = []h.Case{
	fault(h.Case{
		ID:        "fault.keepalive.dead-peer-timed-out",
		Spec:      "Linux tcp(7) keepalive: with a silent peer a blocked Read fails with ETIMEDOUT once idle + count × interval have passed since the last segment received, never before; Timeout() is true but it is not os.ErrDeadlineExceeded",
		Catalogue: "K9",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapTCP | h.CapKeepAliveOptions,
		Setup:     h.SetupConn,
		Dial:      h.DialOptions{KeepAliveConfig: fastKeepalive},
		Listen:    h.ListenOptions{KeepAliveConfig: fastKeepalive},
		Script: append(silencePeer(),
			h.Read(iut, 8).Err(h.TimedOut).Timeout().Since("hi").NotBefore(kaDeath).KernelTimer(kaTimers).Within(kaDeath+kaSlack),
		),
	}),
	fault(h.Case{
		ID:        "fault.keepalive.after-timeout-eof-epipe",
		Spec:      "Linux tcp(7): once keepalive declared the peer dead the error is reported once; then Read returns io.EOF and Write fails with EPIPE",
		Catalogue: "K9",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapTCP | h.CapKeepAliveOptions,
		Setup:     h.SetupConn,
		Dial:      h.DialOptions{KeepAliveConfig: fastKeepalive},
		Listen:    h.ListenOptions{KeepAliveConfig: fastKeepalive},
		Script: append(silencePeer(),
			h.Read(iut, 8).Err(h.TimedOut).Budget(kaDeath+2*kaSlack),
			h.Read(iut, 8).Err(h.EOF),
			h.Write(iut, "x").Err(h.BrokenPipe),
		),
	}),
	fault(h.Case{
		ID:        "fault.keepalive.peer-stays-established",
		Spec:      "RFC 9293 §3.8.4: keepalive gives up locally without telling the silent peer, whose socket stays ESTABLISHED",
		Catalogue: "K9",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapTCP | h.CapKeepAliveOptions,
		Setup:     h.SetupConn,
		Dial:      h.DialOptions{KeepAliveConfig: fastKeepalive},
		Listen:    h.ListenOptions{KeepAliveConfig: fastKeepalive},
		Script: append(silencePeer(),
			h.Read(iut, 8).Err(h.TimedOut).Budget(kaDeath+2*kaSlack),
			h.ExpectState(peer, established),
		),
	}),
	fault(h.Case{
		ID:        "fault.keepalive.disabled-read-blocks",
		Spec:      "Linux tcp(7): without keepalive nothing probes a silent peer, so a blocked Read outlives the window keepalive would have used until Close releases it",
		Catalogue: "K3",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapTCP | h.CapKeepAliveOptions,
		Setup:     h.SetupConn,
		Dial:      h.DialOptions{KeepAlive: -1},
		Listen:    h.ListenOptions{KeepAlive: -1},
		Script: append(silencePeer(),
			h.Go("r", h.Read(iut, 8).Err(h.Closed).AnyErr()),
			// A 1/1/1 keepalive ends the Read at 2.02–2.06 s (K9): half a
			// slack past kaDeath is past it with room, and no longer than
			// needed.
			h.Sleep(kaDeath+kaSlack/2, "past the window a 1/1/1 keepalive would have used"),
			h.StillBlocked("r"),
			h.Close(iut),
			h.Await("r").Within(unblockWithin),
		),
	}),
	fault(h.Case{
		ID:    "fault.user-timeout.unacked-data",
		Spec:  "Linux tcp(7) TCP_USER_TIMEOUT: data unacknowledged for longer than the user timeout makes the connection fail with ETIMEDOUT, never before it",
		Level: h.Convention,
		Needs: h.CapStream | h.CapTCP,
		Setup: h.SetupConn,
		Script: h.Script(
			h.SetOpt(iut, h.OptUserTimeout, int(userTO/time.Millisecond)),
			h.Silence(peer),
			h.Write(iut, "unacknowledged").Label("w"),
			h.Read(iut, 8).Err(h.TimedOut).Timeout().Since("w").NotBefore(userTO).KernelTimer(1).Within(userTO+2*kaSlack),
		),
	}),
	fault(h.Case{
		ID:    "fault.deadline.silent-link",
		Spec:  "net.Conn.SetReadDeadline: a read deadline fires on time whatever the network does, even with the peer silenced",
		Level: h.Contract,
		Needs: h.CapStream,
		Setup: h.SetupConn,
		Script: append(silencePeer(),
			h.SetReadDeadline(iut, h.In(longDeadline)),
			h.Read(iut, 8).Err(h.Deadline).Timeout().AtDeadline(),
		),
	}),
	faultAlone(h.Case{
		ID:        "fault.dial.onlink-no-arp",
		Spec:      "Linux arp(7): dialing an on-link address that never answers ARP fails with EHOSTUNREACH after the ARP retries (about 3 s)",
		Catalogue: "X11",
		Level:     h.Convention,
		Needs:     h.CapDial | h.CapTCP,
		Setup:     h.SetupDialer,
		Script: h.Script(
			h.AddVeth("nc0", vethCIDR),
			h.Dial("c1", h.Literal("tcp4", silentHost)).Err(h.Unreachable).NotBefore(time.Second).KernelTimer(1).Within(arpGiveUp+2*kaSlack),
		),
	}),
	faultAlone(h.Case{
		ID:        "fault.dial.timeout-silent-host",
		Spec:      "net.Dialer.Timeout: a dial to a host that never answers fails at the timeout with Timeout() true, matching context.DeadlineExceeded or, when the poller's deadline beats the context's, os.ErrDeadlineExceeded (golang/go#31863)",
		Catalogue: "X12",
		Level:     h.Convention,
		Needs:     h.CapDial | h.CapTCP,
		Setup:     h.SetupDialer,
		Script: h.Script(
			h.AddVeth("nc0", vethCIDR),
			h.Dial("c1", h.Literal("tcp4", silentHost)).Options(h.DialOptions{Timeout: 500 * time.Millisecond}).
				Err(h.ContextDeadline).Allow(h.Deadline).Timeout().NotBefore(500*time.Millisecond).Within(500*time.Millisecond+h.Tolerance),
		),
	}),
	faultAlone(h.Case{
		ID:        "fault.dial.timeout-contract",
		Spec:      "net.Dialer.Timeout: a dial that cannot complete in time fails with an error, never before the timeout",
		Catalogue: "X12",
		Level:     h.Contract,
		Needs:     h.CapDial | h.CapTCP,
		Setup:     h.SetupDialer,
		Script: h.Script(
			h.AddVeth("nc0", vethCIDR),
			h.Dial("c1", h.Literal("tcp4", silentHost)).Options(h.DialOptions{Timeout: 500 * time.Millisecond}).
				Err(h.ContextDeadline).AnyErr().NotBefore(500*time.Millisecond).Within(500*time.Millisecond+h.Tolerance),
		),
	}),
	fault(h.Case{
		ID:    "fault.close.passive-last-ack",
		Spec:  "RFC 9293 §3.6: the passive closer's FIN waits for its ACK in LAST_ACK; when the link returns the FIN is retransmitted, the IUT's socket disappears and the peer ends in TIME_WAIT",
		Level: h.Contract,
		Needs: ownState,
		Setup: h.SetupConn,
		Script: h.Script(
			h.Close(peer),
			h.Read(iut, 8).Err(h.EOF),
			h.Silence(peer),
			h.Close(iut),
			h.ExpectState(iut, lastAck),
			h.Restore(peer),
			h.ExpectState(iut, absent),
			h.ExpectState(peer, timeWait),
		),
	}),
}
