package smux

import "github.com/netconform/netconform/harness"

// Divergences verified against smux v1.5.56's source (stream.go) and its
// issue tracker.
const (
	pr99       = "https://github.com/xtaci/smux/pull/99"
	timeoutErr = "deadlines fail with smux's own ErrTimeout (a net.Error with Timeout() true since PR #99), which does not wrap os.ErrDeadlineExceeded"
	pipeErr    = "a closed stream fails with io.ErrClosedPipe (waitRead and Write select on s.die), not net.ErrClosed"
	eofErr     = "Read on a closed stream returns io.EOF (tryReadV2: <-s.die → io.EOF), not net.ErrClosed"
	issue51    = "https://github.com/xtaci/smux/issues/51"
	issue114   = "https://github.com/xtaci/smux/issues/114"
	// writeFrameInternal hands the frame to the shaper queue, then waits
	// for sendLoop's result or the deadline.
	timedOutSent = "a Write whose deadline fires after its frame was queued returns the frame's bytes as unsent (writeFrameInternal: the second select returns 0, ErrTimeout while the frame stays in the shaper queue and sendLoop still writes it, session.go), so n under-reports and a caller that retries from n sends those bytes twice; the queued frame also still points into the caller's buffer"
	// The protocol has no reset: a stream that is gone just drops data.
	writeVoid = "Writes to a stream whose peer fully closed keep succeeding: Close sends FIN and removes the stream (streamClosed), smux has no RST frame, and recvLoop drops cmdPSH data for a stream it no longer has (session.go), so nothing ever fails the writer; once the window the peer last advertised is used up, Write blocks for good (no window update comes)"
)

// Protocol version 1 only (stream.go writeV1, session.go).
const (
	issue37 = "https://github.com/xtaci/smux/issues/37"
	// writeV1 makes its deadline timer once, when the call starts.
	v1Deadline = "a version 1 Write reads the write deadline once, when it starts (writeV1 makes its timer then, stream.go), so extending or clearing the deadline while it is blocked has no effect: it times out at the deadline it started with"
	// Close queues its FIN behind the blocked data frame.
	v1CloseHangs = "with protocol version 1, Close of a stream whose Write is blocked on flow control blocks too: its FIN frame waits in the session's write queue behind the blocked data frame, and nothing releases either"
)

// knownV1 are the divergences of protocol version 1 only.
var knownV1 = []harness.Known{
	{Case: "closed.write.close-unblocks", Reason: v1CloseHangs, Link: issue37},
	{Case: "closed.write.close-unblocks-is-errclosed", Reason: v1CloseHangs, Link: issue37},
	{Case: "deadline.write.cleared-past-blocks", Reason: v1CloseHangs, Link: issue37},
	{Case: "deadline.write.cleared-while-blocked", Reason: v1Deadline},
	{Case: "deadline.write.extended-while-blocked", Reason: v1Deadline},
}

// A version 2 Write hands each frame to the session with the deadline
// channel it computed at the top of its loop (stream.go writeV2,
// session.go writeFrameInternal).
const v2FrameDeadline = "a version 2 Write waiting for the session to send a frame (writeFrameInternal selects on the deadline timer writeV2 armed before the frame, while the shaper queue or sendLoop's write to the underlying conn is slow) does not see SetWriteDeadline: it only wakes the window wait (chWriterWakeup), so a deadline cleared or extended then still fires at its old time with ErrTimeout; seen in CI when the loaded machine delayed sendLoop, and every time when the underlying conn's Write blocks (TestDivergenceSmuxV2FrameDeadline: over a net.Pipe whose Write is held, a Write with a 200 ms deadline cleared or extended at 50 ms returns 0, timeout at 200 ms)"

// v2UpdateOrder: concurrent Reads of one version 2 stream (net.Conn allows
// them) can stall its writer for good. Seen once, in a full report run
// beside every other row on two cores: four readers got 262 144 of
// 1 048 576 bytes, four 64 KiB windows, then nothing until the watchdog;
// not in 28 runs of the case alone, beside up to four busy loops.
const v2UpdateOrder = "concurrent Reads can stall the writer at the window for good: tryReadV2 takes the count of bytes consumed for its window update under bufferLock but sends the update after unlocking (stream.go), so two readers' updates can reach the peer in the opposite order, and the peer stores the count as it comes, without keeping the larger (stream.update: atomic.StoreUint32(&s.peerConsumed, consumed)); an older, smaller count arriving last leaves the writer seeing the window full while the reader has read everything sent and, below the update threshold, sends no further update (seen once: 262 144 of 1 048 576 bytes, four 64 KiB windows, then the watchdog)"

