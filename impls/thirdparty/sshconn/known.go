package sshconn

import "github.com/netconform/netconform/harness"

// Divergences verified against x/crypto/ssh v0.58.0's source (tcpip.go,
// channel.go, buffer.go) and its issue tracker.
const (
	issue65930 = "https://github.com/golang/go/issues/65930"
	noDeadline = "deadlines are not supported: SetDeadline, SetReadDeadline and SetWriteDeadline return \"ssh: tcpChan: deadline not supported\" and I/O never times out"
	eofErr     = "a closed channel returns io.EOF from Read and Write, not net.ErrClosed"
)

var known = []harness.Known{
	{Case: "conn.write.concurrent-no-interleave", Reason: "channel.WriteExtended sends one window-sized packet at a time and holds writeMu per packet only, so concurrent Writes interleave when they wait for window (ssh/channel.go)", Intermittent: true},
	{Case: "fault.deadline.silent-link", Reason: noDeadline, Link: issue65930},
	{Case: "closed.close.twice", Reason: "a second Close returns io.EOF (the channel already sent its close), not net.ErrClosed"},
	{Case: "closed.read.after-close-is-errclosed", Reason: eofErr},
	{Case: "closed.read.close-unblocks-is-errclosed", Reason: eofErr},
	{Case: "closed.read.close-unblocks-many", Reason: "Close wakes one of ten blocked Reads: the channel buffer's eof() calls Cond.Signal, not Broadcast (buffer.go), so the others stay blocked"},
	{Case: "closed.read.zero-length-after-close", Reason: "Read(nil) returns 0, nil before looking at the channel's state"},
	{Case: "closed.setdeadline.after-close", Reason: noDeadline, Link: issue65930},
	{Case: "closed.write.after-close-is-errclosed", Reason: eofErr},
	{Case: "closed.write.close-unblocks-is-errclosed", Reason: eofErr},
	{Case: "conn.read.buffer-not-retained-after-timeout", Reason: noDeadline, Link: issue65930},
	{Case: "conn.methods.concurrent", Reason: "the case releases its goroutines with deadlines, which are not supported, so they stay blocked", Link: issue65930},
	{Case: "conn.read.concurrent-readers", Reason: "the case releases its goroutines with deadlines, which are not supported, so they stay blocked", Link: issue65930},
	{Case: "deadline.concurrent.only-timeouts", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.read.cleared-past-blocks", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.read.cleared-while-blocked", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.read.extended-while-blocked", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.read.future-fires", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.read.one-deadline-many-readers", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.read.past", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.read.moved-at-expiry", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.read.past-unblocks-blocked", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.read.past-with-data", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.read.reusable-after-timeout", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.read.write-unaffected", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.read.zero-length-past", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.setdeadline.both-directions", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.write.cleared-past-blocks", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.write.cleared-while-blocked", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.write.extended-while-blocked", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.write.future-fires", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.write.partial-then-continue", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.write.past", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.read.expired-stays-expired", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.read.survives-write-cleared", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.write.survives-read-cleared", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.write.past-unblocks-blocked", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.write.read-unaffected", Reason: noDeadline, Link: issue65930},
	{Case: "deadline.write.zero-length-past", Reason: noDeadline, Link: issue65930},
	{Case: "dial.address.bad-port", Reason: "the port is parsed by strconv in the client, whose *strconv.NumError is not a *net.AddrError"},
	{Case: "dial.connect.refused-is-econnrefused", Reason: "the server's ECONNREFUSED reaches the client as the text of an ssh.OpenChannelError (\"connect failed\"), with no errno"},
	{Case: "dial.network.unknown", Reason: "an unknown network fails with \"ssh: unsupported protocol\", not net.UnknownNetworkError"},
	{Case: "halfclose.closewrite.after-close", Reason: "CloseWrite on a closed channel returns io.EOF, not net.ErrClosed"},
	{Case: "halfclose.write.after-closewrite-is-epipe", Reason: "Write after CloseWrite returns io.EOF, not EPIPE"},
	{Case: "state.close.unread-data-peer-reset", Reason: "an SSH channel cannot carry an abort: closing it with unread data makes the server close the target with a FIN, never an RST"},
	// Found by the explorer (harness/explore), checked against channel.go and buffer.go.
	{Case: "explore.closed.read-class", Reason: eofErr + " (as closed.read.after-close-is-errclosed; io.Copy out of a closed channel therefore returns nil)"},
	{Case: "explore.closed.write-class", Reason: eofErr + " (as closed.write.after-close-is-errclosed)"},
	{Case: "explore.deadline.set-nil", Reason: noDeadline + " (as deadline.read.past and the other deadline cases)", Link: issue65930},
	{Case: "explore.closed.read-fails", Reason: "channel.Close only sends channelCloseMsg (channel.go Close) and leaves the receive buffer as it is, and buffer.Read returns buffered bytes before it looks at closed (buffer.go Read), so a Read after the channel's own Close returns data the peer wrote before it instead of an error"},
	{Case: "explore.closed.read-zero-fails", Reason: "buffer.Read loops only while len(buf) > 0 (buffer.go Read), so a Read of an empty buffer returns 0, nil without looking at the channel's state, even after Close"},
	{Case: "explore.halfclose.write-epipe", Reason: "Write after CloseWrite returns io.EOF (channel.go WriteExtended: sentEOF), not EPIPE (as halfclose.write.after-closewrite-is-epipe)"},
	{Case: "explore.write.peer-closed", Reason: "a Write to a channel the peer closed fails with io.EOF (the remote window is closed: common.go window.reserve), not EPIPE or ECONNRESET"},
	{Case: "explore.closed.ctl-class", Reason: "CloseWrite on a closed channel returns io.EOF, not net.ErrClosed (as halfclose.closewrite.after-close)"},
	{Case: "explore.closed.write-fails", Reason: "WriteExtended checks only sentEOF (set by CloseWrite, not by Close) before its loop over the data (channel.go WriteExtended), so a Write of an empty buffer after Close returns 0, nil"},
	{Case: "explore.closed.close-nil", Reason: "when the peer's CHANNEL_CLOSE arrives the mux answers it at once with its own (channel.go handlePacket, case msgChannelClose: ch.sendMessage(channelCloseMsg)), which sets sentClose, so the user's first Close then fails with io.EOF (writePacket: if ch.sentClose { return io.EOF }); whether the peer's close arrived before Close is a race", Intermittent: true},
	{Case: "explore.closed.close-twice", Reason: "a second Close returns io.EOF (writePacket: sentClose), not net.ErrClosed (as closed.close.twice)"},
}
