package tlsconn

import "github.com/netconform/netconform/harness"

// Divergences verified against crypto/tls's source (conn.go) in Go 1.26.
const (
	issue46977  = "https://github.com/golang/go/issues/46977"
	closeNotify = "CloseWrite sends a close_notify alert ([P.]) and, as documented, does not call CloseWrite on the TCP connection, so no FIN is sent"
	notifyOnce  = "CloseWrite and Close send close_notify once and return its cached result: nil again, where TCP reports net.ErrClosed or ENOTCONN"
	poisoned    = "after a Write has timed out the TLS state is corrupt and all future writes return the same error (documented on SetDeadline)"
	alertFirst  = "Close sends close_notify before closing TCP: the peer reads it as io.EOF before the RST that follows"
	alertRST    = "Close sends close_notify into a connection the peer has closed, which answers with RST: the closer skips TIME_WAIT"
)

var known = []harness.Known{
	{Case: "closed.read.zero-length-after-close", Reason: "Read(nil) returns 0, nil before checking the conn's state, even after Close"},
	{Case: "conn.methods.concurrent", Reason: "a Write that races a past write deadline times out, and " + poisoned, Link: issue46977},
	{Case: "deadline.write.partial-then-continue", Reason: poisoned, Link: issue46977},
	{Case: "deadline.write.zero-length-past", Reason: "Write(nil) returns 0, nil without writing a record, so the deadline is never consulted"},
	{Case: "eof.read.after-peer-abort", Reason: alertFirst},
	{Case: "eof.read.after-reset-reported", Reason: alertFirst},
	{Case: "eof.write.after-reset-reported", Reason: alertFirst},
	{Case: "fault.close.passive-last-ack", Reason: alertRST},
	{Case: "halfclose.closewrite.after-close", Reason: notifyOnce},
	{Case: "halfclose.closewrite.after-full-shutdown", Reason: notifyOnce},
	{Case: "halfclose.write.after-closewrite-is-epipe", Reason: "Write after CloseWrite fails with \"tls: protocol is shutdown\" (errShutdown), not EPIPE"},
	{Case: "state.close.active-time-wait", Reason: alertRST},
	{Case: "state.close.passive-gone", Reason: alertRST},
	{Case: "state.close.passive-peer-time-wait", Reason: alertRST},
	{Case: "state.closewrite.both-time-wait", Reason: closeNotify},
	{Case: "state.closewrite.fin-wait2", Reason: closeNotify},
	{Case: "state.closewrite.peer-close-wait", Reason: closeNotify},
	{Case: "wire.close.four-way", Reason: alertRST},
	{Case: "wire.closewrite.sends-fin", Reason: closeNotify},
}