// knownV2 are the divergences of protocol version 2 only.
var knownV2 = []harness.Known{
	{Case: "deadline.write.cleared-while-blocked", Reason: v2FrameDeadline, Intermittent: true},
	{Case: "deadline.write.extended-while-blocked", Reason: v2FrameDeadline, Intermittent: true},
	{Case: "closed.write.close-unblocks-is-errclosed", Reason: pipeErr},
	{Case: "conn.read.concurrent-readers", Reason: v2UpdateOrder, Intermittent: true},
	// Found by the explorer (harness/explore), checked against stream.go.
	{Case: "explore.halfclose.write-fails", Reason: "writeV2 returns 0, nil for an empty buffer before checking whether the write side is closed (stream.go: \"check empty input\"), so a Write of nothing after CloseWrite succeeds"},
	{Case: "explore.stream.no-cause", Reason: halfBoth},
	{Case: "explore.read.eof-sticky", Reason: halfBoth},
	{Case: "explore.read.eof-after-fin", Reason: "data loss: once both ends sent FIN (the peer's FIN received, then this end's CloseWrite), tryHalfCloseCleanup closes s.die and calls Session.streamClosed, whose recycleTokens pops and frees every buffered, unread byte (session.go streamClosed, stream.go recycleTokens); the next Read finds the ring empty and s.die closed and returns io.EOF (tryReadV2), so bytes the peer wrote before its FIN are never read"},
	{Case: "explore.write.accepted", Reason: "data loss, as explore.read.eof-after-fin: a Write blocked on flow control when the stream's CloseWrite completes both FINs returns the bytes it queued (writeV2 sees s.die: n, io.ErrClosedPipe), but the peer, which has both FINs too, frees them unread (streamClosed, recycleTokens) and reads io.EOF, so the peer never reads bytes the Write reported written"},
}

// The server session seen as a listener (session.go).
const (
	sessionClosed = "AcceptStream on a closed session returns io.ErrClosedPipe (<-s.die), not an error wrapping net.ErrClosed — usually: it selects on s.die and chSocketReadError together (session.go AcceptStream), and Close also closes the session's conn, whose recvLoop then fails with net.ErrClosed (\"use of closed network connection\"), so when that case wins Accept's error does wrap net.ErrClosed"
)

