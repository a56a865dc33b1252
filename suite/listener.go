package suite

import (
	"fmt"
	"io"

	h "github.com/netconform/netconform/harness/script"
)

// listenerCases: net.Listener (CATALOGUE.md §6). The IUT owns the listener;
// conns are dialed from the other side.
var listenerCases = []h.Case{
	{
		ID:        "listener.close.returns-nil",
		Spec:      "net.TCPListener.Close: the first Close of a listener succeeds (TestListenerClose)",
		Catalogue: "L0",
		Level:     h.Convention,
		Needs:     h.CapListener,
		Setup:     h.SetupListener,
		Script:    h.Script(h.Close(h.Ln).Err(h.None)),
	},
	{
		ID:        "listener.accept.after-close",
		Spec:      "net.Listener.Close: closes the listener; Accept afterwards returns an error and a nil Conn (TestListenerClose)",
		Catalogue: "L1",
		Level:     h.Contract,
		Needs:     h.CapListener,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.Close(h.Ln),
			h.Accept(h.Ln, "s1").Err(h.Closed).AnyErr().Within(unblockWithin),
		),
	},
	{
		ID:        "listener.accept.after-close-is-errclosed",
		Spec:      "net.ErrClosed: Accept on a closed listener fails with an error wrapping net.ErrClosed (TestTCPListenAfterClose)",
		Catalogue: "L1",
		Level:     h.Convention,
		Needs:     h.CapListener,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.Close(h.Ln),
			h.Accept(h.Ln, "s1").Err(h.Closed).Within(unblockWithin),
		),
	},
	{
		ID:        "listener.close.unblocks-accept",
		Spec:      "net.Listener.Close: any blocked Accept operations will be unblocked and return errors",
		Catalogue: "L2",
		Level:     h.Contract,
		Needs:     h.CapListener,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.Go("a", h.Accept(h.Ln, "s1").Err(h.Closed).AnyErr()),
			h.StillBlocked("a"),
			h.Close(h.Ln),
			h.Await("a").Within(unblockWithin),
		),
	},
	{
		ID:        "listener.close.unblocks-accept-is-errclosed",
		Spec:      "net.ErrClosed: a blocked Accept released by Close fails with an error wrapping net.ErrClosed",
		Catalogue: "L2",
		Level:     h.Convention,
		Needs:     h.CapListener,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.Go("a", h.Accept(h.Ln, "s1").Err(h.Closed)),
			h.StillBlocked("a"),
			h.Close(h.Ln),
			h.Await("a").Within(unblockWithin),
		),
	},
	{
		ID:        "listener.close.twice",
		Spec:      "net.ErrClosed: a second Close of a listener fails with an error wrapping net.ErrClosed (TestCloseError)",
		Catalogue: "L3",
		Level:     h.Convention,
		Needs:     h.CapListener,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.Close(h.Ln),
			h.Close(h.Ln).Err(h.Closed),
		),
	},
	{
		ID:        "listener.setdeadline.after-close",
		Spec:      "net.TCPListener.SetDeadline: after Close it fails with net.ErrClosed (returned bare, not in an OpError)",
		Catalogue: "L3b",
		Level:     h.Convention,
		Needs:     h.CapListener,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.Close(h.Ln),
			h.SetDeadline(h.Ln, h.Past).Err(h.Closed),
		),
	},
	{
		ID:        "listener.listen.addr-in-use",
		Spec:      "Linux bind(2): listening on an address another socket listens on fails with EADDRINUSE (TestTCPListener)",
		Catalogue: "L4",
		Level:     h.Convention,
		Needs:     h.CapListener | h.CapKernel,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.Listen("ln2", h.Ln).Err(h.AddrInUse),
		),
	},
	{
		ID:        "listener.listen.rebind-after-close",
		Spec:      "net.ListenConfig: Go sets SO_REUSEADDR on listeners, so a closed listener's address can be listened on again at once, even with conns left in TIME_WAIT (TestClosingListener)",
		Catalogue: "L5",
		Level:     h.Convention,
		Needs:     h.CapListener | h.CapKernel,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.DialTo("c1", h.Ln),
			h.Accept(h.Ln, "s1"),
			h.Close("s1"),
			// s1's FIN must reach c1 before c1 closes, or s1 is not
			// the active closer: close(2) frees the socket only when
			// no other process holds it (a child forked at that moment).
			h.WaitReadable("c1"),
			// c1's ACK of that FIN must have reached s1 too: the ACK,
			// delayed, leaves from a timer, and a FIN of c1's that
			// leaves later from another CPU (c1 held by a forked child
			// that closes it at its exec) can overtake it on loopback.
			// s1 would go to TIME_WAIT on the FIN and answer the old ACK,
			// and c1's port, c1 gone, would answer with an RST that
			// kills the TIME_WAIT (RFC 1337).
			h.ExpectState("s1", h.FinWait2),
			h.Close("c1"),
			h.ExpectState("s1", h.TimeWait),
			h.Close(h.Ln),
			h.Listen("ln2", h.Ln),
		),
	},
	{
		ID:        "listener.accept.conn-survives-close",
		Spec:      "net.Listener.Close: closes the listener, not the conns it accepted, which stay fully usable",
		Catalogue: "L8",
		Level:     h.Contract,
		Needs:     h.CapListener,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.Go("d", h.DialTo("c1", h.Ln)),
			h.Accept(h.Ln, "s1"),
			h.Await("d"),
			h.Close(h.Ln),
			h.Go("w", h.Write("c1", "ping")),
			h.ReadFull("s1", 4).Want("ping"),
			h.Await("w"),
			h.Go("w2", h.Write("s1", "pong")),
			h.ReadFull("c1", 4).Want("pong"),
			h.Await("w2"),
		),
	},
	{
		ID:        "listener.accept.dial-before-accept",
		Spec:      "Linux listen(2): the kernel completes handshakes into the backlog, so a Dial and a Write succeed before Accept, which then returns the conn with the data",
		Catalogue: "L6",
		Level:     h.Convention,
		Needs:     h.CapListener | h.CapBuffered,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.DialTo("c1", h.Ln),
			h.Write("c1", "early"),
			h.Accept(h.Ln, "s1"),
			h.ReadFull("s1", 5).Want("early"),
		),
	},
	{
		ID:        "listener.accept.reset-before-accept",
		Spec:      "Linux accept(2): a queued conn reset by its client is still returned by Accept (nil error), and its first Read fails with ECONNRESET",
		Catalogue: "L9",
		Level:     h.Convention,
		Needs:     h.CapListener | h.CapKernel | h.CapTCP,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.DialTo("c1", h.Ln),
			h.WaitAcceptQueue(h.Ln, 1),
			h.SetLinger("c1", 0),
			h.Close("c1"),
			h.ExpectFarState("c1", h.Absent),
			h.Accept(h.Ln, "s1"),
			h.Read("s1", 8).Err(h.Reset),
		),
	},
	{
		ID:        "listener.accept.fin-before-accept",
		Spec:      "Linux accept(2): a queued conn whose client sent data then FIN is returned by Accept, and reads the data then io.EOF",
		Catalogue: "L10",
		Level:     h.Convention,
		Needs:     h.CapListener | h.CapBuffered,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.DialTo("c1", h.Ln),
			h.Write("c1", "bye"),
			h.Close("c1"),
			h.Accept(h.Ln, "s1"),
			h.ReadFull("s1", 3).Want("bye"),
			h.Read("s1", 8).Err(h.EOF),
		),
	},
	{
		ID:        "listener.close.resets-backlog",
		Spec:      "Linux tcp(7): closing a listener resets the conns completed in its backlog but never accepted; their Read fails with ECONNRESET",
		Catalogue: "L7",
		Level:     h.Convention,
		Needs:     h.CapListener | h.CapKernel | h.CapTCP,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.DialTo("c1", h.Ln),
			h.WaitAcceptQueue(h.Ln, 1),
			h.Close(h.Ln),
			h.Read("c1", 8).Err(h.Reset).Within(unblockWithin),
		),
	},
	{
		ID:    "listener.accept.addrs",
		Spec:  "net.Conn.LocalAddr and RemoteAddr: an accepted conn's addresses are not nil and mirror its client's",
		Level: h.Convention,
		Needs: h.CapListener,
		Setup: h.SetupListener,
		Script: h.Script(
			h.Go("d", h.DialTo("c1", h.Ln)),
			h.Accept(h.Ln, "s1"),
			h.Await("d"),
			h.Addrs("s1"),
		),
	},
	{
		ID:     "listener.accept.concurrent",
		Spec:   "net.Listener: multiple goroutines may invoke methods on a Listener simultaneously; four Accepts blocked side by side each return one of four dialed conns, joined to its own client",
		Level:  h.Contract,
		Needs:  h.CapListener,
		Setup:  h.SetupListener,
		Script: concurrentAccepts(4),
	},
	{
		ID:        "listener.close.unblocks-many-accepts",
		Spec:      "net.Listener.Close: any blocked Accept operations will be unblocked and return errors: all three Accepts blocked on one listener, not only one",
		Catalogue: "L2",
		Level:     h.Contract,
		Needs:     h.CapListener,
		Setup:     h.SetupListener,
		Script:    closeUnblocksAccepts(3),
	},
	{
		ID:        "listener.listen.foreign-address",
		Spec:      "Linux bind(2): listening on an address no interface of the host has (192.0.2.1, a documentation address) fails with EADDRNOTAVAIL (TestListenError)",
		Catalogue: "X9",
		Level:     h.Convention,
		Needs:     h.CapListener,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.ListenAt("ln2", h.ForeignAddr).Err(h.AddrNotAvail),
		),
	},
	{
		ID:     "listener.accept.many-queued",
		Spec:   "net.Listener.Accept: waits for and returns the next connection; eight dials before any Accept yield eight distinct conns, each joined to its own client",
		Level:  h.Contract,
		Needs:  h.CapListener,
		Setup:  h.SetupListener,
		Script: manyQueued(8),
	},
}

