package gvisor

import "github.com/netconform/netconform/harness"

// Divergences verified against gonet's source (gonet.go) at the pinned
// gVisor version, and its issue tracker.
const (
	timeoutErr = "deadlines fail with gonet's own timeoutError (\"how the net package reports timeouts\" before Go 1.15), which does not wrap os.ErrDeadlineExceeded"
	eofAfter   = "Read on a closed endpoint gets tcpip.ErrClosedForReceive, which gonet maps to io.EOF, not net.ErrClosed"
	tcpipErr   = "netstack errors are tcpip.Error values turned into text (\"endpoint is closed for send\", \"connection reset by peer\"), with no errno for errors.Is"
	idem       = "Close is idempotent: a second Close returns nil"
	noState    = "the call does not check whether the endpoint is closed, so it returns nil"
	issue10023 = "https://github.com/google/gvisor/issues/10023"
	// The udp endpoint's Read takes the datagram off the queue before it
	// copies it out.
	badBuffer = "a Read or ReadFrom with an empty buffer fails with \"bad buffer\" (tcpip.ErrBadBuffer: the udp endpoint's Read removes the datagram from the queue, then copying it into no room fails, transport/udp/endpoint.go), so it returns an error and no sender instead of 0, nil, and the datagram is gone"
)

var knownTCP = []harness.Known{
	{Case: "conn.write.concurrent-no-interleave", Reason: "TCPConn.Write writes what the send buffer takes and waits for room without a per-Write lock, so concurrent Writes interleave when they wait for room at the same time (gonet.go)", Intermittent: true},
	{Case: "closed.close.twice", Reason: idem},
	{Case: "closed.read.after-close-is-errclosed", Reason: eofAfter},
	{Case: "closed.read.close-unblocks-is-errclosed", Reason: eofAfter},
	{Case: "closed.read.zero-length-after-close", Reason: eofAfter},
	{Case: "closed.setdeadline.after-close", Reason: "SetDeadline " + noState},
	{Case: "closed.write.after-close-is-errclosed", Reason: tcpipErr, Link: issue10023},
	{Case: "closed.write.close-unblocks-is-errclosed", Reason: tcpipErr},
	{Case: "deadline.read.future-fires", Reason: timeoutErr},
	{Case: "deadline.read.one-deadline-many-readers", Reason: timeoutErr},
	{Case: "deadline.read.past", Reason: timeoutErr},
	{Case: "deadline.read.past-unblocks-blocked", Reason: timeoutErr},
	{Case: "deadline.read.past-with-data", Reason: timeoutErr},
	{Case: "deadline.read.reusable-after-timeout", Reason: timeoutErr},
	{Case: "deadline.read.zero-length-past", Reason: "Read(nil) checks the deadline like any Read, so it times out instead of returning 0, nil"},
	{Case: "deadline.setdeadline.both-directions", Reason: timeoutErr},
	{Case: "deadline.write.future-fires", Reason: timeoutErr},
	{Case: "deadline.write.partial-then-continue", Reason: timeoutErr},
	{Case: "deadline.write.past", Reason: timeoutErr},
	{Case: "deadline.write.past-unblocks-blocked", Reason: timeoutErr},
	{Case: "deadline.write.zero-length-past", Reason: timeoutErr},
	{Case: "eof.read.after-peer-abort", Reason: tcpipErr},
	{Case: "eof.read.after-reset-reported", Reason: tcpipErr},
	{Case: "eof.read.zero-length", Reason: "Read(nil) with nothing queued waits for data instead of returning 0, nil at once"},
	{Case: "eof.write.after-reset-reported", Reason: tcpipErr},
	{Case: "eof.write.first-after-peer-abort", Reason: tcpipErr},
	{Case: "halfclose.closeread.after-close", Reason: "CloseRead " + noState},
	{Case: "halfclose.closewrite.after-close", Reason: "CloseWrite " + noState},
	{Case: "halfclose.closewrite.after-full-shutdown", Reason: "CloseWrite on a fully shut connection returns nil (as client) or \"endpoint not connected\" text without ENOTCONN (as server)"},
	{Case: "halfclose.write.after-closewrite-is-epipe", Reason: tcpipErr},
	{Case: "listener.accept.after-close-is-errclosed", Reason: "Accept after Close fails with \"endpoint is in invalid state\" text, not net.ErrClosed"},
	{Case: "listener.close.twice", Reason: idem},
	{Case: "listener.close.unblocks-accept-is-errclosed", Reason: "a blocked Accept released by Close fails with \"endpoint is in invalid state\" text, not net.ErrClosed"},
	// Found by the explorer (harness/explore), checked against adapters/gonet/gonet.go.
	{Case: "explore.closed.read-class", Reason: eofAfter + " (as closed.read.close-unblocks-is-errclosed)"},
	{Case: "explore.closed.write-class", Reason: tcpipErr + " (as closed.write.after-close-is-errclosed)"},
	{Case: "explore.read.zero-length", Reason: "Read(nil) waits for data like any Read (commonRead) instead of returning 0, nil at once (as eof.read.zero-length)"},
	{Case: "explore.halfclose.write-epipe", Reason: tcpipErr + " (as halfclose.write.after-closewrite-is-epipe)"},
	{Case: "explore.halfclose.write-fails", Reason: "TCPConn.Write loops while nbytes != len(b), so Write of an empty buffer returns 0, nil without asking the endpoint, even after CloseWrite or Close (gonet.go TCPConn.Write)"},
	{Case: "explore.closed.close-twice", Reason: idem + " (the listener's too, as listener.close.twice)"},
	{Case: "explore.listener.accept-closed-class", Reason: tcpipErr + " (as listener.accept.after-close-is-errclosed)"},
	{Case: "explore.deadline.exceeded", Reason: timeoutErr + " (as deadline.read.past)"},
	{Case: "explore.closed.write-fails", Reason: "TCPConn.Write loops while nbytes != len(b), so Write of an empty buffer returns 0, nil without asking the endpoint, even after Close (gonet.go TCPConn.Write)"},
	{Case: "explore.reset.reads", Reason: tcpipErr + " (as eof.read.after-peer-abort): a Read after the peer's reset fails with tcpip.ErrConnectionReset as text, no ECONNRESET"},
	{Case: "explore.write.peer-closed", Reason: tcpipErr + " (as eof.write.first-after-peer-abort)"},
	{Case: "explore.closed.ctl-class", Reason: "CloseWrite " + noState + " (as halfclose.closewrite.after-close)"},
	{Case: "explore.conn.addrs", Reason: "TCPConn.RemoteAddr asks the endpoint each time and returns nil once GetRemoteAddress fails, which it does when the peer's close moved the endpoint out of the connected state (gonet.go RemoteAddr), so RemoteAddr of a conn whose peer closed can become nil; whether the FIN was processed first is a race", Intermittent: true},
	{Case: "explore.closed.read-fails", Reason: "a closed endpoint stays readable while it holds unread data (transport/tcp/endpoint.go checkReadLocked: \"The endpoint can be read if it's connected, or if it's already closed but has some pending unread data\"), so a Read after the conn's own Close returns queued bytes instead of an error"},
}

