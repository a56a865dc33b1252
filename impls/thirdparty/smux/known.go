package smux

import "github.com/netconform/netconform/harness"

// Divergences verified against smux v1.5.56's source (stream.go) and its
// issue tracker.
const (
	pr99       = "https://github.com/xtaci/smux/pull/99"
	timeoutErr = "deadlines fail with smux's own ErrTimeout (a net.Error with Timeout() true since PR #99), which does not wrap os.ErrDeadlineExceeded"
	pipeErr    = "a closed stream fails with io.ErrClosedPipe (waitRead and Write select on s.die), not net.ErrClosed"
	eofErr     = "Read on a closed stream returns io.EOF (tryReadV2: <-s.die → io.EOF), not net.ErrClosed"
)

var known = []harness.Known{
	{Case: "closed.close.twice", Reason: "a second Close returns io.ErrClosedPipe, not net.ErrClosed"},
	{Case: "closed.read.after-close-is-errclosed", Reason: eofErr},
	{Case: "closed.read.close-unblocks-is-errclosed", Reason: pipeErr},
	{Case: "closed.read.zero-length-after-close", Reason: "Read(nil) returns 0, nil before any state check (tryReadV2), even after Close"},
	{Case: "closed.setdeadline.after-close", Reason: "SetDeadline stores the time without checking the stream's state, so it returns nil after Close"},
	{Case: "closed.write.after-close-is-errclosed", Reason: pipeErr},
	{Case: "closed.write.close-unblocks-is-errclosed", Reason: pipeErr},
	{Case: "conn.write.concurrent-no-interleave", Reason: "Write cuts a buffer into frameSize (32 KiB) frames and writes them without a per-Write lock, so concurrent Writes interleave"},
	{Case: "deadline.read.extended-while-blocked", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.read.future-fires", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.read.one-deadline-many-readers", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.read.past", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.read.past-unblocks-blocked", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.read.past-with-data", Reason: "with an expired deadline Read consumes the queued data and returns it together with ErrTimeout: the window update it then sends fails on the deadline (tryReadV2)"},
	{Case: "deadline.read.reusable-after-timeout", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.setdeadline.both-directions", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.write.future-fires", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.write.partial-then-continue", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.write.past", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.write.past-unblocks-blocked", Reason: timeoutErr, Link: pr99},
	{Case: "deadline.write.zero-length-past", Reason: "Write(nil) sends nothing and returns 0, nil before looking at the deadline"},
	{Case: "halfclose.closewrite.after-close", Reason: pipeErr},
	{Case: "halfclose.closewrite.twice", Reason: "a second CloseWrite fails with io.ErrClosedPipe where shutdown(2) succeeds again"},
	{Case: "halfclose.write.after-closewrite-is-epipe", Reason: "Write after CloseWrite fails with io.ErrClosedPipe, not EPIPE"},
}
