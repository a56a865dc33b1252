package websocket

import "github.com/netconform/netconform/harness"

// Divergences verified against coder/websocket v1.8.15's source
// (netconn.go, close.go, conn.go) and NetConn's documentation, which
// states that a deadline hit during an active Read or Write closes the
// connection.
const (
	netconnDoc = "https://pkg.go.dev/github.com/coder/websocket#NetConn"
	// An expired deadline with no call in progress sets a flag that the
	// next call reports as fmt.Errorf("failed to read: %w", context.DeadlineExceeded).
	ctxDeadline = "an expired deadline fails the next call with an error wrapping context.DeadlineExceeded, not os.ErrDeadlineExceeded"
	// A deadline that fires during a call cancels the call's context: the
	// call returns context.Canceled and the WebSocket is torn down.
	ctxCanceled    = "a deadline that fires during a blocked call cancels its context: the call returns context.Canceled (Timeout() false) and the connection is closed, as NetConn's documentation warns"
	pastTimer      = "a deadline set in the past arms a 1 ns timer whose callback marks the deadline expired; a call that starts before the callback runs has its context cancelled by it instead and fails with context.Canceled (Timeout() false): \"failed to get reader: context canceled\""
	closeCanceled  = "Close cancels the read and write contexts: a blocked or later call returns context.Canceled (\"failed to acquire lock: context canceled\"), not net.ErrClosed"
	closeHandshake = "Close runs the WebSocket close handshake and waits up to 5s (close.go waitCloseHandshake) for the peer's close frame; a peer that is not reading makes Close return \"failed to close WebSocket: context deadline exceeded\" after 5s"
)