// concurrentAccepts blocks n Accepts side by side, then dials n conns.
func concurrentAccepts(n int) []h.Step {
	var s []h.Step
	for i := 1; i <= n; i++ {
		s = append(s, h.Go(fmt.Sprintf("a%d", i), h.Accept(h.Ln, fmt.Sprintf("s%d", i))))
	}
	s = append(s, h.StillBlocked(fmt.Sprintf("a%d", n)))
	for i := 1; i <= n; i++ {
		s = append(s, h.DialTo(fmt.Sprintf("c%d", i), h.Ln))
	}
	for i := 1; i <= n; i++ {
		s = append(s, h.Await(fmt.Sprintf("a%d", i)))
	}
	return append(s, greetings(n)...)
}

// closeUnblocksAccepts blocks n Accepts, closes the listener, and expects
// every one to return an error promptly.
func closeUnblocksAccepts(n int) []h.Step {
	var s []h.Step
	for i := 1; i <= n; i++ {
		s = append(s, h.Go(fmt.Sprintf("a%d", i), h.Accept(h.Ln, fmt.Sprintf("s%d", i)).Err(h.Closed).AnyErr()))
	}
	s = append(s, h.StillBlocked(fmt.Sprintf("a%d", n)), h.Close(h.Ln))
	for i := 1; i <= n; i++ {
		s = append(s, h.Await(fmt.Sprintf("a%d", i)).Within(unblockWithin))
	}
	return s
}

