package goyamux

import "github.com/netconform/netconform/harness"

// Divergences verified against go-yamux v5.1.0's source (stream.go,
// util.go) and its history.
const (
	pr62       = "https://github.com/libp2p/go-yamux/pull/62"
	pr5        = "https://github.com/libp2p/go-yamux/pull/5"
	timeoutErr = "deadlines fail with go-yamux's own ErrTimeout (Timeout() true), which does not wrap os.ErrDeadlineExceeded"
	resetErr   = "the read side of a closed stream is reset: Read returns ErrStreamReset (\"stream reset\"), not net.ErrClosed or io.EOF (PR #5 split Close into CloseRead + CloseWrite)"
	closedErr  = "Write on a closed stream returns ErrStreamClosed (\"stream closed\"), not net.ErrClosed"
	lostWakeup = "readers and writers wait on capacity-1 notify channels that wake one waiter, and PR #62 removed the chained wake-up in Read, so with several blocked goroutines the others are never woken"
	goAway     = "the session is the listener: after Close, Accept fails with a GoAwayError (\"sent go away\"), not net.ErrClosed"
	pr105      = "https://github.com/libp2p/go-yamux/pull/105"
	// Close is CloseRead (local only) + CloseWrite; the stream then leaves
	// the session, which drains data for unknown streams.
	writeVoid = "Writes to a stream whose peer fully closed keep succeeding: the peer's Close is CloseRead, which does not notify the remote (stream.go), plus CloseWrite's FIN, after which the stream leaves the session, and handleStreamMessage drains and drops data for a stream it no longer has without sending RST (session.go); once the send window is used up, Write blocks for good"
	// Read commits the window credit before it sends the update.
	lostCredit = "Read sends its window update under the read deadline (PR #105): GrowTo adds the credit to the receive window first, and when the deadline has passed sendMsg drops the update with ErrTimeout, so the credit is never sent again; the writer's window shrinks by it for good, and under churning deadlines it reaches zero and the transfer stalls (util.go GrowTo, stream.go sendWindowUpdate); whether a deadline expires between Read taking data and queueing the update is a race"
)

