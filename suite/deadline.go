package suite

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	h "github.com/netconform/netconform/harness/script"
)

// Deadlines used by the timing cases. They are part of the scenario: the
// timescale stretches only the tolerance after them.
const (
	shortDeadline = 100 * time.Millisecond
	longDeadline  = 300 * time.Millisecond
)

const deadlineSpec = "net.Conn.SetDeadline: if the deadline is exceeded a call to Read or Write will return an error that wraps os.ErrDeadlineExceeded, whose Timeout method returns true"

// deadlineCases: read, write, accept and datagram deadlines (CATALOGUE.md §3).
var deadlineCases = []h.Case{
	{
		ID:        "deadline.read.past",
		Spec:      deadlineSpec + "; with a deadline in the past Read fails at once with n == 0 (TestReadTimeout)",
		Catalogue: "D1",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetReadDeadline(iut, h.Past),
			h.Read(iut, 8).Err(h.Deadline).Timeout().AtDeadline(),
		),
	},
	{
		ID:        "deadline.write.past",
		Spec:      deadlineSpec + "; with a deadline in the past Write fails at once with n == 0 (TestWriteTimeout)",
		Catalogue: "D3",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetWriteDeadline(iut, h.Past),
			h.Write(iut, "x").Err(h.Deadline).Timeout().AtDeadline(),
		),
	},
	{
		ID:        "deadline.read.past-with-data",
		Spec:      "net.Conn.SetDeadline: a deadline is an absolute time after which I/O operations fail instead of blocking; an expired read deadline wins over queued data, which stays intact",
		Catalogue: "D2",
		Level:     h.Contract,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Go("w", h.Write(peer, "abc")),
			h.WaitReadable(iut),
			h.SetReadDeadline(iut, h.Past),
			h.Read(iut, 8).Err(h.Deadline).Timeout(),
			h.SetReadDeadline(iut, h.NoDeadline),
			h.ReadFull(iut, 3).Want("abc"),
			h.Await("w"),
		),
	},
	{
		ID:        "deadline.read.future-fires",
		Spec:      deadlineSpec + "; a Read blocked past a future deadline returns at the deadline, never before (TestReadTimeoutFluctuation)",
		Catalogue: "D4",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetReadDeadline(iut, h.In(shortDeadline)),
			h.Read(iut, 8).Err(h.Deadline).Timeout().AtDeadline(),
		),
	},
	{
		ID:        "deadline.write.future-fires",
		Spec:      deadlineSpec + "; a Write blocked by a peer that does not read returns at the deadline, possibly with n > 0 (TestWriteTimeoutFluctuation)",
		Catalogue: "D5",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapBounded,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetWriteDeadline(iut, h.In(longDeadline)),
			h.WriteN(iut, bigWrite).Err(h.Deadline).Timeout().Partial().AtDeadline(),
		),
	},
	{
		ID:        "deadline.write.partial-then-continue",
		Spec:      "net.Conn.SetDeadline: a timed-out Write may have written n > 0 bytes, and after the deadline is extended the conn is usable; the peer receives exactly those n bytes, then what follows",
		Catalogue: "D5 D6",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapDeadline | h.CapBounded,
		Setup:     h.SetupConn,
		Script:    h.Script(h.Func("partial Write, then Write again", partialWriteThenContinue)),
	},
	{
		ID:        "deadline.read.extended-while-blocked",
		Spec:      "net.Conn.SetDeadline: a deadline applies to pending I/O, so extending it while a Read is blocked moves the return to the new deadline",
		Catalogue: "D8",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetReadDeadline(iut, h.In(longDeadline)),
			h.Go("r", h.Read(iut, 8).Err(h.Deadline).Allow(h.TimeoutOther).Timeout().AtDeadline()),
			h.StillBlocked("r"),
			h.SetReadDeadline(iut, h.In(longDeadline+2*shortDeadline)),
			h.Await("r"),
		),
	},
	{
		ID:    "deadline.read.cleared-while-blocked",
		Spec:  "net.Conn.SetDeadline: a zero value for t means I/O operations will not time out, and it applies to pending I/O: a cleared deadline never fires",
		Level: h.Contract,
		Needs: h.CapConn,
		Setup: h.SetupConn,
		Script: h.Script(
			h.SetReadDeadline(iut, h.In(longDeadline)),
			h.Go("r", h.Read(iut, 8).Want("x")),
			h.StillBlocked("r"),
			h.SetReadDeadline(iut, h.NoDeadline),
			h.Sleep(longDeadline+shortDeadline, "past the cleared deadline"),
			h.StillBlocked("r"),
			h.Go("w", h.Write(peer, "x")),
			h.Await("r").Within(unblockWithin),
			h.Await("w"),
		),
	},
	{
		ID:        "deadline.read.past-unblocks-blocked",
		Spec:      "net.Conn.SetReadDeadline: setting a past deadline from another goroutine makes a blocked Read return a timeout promptly (TestReadTimeoutUnblocksRead; net/http relies on it)",
		Catalogue: "D7",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Go("r", h.Read(iut, 8).Err(h.Deadline).Timeout()),
			h.StillBlocked("r"),
			h.SetReadDeadline(iut, h.Past),
			h.Await("r").Within(unblockWithin),
		),
	},
	{
		ID:    "deadline.write.past-unblocks-blocked",
		Spec:  "net.Conn.SetWriteDeadline: setting a past deadline from another goroutine makes a blocked Write return a timeout promptly",
		Level: h.Contract,
		Needs: h.CapStream | h.CapBounded,
		Setup: h.SetupConn,
		Script: h.Script(
			h.Go("w", h.WriteN(iut, bigWrite).Err(h.Deadline).Timeout().Partial()),
			h.StillBlocked("w"),
			h.SetWriteDeadline(iut, h.Past),
			h.Await("w").Within(unblockWithin),
		),
	},
	{
		ID:        "deadline.read.write-unaffected",
		Spec:      "net.Conn.SetReadDeadline: sets the deadline for future Read calls only; an expired read deadline does not affect Write",
		Catalogue: "D11",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetReadDeadline(iut, h.Past),
			h.Go("w", h.Write(iut, "x")),
			h.ReadFull(peer, 1).Want("x"),
			h.Await("w"),
		),
	},
	{
		ID:        "deadline.write.read-unaffected",
		Spec:      "net.Conn.SetWriteDeadline: sets the deadline for future Write calls only; an expired write deadline does not affect Read",
		Catalogue: "D11",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetWriteDeadline(iut, h.Past),
			h.Go("w", h.Write(peer, "y")),
			h.ReadFull(iut, 1).Want("y"),
			h.Await("w"),
		),
	},
	{
		ID:        "deadline.read.expired-stays-expired",
		Spec:      "net.Conn.SetDeadline: a deadline is an absolute time, so once a Read has timed out, the next Read times out too, even with data queued, until the deadline is changed",
		Catalogue: "D2 D4",
		Level:     h.Contract,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetReadDeadline(iut, h.In(shortDeadline)),
			h.Read(iut, 8).Err(h.Deadline).Allow(h.TimeoutOther, h.ContextDeadline).Timeout().AtDeadline(),
			h.Go("w", h.Write(peer, "late")),
			h.WaitReadable(iut),
			h.Read(iut, 8).Err(h.Deadline).Allow(h.TimeoutOther, h.ContextDeadline).Timeout(),
			h.SetReadDeadline(iut, h.NoDeadline),
			h.ReadFull(iut, 4).Want("late"),
			h.Await("w"),
		),
	},
	{
		ID:        "deadline.write.survives-read-cleared",
		Spec:      "net.Conn.SetReadDeadline: sets the deadline for future Read calls only; clearing it leaves the write deadline in force",
		Catalogue: "D11",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetWriteDeadline(iut, h.Past),
			h.SetReadDeadline(iut, h.NoDeadline),
			h.Write(iut, "x").Err(h.Deadline).Allow(h.TimeoutOther, h.ContextDeadline).Timeout(),
		),
	},
	{
		ID:        "deadline.read.survives-write-cleared",
		Spec:      "net.Conn.SetWriteDeadline: sets the deadline for future Write calls only; clearing it leaves the read deadline in force",
		Catalogue: "D11",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetReadDeadline(iut, h.Past),
			h.SetWriteDeadline(iut, h.NoDeadline),
			h.Read(iut, 8).Err(h.Deadline).Allow(h.TimeoutOther, h.ContextDeadline).Timeout(),
		),
	},
	{
		ID:        "deadline.read.reusable-after-timeout",
		Spec:      "net.Conn.SetDeadline: a connection can be refreshed by setting a later deadline; after a read timeout and a cleared deadline Read works again",
		Catalogue: "D6",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetReadDeadline(iut, h.Past),
			h.Read(iut, 8).Err(h.Deadline),
			h.SetReadDeadline(iut, h.NoDeadline),
			h.Go("w", h.Write(peer, "ok")),
			h.ReadFull(iut, 2).Want("ok"),
			h.Await("w"),
		),
	},
	{
		ID:    "deadline.setdeadline.both-directions",
		Spec:  "net.Conn.SetDeadline: sets the read and write deadlines; with a past deadline both Read and Write time out",
		Level: h.Contract,
		Needs: h.CapConn,
		Setup: h.SetupConn,
		Script: h.Script(
			h.SetDeadline(iut, h.Past),
			h.Read(iut, 8).Err(h.Deadline).Timeout(),
			h.Write(iut, "x").Err(h.Deadline).Timeout(),
		),
	},
	{
		ID:    "deadline.read.one-deadline-many-readers",
		Spec:  "net.Conn: methods may be called from many goroutines, and a read deadline applies to every pending Read: five blocked Reads all time out at it",
		Level: h.Contract,
		Needs: h.CapConn,
		Setup: h.SetupConn,
		Script: h.Script(
			h.SetReadDeadline(iut, h.In(longDeadline)),
			h.Go("r1", h.Read(iut, 8).Err(h.Deadline).AtDeadline()),
			h.Go("r2", h.Read(iut, 8).Err(h.Deadline).AtDeadline()),
			h.Go("r3", h.Read(iut, 8).Err(h.Deadline).AtDeadline()),
			h.Go("r4", h.Read(iut, 8).Err(h.Deadline).AtDeadline()),
			h.Go("r5", h.Read(iut, 8).Err(h.Deadline).AtDeadline()),
			h.Await("r1"), h.Await("r2"), h.Await("r3"), h.Await("r4"), h.Await("r5"),
		),
	},
	{
		ID:        "deadline.read.cleared-past-blocks",
		Spec:      "net.Conn.SetReadDeadline: a zero value for t means Read will not time out, so a past deadline cleared before a Read leaves it blocked, and Close then releases it with an error that is not a timeout (TestReadTimeoutMustNotReturn)",
		Catalogue: "D19",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetReadDeadline(iut, h.Past),
			h.SetReadDeadline(iut, h.NoDeadline),
			h.Go("r", h.Read(iut, 8).Err(h.Closed).AnyErr().NotTimeout()),
			h.StillBlocked("r"),
			h.Close(iut),
			h.Await("r").Within(unblockWithin),
		),
	},
	{
		ID:        "deadline.write.cleared-past-blocks",
		Spec:      "net.Conn.SetWriteDeadline: a zero value for t means Write will not time out, so a past deadline cleared before a Write leaves it blocked on a full window, and Close then releases it with an error that is not a timeout (TestWriteTimeoutMustNotReturn)",
		Catalogue: "D19",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapBounded,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetWriteDeadline(iut, h.Past),
			h.SetWriteDeadline(iut, h.NoDeadline),
			h.Go("w", h.WriteN(iut, bigWrite).Err(h.Closed).AnyErr().NotTimeout().Partial()),
			h.StillBlocked("w"),
			h.Close(iut),
			h.Await("w").Within(unblockWithin),
		),
	},
	{
		ID:        "deadline.write.extended-while-blocked",
		Spec:      "net.Conn.SetDeadline: a deadline applies to pending I/O, so extending the write deadline while a Write is blocked on a full window moves its timeout to the new deadline",
		Catalogue: "D8",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapBounded,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetWriteDeadline(iut, h.In(longDeadline)),
			h.Go("w", h.WriteN(iut, bigWrite).Err(h.Deadline).Allow(h.TimeoutOther).Timeout().Partial().AtDeadline()),
			h.StillBlocked("w"),
			h.SetWriteDeadline(iut, h.In(longDeadline+2*shortDeadline)),
			h.Await("w"),
		),
	},
	{
		ID:    "deadline.write.cleared-while-blocked",
		Spec:  "net.Conn.SetDeadline: a zero value for t means I/O operations will not time out, and it applies to pending I/O: a Write blocked on a full window whose deadline is cleared never times out, and completes once the peer reads",
		Level: h.Contract,
		Needs: h.CapStream | h.CapBounded,
		Setup: h.SetupConn,
		Script: h.Script(
			h.SetWriteDeadline(iut, h.In(longDeadline)),
			h.Go("w", h.WriteN(iut, bigWrite)),
			h.StillBlocked("w"),
			h.SetWriteDeadline(iut, h.NoDeadline),
			h.Sleep(longDeadline+shortDeadline, "past the cleared deadline"),
			h.StillBlocked("w"),
			h.Go("r", h.ReadFull(peer, bigWrite).WantPattern(0)),
			h.Await("w"),
			h.Await("r"),
		),
	},
	{
		ID:        "deadline.read.moved-at-expiry",
		Spec:      "net.Conn.SetReadDeadline: the deadline is the one last set, for future and pending Reads; a read deadline moved an hour away just as it expires never fires, so the next Read waits for data (Go's poller ignores an earlier deadline's timer: runtime netpoll rseq)",
		Catalogue: "D21",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script:    h.Script(h.Func("200 read deadlines moved an hour away as they expire, each followed by a Read that must wait for data", movedAtExpiry)),
	},
	{
		ID:        "deadline.concurrent.only-timeouts",
		Spec:      "net.Conn: multiple goroutines may invoke methods simultaneously; deadlines changed at random while Reads and Writes run in both directions make calls time out and nothing else, and no byte is lost, repeated or reordered (TestReadWriteDeadlineRace)",
		Catalogue: "D20 Q6",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapDeadline,
		Setup:     h.SetupConn,
		Budget:    20 * time.Second,
		Script:    h.Script(h.Func("1 MiB each way while deadlines change", deadlineChurn)),
	},
	{
		ID:        "deadline.readfrom.one-deadline-many-readers",
		Spec:      "net.PacketConn: methods may be called from many goroutines, and a read deadline applies to every pending ReadFrom: four blocked ReadFroms all time out when it is set in the past",
		Catalogue: "Q4",
		Level:     h.Contract,
		Needs:     h.CapPacket,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script:    releaseReadFroms(4, h.SetReadDeadline(srv, h.Past), h.Deadline),
	},
	{
		ID:        "deadline.read.zero-length-past",
		Spec:      "internal/poll.FD.Read: the zero-length shortcut runs before the deadline check, so Read(nil) with an expired deadline returns 0, nil (go.dev/issue/15735)",
		Catalogue: "D9",
		Level:     h.Convention,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetReadDeadline(iut, h.Past),
			h.Read(iut, 0).Within(h.Tolerance),
		),
	},
	{
		ID:        "deadline.write.zero-length-past",
		Spec:      "internal/poll.FD.Write: Write checks the deadline first, so a zero-length Write with an expired deadline times out",
		Catalogue: "D10",
		Level:     h.Convention,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetWriteDeadline(iut, h.Past),
			h.Write(iut, "").Err(h.Deadline).Within(h.Tolerance),
		),
	},
	{
		ID:        "deadline.accept.future-fires",
		Spec:      "net.TCPListener.SetDeadline: Accept with no dialer returns an error wrapping os.ErrDeadlineExceeded at the deadline, and a nil Conn (TestAcceptTimeout)",
		Catalogue: "D12",
		Level:     h.Contract,
		Needs:     h.CapListener,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.SetDeadline(h.Ln, h.In(shortDeadline)),
			h.Accept(h.Ln, "s1").Err(h.Deadline).Timeout().AtDeadline(),
		),
	},
	{
		ID:        "deadline.accept.past-with-queued",
		Spec:      "net.TCPListener.SetDeadline: an expired deadline wins over a queued connection, which Accept returns once the deadline is cleared (TestAcceptTimeout)",
		Catalogue: "D12b",
		Level:     h.Convention,
		Needs:     h.CapListener | h.CapKernel,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.DialTo("c1", h.Ln),
			h.WaitAcceptQueue(h.Ln, 1),
			h.SetDeadline(h.Ln, h.Past),
			h.Accept(h.Ln, "s0").Err(h.Deadline),
			h.SetDeadline(h.Ln, h.NoDeadline),
			h.Accept(h.Ln, "s1"),
		),
	},
	{
		ID:        "deadline.readfrom.past",
		Spec:      "net.PacketConn.SetReadDeadline: with a past deadline ReadFrom fails with an error wrapping os.ErrDeadlineExceeded and n == 0 (TestUDPReadTimeout)",
		Catalogue: "D14",
		Level:     h.Contract,
		Needs:     h.CapPacket,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.SetReadDeadline(iut, h.Past),
			h.ReadFrom(iut, 64).Err(h.Deadline).Timeout().AtDeadline(),
		),
	},
	{
		ID:        "deadline.readfrom.timeout-nil-addr",
		Spec:      "net.UDPConn.ReadFrom: a timed-out ReadFrom returns a nil address (TestUDPReadTimeout)",
		Catalogue: "D14",
		Level:     h.Convention,
		Needs:     h.CapPacket,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.SetReadDeadline(iut, h.Past),
			h.ReadFrom(iut, 64).Err(h.Deadline).NilAddr(),
		),
	},
	{
		ID:    "deadline.readfrom.future-fires",
		Spec:  "net.PacketConn.SetReadDeadline: a ReadFrom blocked past a future deadline returns an error wrapping os.ErrDeadlineExceeded at the deadline, never before",
		Level: h.Contract,
		Needs: h.CapPacket,
		Setup: h.SetupPacket,
		Roles: []h.Role{h.RoleServer},
		Script: h.Script(
			h.SetReadDeadline(iut, h.In(shortDeadline)),
			h.ReadFrom(iut, 64).Err(h.Deadline).Timeout().AtDeadline(),
		),
	},
	{
		ID:        "deadline.writeto.past",
		Spec:      "net.PacketConn.SetWriteDeadline: even though write timeouts are rare on packet conns, a past deadline makes WriteTo fail with os.ErrDeadlineExceeded (TestWriteToTimeout)",
		Catalogue: "D15",
		Level:     h.Contract,
		Needs:     h.CapPacket,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.SetWriteDeadline(iut, h.Past),
			h.WriteTo(iut, "x", "c1").Err(h.Deadline).Timeout(),
		),
	},
	{
		ID:    "deadline.read.connected-datagram-fires",
		Spec:  deadlineSpec + "; on a connected datagram conn a Read with nothing to receive returns at the deadline",
		Level: h.Contract,
		Needs: h.CapPacketDial,
		Setup: h.SetupPacket,
		Roles: []h.Role{h.RoleClient},
		Script: h.Script(
			h.SetReadDeadline(iut, h.In(shortDeadline)),
			h.Read(iut, 64).Err(h.Deadline).Timeout().AtDeadline(),
		),
	},
}