var knownUDP = []harness.Known{
	{Case: "deadline.read.connected-datagram-fires", Reason: timeoutErr},
	{Case: "deadline.readfrom.future-fires", Reason: timeoutErr},
	{Case: "deadline.readfrom.past", Reason: timeoutErr},
	{Case: "deadline.readfrom.timeout-nil-addr", Reason: timeoutErr},
	{Case: "deadline.writeto.past", Reason: timeoutErr},
	{Case: "udp.close.twice", Reason: idem},
	{Case: "udp.msgsize.too-large", Reason: tcpipErr},
	{Case: "udp.read.zero-length-keeps-datagram", Reason: badBuffer},
	{Case: "udp.readfrom.nil-buffer-consumes", Reason: badBuffer},
	{Case: "udp.readfrom.after-close-is-errclosed", Reason: eofAfter},
	{Case: "udp.readfrom.close-unblocks-is-errclosed", Reason: eofAfter},
	{Case: "udp.write.unconnected-errors", Reason: tcpipErr},
	{Case: "udp.writeto.connected-errors", Reason: "WriteTo on a connected endpoint sends to the address given, where Go refuses with net.ErrWriteToConnected"},
	// The connected UDPConn as a net.Conn (its lifecycle cases).
	{Case: "closed.addr.after-close", Reason: "RemoteAddr asks the endpoint for its remote address, which a closed endpoint no longer has, so it returns nil after Close (gonet.go UDPConn.RemoteAddr)"},
	{Case: "closed.close.twice", Reason: idem},
	{Case: "closed.read.after-close-is-errclosed", Reason: eofAfter},
	{Case: "closed.read.close-unblocks-is-errclosed", Reason: eofAfter},
	{Case: "closed.read.zero-length-after-close", Reason: eofAfter},
	{Case: "closed.setdeadline.after-close", Reason: "SetDeadline " + noState},
	{Case: "closed.write.after-close-is-errclosed", Reason: tcpipErr},
	{Case: "deadline.read.future-fires", Reason: timeoutErr},
	{Case: "deadline.read.one-deadline-many-readers", Reason: timeoutErr},
	{Case: "deadline.read.past", Reason: timeoutErr},
	{Case: "deadline.read.past-unblocks-blocked", Reason: timeoutErr},
	{Case: "deadline.read.reusable-after-timeout", Reason: timeoutErr},
	{Case: "deadline.setdeadline.both-directions", Reason: timeoutErr},
	{Case: "deadline.write.past", Reason: timeoutErr},
	{Case: "deadline.write.zero-length-past", Reason: timeoutErr},
	// Found by the explorer (harness/explore), checked against adapters/gonet/gonet.go.
	{Case: "explore.closed.read-class", Reason: eofAfter + " (as udp.readfrom.after-close-is-errclosed)"},
	{Case: "explore.closed.write-class", Reason: tcpipErr + " (as closed.write.after-close-is-errclosed)"},
	{Case: "explore.closed.ctl-class", Reason: "SetDeadline " + noState + " (as closed.setdeadline.after-close)"},
	{Case: "explore.deadline.exceeded", Reason: timeoutErr + " (as deadline.readfrom.past)"},
	{Case: "explore.packet.oversize", Reason: tcpipErr + ": a datagram over 65507 bytes fails with tcpip.ErrMessageTooLong as text, no EMSGSIZE (as udp.msgsize.too-large)"},
	{Case: "explore.closed.close-twice", Reason: idem + " (as udp.close.twice)"},
}