// known are the divergences of both protocol versions.
var known = []harness.Known{
	{Case: "listener.accept.after-close-is-errclosed", Reason: sessionClosed, Intermittent: true},
	{Case: "listener.close.unblocks-accept-is-errclosed", Reason: sessionClosed, Intermittent: true},
	{Case: "listener.close.twice", Reason: "a second Session.Close returns io.ErrClosedPipe (dieOnce already ran), not net.ErrClosed"},
	{Case: "listener.setdeadline.after-close", Reason: "Session.SetDeadline stores the accept deadline without checking the session's state, so it returns nil after Close"},
	{Case: "listener.accept.conn-survives-close", Reason: "the session is the listener: Session.Close closes every stream it carries (sessionClose), accepted ones included"},
	{Case: "deadline.accept.future-fires", Reason: "AcceptStream's deadline fails with smux's own ErrTimeout, which does not wrap os.ErrDeadlineExceeded", Link: pr99},
	{Case: "closed.close.twice", Reason: "a second Close returns io.ErrClosedPipe, not net.ErrClosed"},
	{Case: "closed.read.after-close-is-errclosed", Reason: eofErr},
	{Case: "closed.read.close-unblocks-is-errclosed", Reason: pipeErr},
	{Case: "closed.read.zero-length-after-close", Reason: "Read(nil) returns 0, nil before any state check (tryReadV2), even after Close"},
	{Case: "closed.setdeadline.after-close", Reason: "SetDeadline stores the time without checking the stream's state, so it returns nil after Close"},
	{Case: "closed.write.after-close-is-errclosed", Reason: pipeErr},
	{Case: "closed.writeto.after-close", Reason: pipeErr},
	{Case: "conn.copy.to-writer", Reason: "io.Copy out of a stream calls its WriteTo, which returns waitRead's io.EOF when the peer's FIN arrives (writeToV2), so io.Copy reports io.EOF where a successful copy returns nil (io.WriterTo: until there's no more data to write)", Link: issue114},
	{Case: "conn.write.concurrent-no-interleave", Reason: "Write cuts a buffer into frameSize (32 KiB) frames and writes them without a per-Write lock, so concurrent Writes interleave"},
	{Case: "deadline.concurrent.only-timeouts", Reason: timedOutSent + "; whether a churned deadline fires in that window, after a frame was queued and before sendLoop wrote it, is a race: nearly every run hits it (the peer reads a 16 KiB frame twice), one client run in about sixty finished the transfer", Link: issue51, Intermittent: true},
	{Case: "deadline.read.future-fires", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.read.one-deadline-many-readers", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.read.past", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.read.past-unblocks-blocked", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.read.past-with-data", Reason: "with an expired deadline Read consumes the queued data and returns it together with ErrTimeout: the window update it then sends fails on the deadline (tryReadV2)"},
	{Case: "deadline.read.expired-stays-expired", Reason: "with an expired deadline Read consumes the queued data and returns it together with ErrTimeout: the window update it then sends fails on the deadline (tryReadV2)", Intermittent: true}, // as deadline.read.past-with-data; shows when the peer's data reached the stream before the second Read, which a user-space stack gives no way to observe
	{Case: "deadline.read.reusable-after-timeout", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.setdeadline.both-directions", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.write.future-fires", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.write.partial-then-continue", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.write.past", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.write.past-unblocks-blocked", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.write.zero-length-past", Reason: "Write(nil) sends nothing and returns 0, nil before looking at the deadline"},
	{Case: "eof.write.after-peer-close-fails", Reason: writeVoid},
	{Case: "halfclose.closewrite.after-close", Reason: pipeErr},
	{Case: "halfclose.closewrite.twice", Reason: "a second CloseWrite fails with io.ErrClosedPipe where shutdown(2) succeeds again"},
	{Case: "halfclose.write.after-closewrite-is-epipe", Reason: "Write after CloseWrite fails with io.ErrClosedPipe, not EPIPE"},
	// Found by the explorer (harness/explore), checked against stream.go and session.go.
	{Case: "explore.deadline.exceeded", Reason: timeoutErr + " (Read, Write and AcceptStream; as deadline.read.past and deadline.accept.future-fires)", Link: pr99},
	{Case: "explore.closed.read-class", Reason: pipeErr + " (a Read blocked when Close comes; as closed.read.close-unblocks-is-errclosed)"},
	{Case: "explore.closed.write-class", Reason: pipeErr + " (as closed.write.after-close-is-errclosed)"},
	{Case: "explore.closed.close-twice", Reason: "a second Close of a stream returns io.ErrClosedPipe, not net.ErrClosed (as closed.close.twice); so does a second Session.Close (listener.close.twice)"},
	{Case: "explore.closed.ctl-class", Reason: pipeErr + " from CloseWrite after Close (as halfclose.closewrite.after-close); Session.SetDeadline after Close returns nil (as listener.setdeadline.after-close)"},
	{Case: "explore.listener.accept-closed-class", Reason: sessionClosed, Intermittent: true},
	{Case: "explore.listener.accept-after-close", Reason: "AcceptStream (session.go) selects on chAccepts and s.die together, so once the session is closed an Accept with a stream already queued returns it whenever Go's select picks that case (at random among ready cases) instead of failing: Accept after Close can succeed"},
	{Case: "explore.deadline.unblocks", Reason: "AcceptStream reads the accept deadline once, when it starts (session.go: the timer is made before the select), so a deadline set while an Accept is blocked does not release it"},
	{Case: "explore.closed.write-fails", Reason: "writeV1 and writeV2 return 0, nil for an empty buffer before checking whether the stream is closed (stream.go: \"check empty input\"), so a Write of nothing after Close succeeds"},
	{Case: "explore.closed.close-nil", Reason: "the session is the listener: once Session.Close tore down the session's conn, a stream's first Close fails with the error of sending its FIN frame on it (stream.go Close → writeFrame: EPIPE or io.ErrClosedPipe) instead of returning nil"},
	{Case: "explore.listener.close-keeps-conns", Reason: "the session is the listener: Session.Close closes every stream it carries (sessionClose), accepted ones included (as listener.accept.conn-survives-close)"},
	{Case: "explore.write.peer-closed", Reason: writeVoid + " (as eof.write.after-peer-close-fails)"},
}

// halfBoth was found by the explorer: CloseWrite on both ends, read to
// EOF, read again.
const halfBoth = "once both ends sent FIN, tryHalfCloseCleanup closes s.die and removes the stream (stream.go), and waitRead selects on chFinEvent and s.die together, so a Read (or io.Copy through WriteTo) after io.EOF returns io.ErrClosedPipe whenever select picks s.die: EOF is not sticky, and the stream fails with no cause of its own"