// partialWriteThenContinue writes more than the buffers hold with a short
// deadline, then checks that exactly the n bytes Write reported reach the
// peer, followed by a later Write made after clearing the deadline. It is a
// Func because the second half depends on n.
func partialWriteThenContinue(x *h.X) error {
	c, p := x.Conn(iut), x.Conn(peer)
	payload := h.PatternView(0, bigWrite) // made before the deadline runs: it can take longer than the deadline
	if err := c.SetWriteDeadline(time.Now().Add(shortDeadline)); err != nil {
		return fmt.Errorf("SetWriteDeadline(+%v) = %v, want nil", shortDeadline, err)
	}
	n, err := c.Write(payload)
	if !errors.Is(err, os.ErrDeadlineExceeded) || n >= len(payload) {
		x.Errorf(fmt.Sprintf("iut.Write(<%d MiB>) with a +%v deadline and an idle peer", bigWrite>>20, shortDeadline),
			fmt.Sprintf("%d, %v", n, err), "0 ≤ n < len, deadline (os.ErrDeadlineExceeded)")
		return nil
	}
	if err := c.SetWriteDeadline(time.Time{}); err != nil {
		return fmt.Errorf("SetWriteDeadline(zero) after the timeout = %v, want nil", err)
	}
	tail := []byte("TAIL")
	got := make(chan []byte, 1)
	x.Go(func() {
		buf := make([]byte, n+len(tail))
		m, _ := io.ReadFull(p, buf)
		got <- buf[:m]
	})
	if m, err := c.Write(tail); m != len(tail) || err != nil {
		x.Errorf("iut.Write(\"TAIL\") after a timed-out Write and a cleared deadline", fmt.Sprintf("%d, %v", m, err), "4, nil")
		return nil
	}
	select {
	case b := <-got:
		want := append(append([]byte{}, payload[:n]...), tail...)
		if !bytes.Equal(b, want) {
			x.Errorf(fmt.Sprintf("peer.ReadFull(%d) after iut's partial Write of n=%d", len(want), n),
				fmt.Sprintf("%d bytes, differing from the pattern at %d", len(b), firstDiff(b, want)),
				fmt.Sprintf("the %d bytes Write counted, then \"TAIL\"", n))
		}
	case <-time.After(x.Scaled(5 * time.Second)):
		x.Errorf(fmt.Sprintf("peer.ReadFull(%d) after iut's partial Write of n=%d", n+len(tail), n), "still blocked after 5s", "the n bytes, then \"TAIL\"")
	}
	return nil
}