var known = []harness.Known{
	{Case: "closed.close.twice", Reason: "Stream.Close is idempotent: a second Close returns nil"},
	{Case: "closed.read.after-close-is-errclosed", Reason: resetErr, Link: pr5},
	{Case: "closed.read.close-unblocks-is-errclosed", Reason: resetErr, Link: pr5},
	{Case: "closed.read.close-unblocks-many", Reason: "Close wakes one of ten blocked Reads; " + lostWakeup, Link: pr62, Intermittent: true},
	{Case: "closed.read.zero-length-after-close", Reason: resetErr, Link: pr5},
	{Case: "closed.setdeadline.after-close", Reason: "SetDeadline does not check the stream's state, so it returns nil after Close"},
	{Case: "closed.write.after-close-is-errclosed", Reason: closedErr},
	{Case: "closed.write.close-unblocks-is-errclosed", Reason: closedErr},
	{Case: "conn.write.concurrent-no-interleave", Reason: "eight concurrent Writes stall for good: window updates wake one waiting writer; " + lostWakeup, Link: pr62, Intermittent: true},
	{Case: "deadline.concurrent.only-timeouts", Reason: lostCredit, Link: pr105, Intermittent: true},
	{Case: "deadline.read.future-fires", Reason: timeoutErr},
	{Case: "deadline.read.one-deadline-many-readers", Reason: timeoutErr},
	{Case: "deadline.read.past", Reason: timeoutErr},
	{Case: "deadline.read.past-unblocks-blocked", Reason: timeoutErr},
	{Case: "deadline.read.past-with-data", Reason: "Read returns buffered data before looking at the deadline, which it only consults while waiting (stream.go Read)"},
	{Case: "deadline.read.expired-stays-expired", Reason: "Read returns buffered data before looking at the deadline, which it only consults while waiting (stream.go Read)", Intermittent: true}, // as deadline.read.past-with-data; shows when the peer's data reached the stream before the second Read, which a user-space stack gives no way to observe
	{Case: "deadline.read.reusable-after-timeout", Reason: timeoutErr},
	{Case: "deadline.read.zero-length-past", Reason: "Read(nil) waits like any Read, so with an expired deadline it returns ErrTimeout instead of 0, nil"},
	{Case: "deadline.setdeadline.both-directions", Reason: timeoutErr},
	{Case: "deadline.write.future-fires", Reason: timeoutErr},
	{Case: "deadline.write.partial-then-continue", Reason: timeoutErr},
	{Case: "deadline.write.past", Reason: timeoutErr},
	{Case: "deadline.write.past-unblocks-blocked", Reason: timeoutErr},
	{Case: "deadline.write.zero-length-past", Reason: "Write(nil) returns 0, nil before looking at the deadline"},
	{Case: "eof.read.zero-length", Reason: "Read(nil) with nothing buffered waits for data instead of returning 0, nil at once"},
	{Case: "eof.write.after-peer-close-fails", Reason: writeVoid, Link: pr5},
	{Case: "halfclose.closeread.after-close", Reason: "CloseRead on a closed stream returns nil"},
	{Case: "halfclose.closeread.queued-data-first", Reason: "CloseRead resets the read side: queued data is dropped and Read returns ErrStreamReset", Link: pr5},
	{Case: "halfclose.closeread.read-returns-eof", Reason: resetErr, Link: pr5},
	{Case: "halfclose.closewrite.after-close", Reason: "CloseWrite on a closed stream returns nil"},
	{Case: "halfclose.write.after-closewrite-is-epipe", Reason: closedErr},
	{Case: "listener.accept.after-close-is-errclosed", Reason: goAway},
	{Case: "listener.accept.conn-survives-close", Reason: "the session is the listener: Session.Close sends GoAway and closes every stream, accepted ones included"},
	{Case: "listener.close.twice", Reason: "Session.Close is idempotent: a second Close returns nil"},
	{Case: "listener.close.unblocks-accept-is-errclosed", Reason: goAway},
	// Found by the explorer (harness/explore), checked against stream.go and session.go.
	{Case: "explore.deadline.exceeded", Reason: timeoutErr + " (as deadline.read.past)"},
	{Case: "explore.closed.read-class", Reason: resetErr + " (as closed.read.close-unblocks-is-errclosed)", Link: pr5},
	{Case: "explore.closed.write-class", Reason: closedErr + " (as closed.write.close-unblocks-is-errclosed)"},
	{Case: "explore.listener.accept-closed-class", Reason: goAway},
	{Case: "explore.listener.close-keeps-conns", Reason: "the session is the listener: Session.Close closes every stream it carries, accepted ones included (as listener.accept.conn-survives-close)"},
	{Case: "explore.listener.accept-after-close", Reason: "AcceptStream (session.go) selects on acceptCh and shutdownCh together, so once the session is closed an Accept with a stream already queued returns it whenever Go's select picks that case (at random among ready cases) instead of failing: Accept after Close can succeed"},
	{Case: "explore.closed.close-twice", Reason: "Session.Close (the listener) is idempotent: a second Close returns nil (as listener.close.twice)"},
	{Case: "explore.closed.ctl-class", Reason: "CloseWrite after Close returns nil: the stream's write side is already closed and CloseWrite does not report it (as halfclose.closewrite.after-close)"},
	{Case: "explore.closed.write-fails", Reason: "Stream.Write loops while the buffer has bytes left (stream.go Write), so a Write of an empty buffer returns 0, nil without looking at the stream's state, even after Close"},
	{Case: "explore.closed.close-nil", Reason: "the session is the listener: once Session.Close tore the session down, a stream's first Close fails with the session's error (io.EOF from the conn underneath) instead of returning nil"},
	{Case: "explore.write.peer-closed", Reason: writeVoid + " (as eof.write.after-peer-close-fails)"},
	{Case: "explore.halfclose.write-fails", Reason: "Stream.Write loops while total < len(b) (stream.go Write), so a Write of an empty buffer returns 0, nil without looking at the stream's state, even after CloseWrite"},
}
