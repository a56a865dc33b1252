package yamux

import "github.com/netconform/netconform/harness"

// Divergences verified against yamux v0.1.2's source (stream.go, const.go,
// session.go) and its issue tracker.
const (
	issue156   = "https://github.com/hashicorp/yamux/issues/156"
	issue51    = "https://github.com/hashicorp/yamux/issues/51"
	timeoutErr = "deadlines fail with yamux's own ErrTimeout (*NetError, Timeout() true), which does not wrap os.ErrDeadlineExceeded"
	closedErr  = "a closed stream fails with yamux's own ErrStreamClosed (\"stream closed\"), not net.ErrClosed"
	dataFirst  = "Read returns buffered data before looking at the deadline, which it only consults while waiting (stream.go Read)"
	writeFirst = "Write sends while the window allows before looking at the deadline, so a past write deadline does not stop it"
	sessionErr = "the session is the listener: after Close, Accept fails with ErrSessionShutdown (\"session shutdown\"), not net.ErrClosed"
)

// Close closes the write side only (see harness.CloseHalf).
const halfClose = "Stream.Close sends FIN and waits for the peer's: Close only closes the write side, as documented, so a blocked Read is not released and a later Read does not fail — which breaks net.Conn's contract (\"any blocked Read or Write operations will be unblocked and return errors\")"

// The same half close seen from the other end: a peer that called Close
// still reads, so nothing tells the writer its data goes nowhere.
const peerHalfClose = "the peer's Close only sends FIN (streamLocalClose, stream.go Close): its read side stays open and buffers the data for a Read that may still come, so Writes to a peer that closed keep succeeding until the 256 KiB stream window is used up, then block; only the peer's StreamCloseTimeout (5 minutes by default, closeTimeout) resets the stream"
const issue133 = "https://github.com/hashicorp/yamux/issues/133"

var known = []harness.Known{
	{Case: "closed.read.after-close", Reason: halfClose},
	{Case: "closed.read.after-close-is-errclosed", Reason: halfClose},
	{Case: "closed.read.close-unblocks", Reason: halfClose},
	{Case: "closed.read.close-unblocks-is-errclosed", Reason: halfClose},
	{Case: "closed.read.close-unblocks-many", Reason: halfClose},
	{Case: "closed.read.zero-length-after-close", Reason: halfClose},
	{Case: "deadline.read.cleared-past-blocks", Reason: halfClose},
	{Case: "eof.write.after-peer-close-fails", Reason: peerHalfClose, Link: issue133},
	{Case: "closed.close.twice", Reason: "Stream.Close is idempotent: a second Close returns nil"},
	{Case: "closed.setdeadline.after-close", Reason: "SetDeadline stores the time without checking the stream's state, so it returns nil after Close"},
	{Case: "closed.write.after-close-is-errclosed", Reason: closedErr},
	{Case: "closed.write.close-unblocks-is-errclosed", Reason: closedErr},
	{Case: "deadline.read.future-fires", Reason: timeoutErr, Link: issue156},
	{Case: "deadline.read.one-deadline-many-readers", Reason: timeoutErr, Link: issue156},
	{Case: "deadline.read.past", Reason: timeoutErr, Link: issue156},
	{Case: "deadline.read.past-unblocks-blocked", Reason: timeoutErr, Link: issue156},
	{Case: "deadline.read.past-with-data", Reason: dataFirst, Link: issue51},
	{Case: "deadline.read.expired-stays-expired", Reason: dataFirst, Link: issue51, Intermittent: true}, // as deadline.read.past-with-data; shows when the peer's data reached the stream before the second Read, which a user-space stack gives no way to observe
	{Case: "deadline.read.reusable-after-timeout", Reason: timeoutErr, Link: issue156},
	{Case: "deadline.read.zero-length-past", Reason: "Read(nil) waits like any Read, so with an expired deadline it returns ErrTimeout instead of 0, nil", Link: issue156},
	{Case: "deadline.setdeadline.both-directions", Reason: timeoutErr, Link: issue156},
	{Case: "deadline.write.future-fires", Reason: timeoutErr, Link: issue156},
	{Case: "deadline.write.partial-then-continue", Reason: timeoutErr, Link: issue156},
	{Case: "deadline.write.past", Reason: writeFirst, Link: issue51},
	{Case: "deadline.write.survives-read-cleared", Reason: writeFirst, Link: issue51},
	{Case: "deadline.write.past-unblocks-blocked", Reason: timeoutErr, Link: issue156},
	{Case: "deadline.write.zero-length-past", Reason: writeFirst, Link: issue51},
	{Case: "eof.read.zero-length", Reason: "Read(nil) with nothing buffered waits for data instead of returning 0, nil at once (stream.go Read: an empty buffer goes to WAIT)"},
	{Case: "listener.accept.after-close-is-errclosed", Reason: sessionErr},
	{Case: "listener.accept.conn-survives-close", Reason: "the session is the listener: Session.Close closes every stream it carries, accepted ones included"},
	{Case: "listener.close.twice", Reason: "Session.Close is idempotent: a second Close returns nil"},
	{Case: "listener.close.unblocks-accept-is-errclosed", Reason: sessionErr},
	// Found by the explorer (harness/explore), checked against session.go and stream.go.
	{Case: "explore.deadline.exceeded", Reason: timeoutErr + " (as deadline.read.past and the other deadline cases)", Link: issue156},
	{Case: "explore.closed.close-twice", Reason: "Stream.Close and Session.Close (the listener) are idempotent: a second Close returns nil (as closed.close.twice and listener.close.twice)"},
	{Case: "explore.listener.accept-closed-class", Reason: sessionErr},
	{Case: "explore.listener.accept-after-close", Reason: acceptRace},
	{Case: "explore.closed.write-fails", Reason: "Stream.Write loops while total < len(b) (stream.go Write), so a Write of an empty buffer returns 0, nil without looking at the stream's state, even after Close"},
	{Case: "explore.listener.close-keeps-conns", Reason: "the session is the listener: Session.Close closes every stream it carries, accepted ones included (as listener.accept.conn-survives-close)"},
}

// acceptRace was found by the explorer: Dial, Close the listener, Accept.
const acceptRace = "Session.AcceptStream (session.go) selects on acceptCh and shutdownCh together, so once the session is closed an Accept with a stream already queued returns that stream whenever Go's select picks its case (at random among ready cases) instead of failing: Accept after Close can succeed"