// manyQueued dials n conns, accepts n, and checks that each accepted conn
// carries exactly one client's greeting, every greeting once.
func manyQueued(n int) []h.Step {
	var s []h.Step
	for i := 1; i <= n; i++ {
		s = append(s, h.Go(fmt.Sprintf("d%d", i), h.DialTo(fmt.Sprintf("c%d", i), h.Ln)))
	}
	for i := 1; i <= n; i++ {
		s = append(s, h.Accept(h.Ln, fmt.Sprintf("s%d", i)))
	}
	for i := 1; i <= n; i++ {
		s = append(s, h.Await(fmt.Sprintf("d%d", i)))
	}
	return append(s, greetings(n)...)
}

// greetings makes clients c1…cn each write a greeting, and checks that
// the accepted conns s1…sn read one each, no two the same.
func greetings(n int) []h.Step {
	var s []h.Step
	for i := 1; i <= n; i++ {
		s = append(s, h.Go(fmt.Sprintf("w%d", i), h.Write(fmt.Sprintf("c%d", i), fmt.Sprintf("hi%d", i))))
	}
	s = append(s, h.Func("each accepted conn reads one client's greeting", func(x *h.X) error {
		seen := map[string]string{}
		for i := 1; i <= n; i++ {
			name := fmt.Sprintf("s%d", i)
			buf := make([]byte, 3)
			if _, err := io.ReadFull(x.Conn(name), buf); err != nil {
				x.Errorf(name+".ReadFull(3)", err.Error(), "a client's greeting")
				return nil
			}
			if prev, dup := seen[string(buf)]; dup {
				x.Errorf(name+".ReadFull(3)", fmt.Sprintf("%q, already read by %s", buf, prev), "a greeting no other accepted conn read")
			}
			seen[string(buf)] = name
		}
		return nil
	}))
	for i := 1; i <= n; i++ {
		s = append(s, h.Await(fmt.Sprintf("w%d", i)))
	}
	return s
}