var known = []harness.Known{
	{Case: "closed.close.returns-nil", Reason: closeHandshake},
	{Case: "closed.read.after-close-is-errclosed", Reason: closeCanceled, Intermittent: true},
	{Case: "closed.read.close-unblocks-is-errclosed", Reason: closeCanceled},
	{Case: "closed.read.zero-length-after-close", Reason: closeCanceled, Intermittent: true},
	{Case: "closed.setdeadline.after-close", Reason: "SetDeadline only resets timers and never fails, even after Close"},
	// The lock the call takes after Close selects between the free lock
	// and the cancelled context, so some runs see the closed socket's
	// net.ErrClosed and others context.Canceled.
	{Case: "closed.write.after-close-is-errclosed", Reason: closeCanceled + "; which of the two wins is a select race in the library's lock (conn.go mu.lock)", Intermittent: true},
	{Case: "closed.write.close-unblocks-is-errclosed", Reason: closeCanceled},
	{Case: "conn.read.buffer-not-retained-after-timeout", Reason: ctxCanceled, Link: netconnDoc},
	// The churn's deadlines fire either between calls (a flag the next
	// call reports) or during one (the context is cancelled and the
	// connection closed): the readTimer and writeTimer callbacks pick by
	// whether they get the call's lock (netconn.go).
	{Case: "deadline.concurrent.only-timeouts", Reason: ctxCanceled + "; whether a churned deadline expires while a Read or Write holds the netConn's lock or between calls is a race, so some runs finish the transfer", Link: netconnDoc, Intermittent: true},
	{Case: "conn.methods.concurrent", Reason: "deadlines that fire while another goroutine reads or writes close the connection (documented), so the round trip after the rounds finds it closed", Link: netconnDoc},
	{Case: "deadline.read.extended-while-blocked", Reason: ctxCanceled, Link: netconnDoc},
	// Found by deadline.read.moved-at-expiry in round 1 or 2 of 200 on
	// every role of the first runs.
	{Case: "deadline.read.moved-at-expiry", Reason: "SetReadDeadline resets readTimer, a time.AfterFunc, but a callback the old deadline already started still runs after the move: it finds the read lock held by the Read that started since and cancels the read context, so that Read, with an hour to go, fails with \"failed to get reader: context canceled\" and the connection is closed (netconn.go readTimer; " + pastTimer + ")", Link: netconnDoc, Intermittent: true},
	{Case: "deadline.read.future-fires", Reason: ctxCanceled, Link: netconnDoc},
	{Case: "deadline.read.expired-stays-expired", Reason: ctxCanceled, Link: netconnDoc},
	{Case: "deadline.read.one-deadline-many-readers", Reason: ctxCanceled, Link: netconnDoc},
	{Case: "deadline.read.past", Reason: ctxDeadline},
	{Case: "deadline.read.past-unblocks-blocked", Reason: ctxCanceled, Link: netconnDoc},
	{Case: "deadline.read.past-with-data", Reason: ctxDeadline},
	{Case: "deadline.read.reusable-after-timeout", Reason: ctxDeadline},
	// A past deadline arms a 1 ns timer (netconn.go: dur <= 0 → 1). When
	// its callback runs before the next call, it sets the expired flag
	// and the call fails with the flag's error (allowed here); when the
	// call takes the lock first, the callback cancels the call's context.
	// Seen in 2 of 5 full reports under load.
	{Case: "deadline.read.survives-write-cleared", Reason: pastTimer, Link: netconnDoc, Intermittent: true},
	{Case: "deadline.write.survives-read-cleared", Reason: pastTimer, Link: netconnDoc, Intermittent: true},
	{Case: "deadline.read.zero-length-past", Reason: "Read(nil) checks the expired deadline first and fails with context.DeadlineExceeded instead of returning 0, nil"},
	{Case: "deadline.setdeadline.both-directions", Reason: ctxDeadline},
	{Case: "deadline.write.extended-while-blocked", Reason: ctxCanceled, Link: netconnDoc},
	{Case: "deadline.write.future-fires", Reason: ctxCanceled, Link: netconnDoc},
	{Case: "deadline.write.partial-then-continue", Reason: ctxCanceled, Link: netconnDoc},
	{Case: "deadline.write.past", Reason: ctxDeadline},
	{Case: "deadline.write.past-unblocks-blocked", Reason: ctxCanceled, Link: netconnDoc},
	{Case: "deadline.write.zero-length-past", Reason: ctxDeadline},
	{Case: "eof.read.zero-length", Reason: "Read loops while the message reader returns 0 bytes (netconn.go Read), so Read(nil) blocks until a message arrives"},
	// Found by the explorer (harness/explore), checked against netconn.go and close.go.
	{Case: "explore.stream.no-cause", Reason: ctxCanceled + " (as deadline.read.past-unblocks-blocked): the call fails with context.Canceled, which is no deadline error"},
	{Case: "explore.closed.read-class", Reason: closeCanceled + " (as closed.read.close-unblocks-is-errclosed)"},
	{Case: "explore.conn.ctl-returns", Reason: closeHandshake + "; with a Write blocked (the peer not reading) the close frame waits for the write lock first (close.go writeClose, writeControl)"},
	{Case: "explore.closed.write-class", Reason: closeCanceled + " (as closed.write.after-close-is-errclosed)"},
	{Case: "explore.deadline.exceeded", Reason: ctxDeadline + " (as deadline.read.past); and SetWriteDeadline/SetReadDeadline with a past time arm a timer of 1 ns (netconn.go: dur <= 0 → 1) whose callback sets the expired flag later, so a call right after the deadline was set in the past can still succeed"},
	{Case: "explore.closed.ctl-class", Reason: "SetDeadline only resets timers and never fails, even after Close (as closed.setdeadline.after-close)"},
	{Case: "explore.write.accepted", Reason: "netConn.Write returns 0 with the error when the message write fails (netconn.go Write: if err != nil { return 0, err }), though part of the message may already be on the wire and read by the peer, so n under-reports; seen with Close during a blocked 1 MiB Write"},
	{Case: "explore.closed.close-nil", Reason: "once the peer's close frame was read, the reader answers it and closes the conn itself (read.go handleControl: writeClose, casClosing, c.close), so the user's first Close then fails with net.ErrClosed (close.go Close: casClosing already set)"},
}