// movedAtExpiry moves a read deadline an hour away as it expires, round
// after round, the move landing just before, at or just after the expiry,
// and checks that the old deadline never fires afterwards: the Read that
// follows each move blocks until the peer writes, then returns the byte.
// An implementation that arms a timer per deadline and lets a timer that
// already fired (waiting for the conn's lock) mark the conn timed out after
// the move fails the Read at once.
func movedAtExpiry(x *h.X) error {
	const rounds = 200
	// How long a Read returning without data counts as the old deadline
	// firing: a stale timer fires within microseconds of the move, so a
	// late one on a loaded machine goes unseen rather than misjudged.
	const window = time.Millisecond
	c, p := x.Conn(iut), x.Conn(peer)
	type readResult struct {
		n   int
		err error
	}
	buf := make([]byte, 1)
	for i := range rounds {
		away := time.Duration(i%10+1) * 20 * time.Microsecond // 20–200 µs: before, at and after the pause below
		if err := c.SetReadDeadline(time.Now().Add(away)); err != nil {
			return fmt.Errorf("SetReadDeadline(+%v) = %v, want nil", away, err)
		}
		time.Sleep(100 * time.Microsecond) // the stimulus, not a synchronisation: the move lands around the expiry
		if err := c.SetReadDeadline(time.Now().Add(time.Hour)); err != nil {
			return fmt.Errorf("SetReadDeadline(+1h) = %v, want nil", err)
		}
		call := fmt.Sprintf("iut.Read(1) after a read deadline %v away was moved an hour away (round %d of %d)", away, i+1, rounds)
		res := make(chan readResult, 1)
		x.Go(func() { n, err := c.Read(buf); res <- readResult{n, err} })
		select {
		case r := <-res:
			x.Errorf(call+", before the peer wrote", fmt.Sprintf("%d, %v", r.n, r.err), "blocks until the peer writes")
			return nil
		case <-time.After(window):
		}
		if _, err := p.Write([]byte{'x'}); err != nil {
			return fmt.Errorf("peer.Write(\"x\") = %v, want nil", err)
		}
		select {
		case r := <-res:
			if r.n != 1 || r.err != nil {
				x.Errorf(call, fmt.Sprintf("%d, %v", r.n, r.err), "1, nil")
				return nil
			}
		case <-time.After(x.Scaled(5 * time.Second)):
			x.Errorf(call, "still blocked 5s after the peer wrote 1 byte", "1, nil")
			return nil
		}
	}
	return nil
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
