package suite

import (
	"fmt"
	"time"

	h "github.com/netconform/netconform/harness/script"
)

// unblockWithin is how soon Close must release a blocked call
// (CATALOGUE.md C4a: a blocked Read is released within microseconds on loopback).
const unblockWithin = 200 * time.Millisecond

// bigWrite is large enough to fill the send and receive buffers of every
// implementation measured (TCP on loopback ~4 MiB, smux ~8 MiB), so the
// Write blocks.
const bigWrite = 16 << 20

// closedCases: use of a closed connection (CATALOGUE.md §4). The contract
// cases accept any error and prefer net.ErrClosed; the -is-errclosed cases
// pin Go's convention.
var closedCases = []h.Case{
	{
		ID:        "closed.close.returns-nil",
		Spec:      "net.TCPConn.Close: the first Close of an open conn succeeds (TestConnClose)",
		Catalogue: "C0",
		Level:     h.Convention,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script:    h.Script(h.Close(iut).Err(h.None)),
	},
	{
		ID:        "closed.read.after-close",
		Spec:      "net.Conn.Close: closes the connection; a Read afterwards returns 0 and an error (TestConnClose)",
		Catalogue: "C1",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.Read(iut, 8).Err(h.Closed).AnyErr().Within(unblockWithin),
		),
	},
	{
		ID:        "closed.read.after-close-is-errclosed",
		Spec:      "net.ErrClosed: returned by an I/O call on a network connection that has already been closed",
		Catalogue: "C1",
		Level:     h.Convention,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.Read(iut, 8).Err(h.Closed).Within(unblockWithin),
		),
	},
	{
		ID:        "closed.write.after-close",
		Spec:      "net.Conn.Close: closes the connection; a Write afterwards returns 0 and an error",
		Catalogue: "C2",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.Write(iut, "x").Err(h.Closed).AnyErr().Within(unblockWithin),
		),
	},
	{
		ID:        "closed.write.after-close-is-errclosed",
		Spec:      "net.ErrClosed: returned by an I/O call on a network connection that has already been closed",
		Catalogue: "C2",
		Level:     h.Convention,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.Write(iut, "x").Err(h.Closed).Within(unblockWithin),
		),
	},
	{
		ID:        "closed.close.twice",
		Spec:      "net.ErrClosed: a second Close fails with an error wrapping net.ErrClosed (TestCloseError closes three times)",
		Catalogue: "C3",
		Level:     h.Convention,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.Close(iut).Err(h.Closed),
		),
	},
	{
		ID:        "closed.setdeadline.after-close",
		Spec:      "net.ErrClosed: SetDeadline on a closed conn fails with an error wrapping net.ErrClosed",
		Catalogue: "D18",
		Level:     h.Convention,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.SetDeadline(iut, h.In(time.Second)).Err(h.Closed),
			h.SetReadDeadline(iut, h.NoDeadline).Err(h.Closed),
		),
	},
	{
		ID:        "closed.read.close-unblocks",
		Spec:      "net.Conn.Close: any blocked Read will be unblocked and return an error",
		Catalogue: "C4a",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Go("r", h.Read(iut, 8).Err(h.Closed).AnyErr()),
			h.StillBlocked("r"),
			h.Close(iut),
			h.Await("r").Within(unblockWithin),
		),
	},
	{
		ID:        "closed.read.close-unblocks-is-errclosed",
		Spec:      "net.ErrClosed: returned by an I/O call on a connection that another goroutine closes before the I/O is completed",
		Catalogue: "C4a",
		Level:     h.Convention,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Go("r", h.Read(iut, 8).Err(h.Closed)),
			h.StillBlocked("r"),
			h.Close(iut),
			h.Await("r").Within(unblockWithin),
		),
	},
	{
		ID:        "closed.write.close-unblocks",
		Spec:      "net.Conn.Close: any blocked Write will be unblocked and return an error (n may count what was sent)",
		Catalogue: "C4b",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapBounded,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Go("w", h.WriteN(iut, bigWrite).Err(h.Closed).AnyErr().Partial()),
			h.StillBlocked("w"),
			h.Close(iut),
			h.Await("w").Within(unblockWithin),
		),
	},
	{
		ID:        "closed.write.close-unblocks-is-errclosed",
		Spec:      "net.ErrClosed: returned by an I/O call on a connection that another goroutine closes before the I/O is completed",
		Catalogue: "C4b",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapBounded,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Go("w", h.WriteN(iut, bigWrite).Err(h.Closed).Partial()),
			h.StillBlocked("w"),
			h.Close(iut),
			h.Await("w").Within(unblockWithin),
		),
	},
	{
		ID:        "closed.read.close-unblocks-many",
		Spec:      "net.Conn: multiple goroutines may invoke methods simultaneously, and Close unblocks every blocked Read (ten readers)",
		Catalogue: "Q4",
		Level:     h.Contract,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script:    closeUnblocksReaders(10),
	},
	{
		ID:        "closed.read.zero-length-after-close",
		Spec:      "internal/poll.FD.Read: the closed check comes before the zero-length shortcut, so Read(nil) after Close fails with net.ErrClosed",
		Catalogue: "C9",
		Level:     h.Convention,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.Read(iut, 0).Err(h.Closed).Within(unblockWithin),
		),
	},
	{
		ID:        "closed.addr.after-close",
		Spec:      "net.TCPConn: LocalAddr and RemoteAddr still return the connection's addresses after Close",
		Catalogue: "C6",
		Level:     h.Convention,
		Needs:     h.CapConn,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.Addrs(iut),
		),
	},
	{
		ID:        "closed.file.after-close",
		Spec:      "net.ErrClosed: File on a closed conn (net.TCPConn.File, a dup of its descriptor) fails with an error wrapping net.ErrClosed (TestFileError)",
		Catalogue: "C11",
		Level:     h.Convention,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.File(iut).Err(h.Closed),
		),
	},
	{
		ID:        "closed.setkeepalive.after-close",
		Spec:      "net.ErrClosed: SetKeepAlive on a closed conn fails with an error wrapping net.ErrClosed (net.TCPConn.SetKeepAlive)",
		Catalogue: "C12",
		Level:     h.Convention,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.SetKeepAlive(iut, true).Err(h.Closed),
		),
	},
	{
		ID:        "closed.setnodelay.after-close",
		Spec:      "net.ErrClosed: SetNoDelay on a closed conn fails with an error wrapping net.ErrClosed (net.TCPConn.SetNoDelay)",
		Catalogue: "C12",
		Level:     h.Convention,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.SetNoDelay(iut, false).Err(h.Closed),
		),
	},
	{
		ID:        "closed.setlinger.after-close",
		Spec:      "net.ErrClosed: SetLinger on a closed conn fails with an error wrapping net.ErrClosed (net.TCPConn.SetLinger)",
		Catalogue: "C12",
		Level:     h.Convention,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.SetLinger(iut, 0).Err(h.Closed),
		),
	},
	{
		ID:        "closed.readfrom.after-close",
		Spec:      "net.ErrClosed: io.Copy into a closed conn (through net.TCPConn.ReadFrom where it exists) fails with an error wrapping net.ErrClosed and copies nothing",
		Catalogue: "C14",
		Level:     h.Convention,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.CopyFrom(iut, 1024).ViaMethod().Err(h.Closed).WantN(0),
		),
	},
	{
		ID:        "closed.writeto.after-close",
		Spec:      "net.ErrClosed: io.Copy out of a closed conn (through net.TCPConn.WriteTo where it exists) fails with an error wrapping net.ErrClosed, not io.Copy's nil at io.EOF",
		Catalogue: "C14",
		Level:     h.Convention,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.CopyTo(iut).ViaMethod().Err(h.Closed).WantN(0),
		),
	},
	{
		ID:        "closed.close.delivers-written-data",
		Spec:      "net.TCPConn.SetLinger: by default (sec < 0) the operating system finishes sending the data in the background after Close, so the peer reads all 1 MiB written before Close, then io.EOF, never a reset",
		Catalogue: "E7",
		Level:     h.Convention,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Go("r", h.ReadAll(peer).WantPattern(0).WantN(1<<20)),
			h.WriteN(iut, 1<<20),
			h.Close(iut),
			h.Await("r"),
		),
	},
	{
		ID:    "closed.close.latency",
		Spec:  "net.Conn.Close: may or may not block until any buffered data is sent; recorded with 64 KiB unsent and an idle peer",
		Level: h.Informational,
		Needs: h.CapStream | h.CapBuffered,
		Setup: h.SetupConn,
		Script: h.Script(
			h.WriteN(iut, 64<<10),
			h.MeasureClose(iut),
		),
	},
}

// closeUnblocksReaders starts n blocked Reads, closes, and expects every
// one to return an error promptly.
func closeUnblocksReaders(n int) []h.Step {
	var s []h.Step
	for i := 1; i <= n; i++ {
		s = append(s, h.Go(fmt.Sprintf("r%d", i), h.Read(iut, 8).Err(h.Closed).AnyErr()))
	}
	s = append(s, h.StillBlocked(fmt.Sprintf("r%d", n)), h.Close(iut))
	for i := 1; i <= n; i++ {
		s = append(s, h.Await(fmt.Sprintf("r%d", i)).Within(unblockWithin))
	}
	return s
}
