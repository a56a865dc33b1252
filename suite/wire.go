package suite

import (
	"net"
	"time"

	h "github.com/netconform/netconform/harness/script"
)

// wire makes a case whose packets are captured: it runs isolated, on the
// loopback of a namespace where it runs alone, so only its own segments
// are seen. An implementation's wire cases share one child and namespace,
// where they run one after another (see wireAlone for a long one).
func wire(c h.Case) h.Case {
	c.Wire = true
	c.Isolated = true
	c.ShareNamespace = true
	return c
}

// wireAlone makes a wire case that has a child of its own: it waits out
// kernel timers for seconds, which would hold up the wire cases queued
// behind it in a shared child.
func wireAlone(c h.Case) h.Case {
	c = wire(c)
	c.ShareNamespace = false
	return c
}

// wireCases: what goes on the wire, tcpdump style, like the traces in the
// seed documents (RFC 9293 §3.5, §3.6, RFC 1122 §4.2.3.6).
var wireCases = []h.Case{
	wire(h.Case{
		ID:    "wire.handshake.three-way",
		Spec:  "RFC 9293 §3.5: a connection opens with the three-way handshake: [S] from the client, [S.] from the server, [.] from the client; recorded, since on kernel sockets the kernel makes it whatever the implementation does",
		Level: h.Informational,
		Needs: h.CapStream | h.CapKernel | h.CapTCP,
		Setup: h.SetupConn,
		Script: h.Script(
			h.ExpectSent(h.Client, "S", "."),
			h.ExpectSent(h.Server, "S."),
		),
	}),
	wire(h.Case{
		ID:        "wire.closewrite.sends-fin",
		Spec:      "RFC 9293 §3.6: CloseWrite sends FIN ([F.]) and the peer acknowledges it",
		Catalogue: "H1d",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapKernel | h.CapTCP,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.WireMark(),
			h.CloseWrite(iut),
			h.ExpectSent(iut, "F."),
			h.ExpectSent(peer, "."),
		),
	}),
	wire(h.Case{
		ID:        "wire.close.unread-data-sends-rst",
		Spec:      "RFC 2525 §2.17 and Linux tcp(7): closing with unread data sends RST ([R.]), not FIN",
		Catalogue: "H9a",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapKernel | h.CapTCP | h.CapBuffered,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Write(peer, "unread"),
			h.WaitReadable(iut),
			h.WireMark(),
			h.Close(iut),
			h.ExpectSent(iut, "R."),
			h.ExpectNotSent(iut, "F"),
		),
	}),
	wire(h.Case{
		ID:        "wire.closeread.sends-nothing",
		Spec:      "Linux shutdown(SHUT_RD) sends nothing on the wire",
		Catalogue: "H5a",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapKernel | h.CapTCP,
		Setup:     h.SetupConn,
		Script: h.Script(
			// The handshake's last segments are sent and acknowledged
			// before the mark, so only what CloseRead sends can count.
			h.WaitSettled(iut),
			h.WaitSettled(peer),
			h.WireMark(),
			h.CloseRead(iut),
			h.ExpectQuiet(iut, shortDeadline),
		),
	}),
	wireAlone(h.Case{
		ID:     "wire.keepalive.probes-at-interval",
		Spec:   "RFC 1122 §4.2.3.6 and Linux tcp(7): a conn with keepalive sends its first zero-length probe once the idle time (2 s) has passed since the last segment received and, while the silent peer answers none, the next after the interval (1 s)",
		Level:  h.Convention,
		Needs:  h.CapStream | h.CapKernel | h.CapTCP | h.CapKeepAliveOptions,
		Setup:  h.SetupConn,
		Dial:   h.DialOptions{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 2 * time.Second, Interval: time.Second, Count: 5}},
		Listen: h.ListenOptions{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 2 * time.Second, Interval: time.Second, Count: 5}},
		Script: h.Script(
			h.Go("hi", h.Write(peer, "hi")).Label("hi"),
			h.ReadFull(iut, 2).Want("hi"),
			h.Await("hi"),
			h.WaitSettled(peer),
			h.WireMark(),
			// A silent peer answers no probe: Linux re-arms the timer for
			// the idle time after an answered probe, for the interval only
			// after an unanswered one.
			h.Silence(peer),
			h.ExpectSent(iut, h.KeepAliveProbe, h.KeepAliveProbe).Since("hi").NotBefore(2*time.Second).KernelTimer(1).Within(3*time.Second+h.Tolerance),
		),
	}),
	wire(h.Case{
		ID:    "wire.close.four-way",
		Spec:  "RFC 9293 §3.6: a graceful close is FIN and ACK each way: [F.] from the closer, [.] and later [F.] from the other end, a last [.] from the closer",
		Level: h.Contract,
		Needs: h.CapStream | h.CapKernel | h.CapTCP,
		Setup: h.SetupConn,
		Script: h.Script(
			h.WireMark(),
			h.Close(iut),
			h.ExpectSent(iut, "F."),
			h.Read(peer, 8).Err(h.EOF),
			h.Close(peer),
			h.ExpectSent(peer, "F."),
			h.ExpectSent(iut, "F.", "."),
		),
	}),
	wire(h.Case{
		ID:        "wire.linger0.sends-rst",
		Spec:      "Linux socket(7) SO_LINGER: Close with a zero linger time sends RST ([R.]) and no FIN",
		Catalogue: "S5",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapKernel | h.CapTCP,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetLinger(iut, 0),
			h.WireMark(),
			h.Close(iut),
			h.ExpectSent(iut, "R."),
			h.ExpectNotSent(iut, "F"),
		),
	}),
	wire(h.Case{
		ID:    "wire.write.data-segment",
		Spec:  "RFC 9293 §3.4: a small Write leaves as one data segment ([P.]) of that length, acknowledged by the peer",
		Level: h.Informational,
		Needs: h.CapStream | h.CapKernel | h.CapTCP,
		Setup: h.SetupConn,
		Script: h.Script(
			h.WireMark(),
			h.Write(iut, "hello"),
			h.ExpectSent(iut, "P."),
			h.ExpectSent(peer, "."),
		),
	}),
}
