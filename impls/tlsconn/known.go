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

// What *tls.Conn hides of the *net.TCPConn it wraps (see harness.Caps).
const (
	hidesCloseRead = "*tls.Conn has no CloseRead: TLS can only shut its write side (close_notify); the TCP conn's CloseRead is reached through NetConn()"
	hidesTCP       = "*tls.Conn does not expose the socket methods of the *net.TCPConn it wraps (SetLinger, SetNoDelay, the keep-alive setters, File, SyscallConn); they are reached through NetConn()"
	handshake      = "a TLS client's first Write runs the handshake, which waits until the server side has accepted the conn and answered; until then the Write blocks"
)

var known = []harness.Known{
	{Case: "closed.file.after-close", Reason: hidesTCP},
	{Case: "closed.setkeepalive.after-close", Reason: hidesTCP},
	{Case: "closed.setlinger.after-close", Reason: hidesTCP},
	{Case: "closed.setnodelay.after-close", Reason: hidesTCP},
	{Case: "sockopt.linger.positive-close-blocks", Reason: hidesTCP},
	{Case: "deadline.concurrent.only-timeouts", Reason: poisoned + "; it shows when one of the changing deadlines interrupts a Write, which depends on scheduling", Link: issue46977, Intermittent: true},
	{Case: "eof.read.after-peer-linger-zero", Reason: hidesTCP},
	{Case: "listener.accept.dial-before-accept", Reason: handshake},
	{Case: "listener.accept.fin-before-accept", Reason: handshake},
	{Case: "listener.accept.reset-before-accept", Reason: hidesTCP},
	{Case: "sockopt.listener.reuseaddr", Reason: "the listener of tls.NewListener does not expose the SyscallConn of the *net.TCPListener it wraps"},
	{Case: "fault.user-timeout.unacked-data", Reason: hidesTCP},
	{Case: "halfclose.closeread.after-close", Reason: hidesCloseRead},
	{Case: "halfclose.closeread.own-write-works", Reason: hidesCloseRead},
	{Case: "halfclose.closeread.peer-write-succeeds", Reason: hidesCloseRead},
	{Case: "halfclose.closeread.queued-data-first", Reason: hidesCloseRead},
	{Case: "halfclose.closeread.read-fails", Reason: hidesCloseRead},
	{Case: "halfclose.closeread.read-returns-eof", Reason: hidesCloseRead},
	{Case: "halfclose.closeread.returns-nil", Reason: hidesCloseRead},
	{Case: "halfclose.closeread.twice", Reason: hidesCloseRead},
	{Case: "keepalive.setconfig.applies", Reason: hidesTCP},
	{Case: "keepalive.setkeepalive.disables", Reason: hidesTCP},
	{Case: "keepalive.setkeepalive.enables", Reason: hidesTCP},
	{Case: "keepalive.setperiod.does-not-enable", Reason: hidesTCP},
	{Case: "sockopt.dial.no-reuseaddr", Reason: hidesTCP},
	{Case: "sockopt.fd.nonblock-cloexec", Reason: hidesTCP},
	{Case: "sockopt.linger.default-off", Reason: hidesTCP},
	{Case: "sockopt.linger.set-zero", Reason: hidesTCP},
	{Case: "sockopt.nodelay.default-on", Reason: hidesTCP},
	{Case: "sockopt.nodelay.set-false", Reason: hidesTCP},
	{Case: "state.closeread.nothing-sent", Reason: hidesCloseRead},
	{Case: "state.linger0.no-time-wait", Reason: hidesTCP},
	{Case: "state.linger0.peer-reset", Reason: hidesTCP},
	{Case: "wire.closeread.sends-nothing", Reason: hidesCloseRead},
	{Case: "wire.linger0.sends-rst", Reason: hidesTCP},
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
	// Found by the explorer (harness/explore), checked in crypto/tls's
	// conn.go (Go 1.26): Read serves c.input, the plaintext of a record
	// already decrypted, before it reaches the TCP conn and its deadline.
	{Case: "explore.deadline.exceeded", Reason: bufferedPlaintext},
	{Case: "explore.halfclose.write-epipe", Reason: "Write after CloseWrite fails with \"tls: protocol is shutdown\" (errShutdown), not EPIPE"},
	{Case: "explore.conn.methods", Reason: hidesCloseRead},
	{Case: "explore.closed.ctl-class", Reason: notifyOnce},
	{Case: "explore.closed.close-nil", Reason: "Close returns the error of sending close_notify (\"tls: failed to send closeNotify alert (but connection was closed anyway)\"): ECONNRESET once the peer has reset the conn, where TCP's first Close returns nil"},
	{Case: "explore.stream.no-cause", Reason: corruptAlert, Link: issue46977},
	{Case: "explore.reset.reads", Reason: corruptAlert, Link: issue46977},
	{Case: "explore.write.peer-closed", Reason: "once a Read failed on a corrupt record (see explore.reset.reads), sendAlertLocked left the alert as the conn's write error (c.out.err), which every later Write returns instead of EPIPE or ECONNRESET"},
	{Case: "explore.deadline.not-early", Reason: poisoned, Link: issue46977},
	{Case: "explore.closed.read-fails", Reason: "(*tls.Conn).Read never looks at whether Close was called: it returns plaintext already decrypted (c.input) after Close, and reaches the closed TCP conn only once c.input is empty"},
	{Case: "explore.closed.read-zero-fails", Reason: "Read(nil) returns 0, nil before checking the conn's state, even after Close"},
	{Case: "explore.closed.read-class", Reason: "once close_notify was read, c.in.err holds io.EOF, which readRecordOrCCS returns before anything else: Read after Close returns io.EOF, not net.ErrClosed"},
}

// corruptAlert: a Write that timed out encrypted its record (the write
// sequence number moved on) but sent nothing; Close then sends close_notify
// under the next sequence number (sendAlertLocked does not look at the
// error the Write left), so the peer's Read fails with "local error: tls:
// bad record MAC" instead of io.EOF or ECONNRESET.
const corruptAlert = "after a Write timed out, Close sends close_notify under a sequence number the peer does not expect (writeRecordLocked encrypted the timed-out record, and sendAlertLocked ignores the error it left): the peer's Read fails with \"local error: tls: bad record MAC\" instead of io.EOF"

// bufferedPlaintext: (*tls.Conn).Read loops on readRecord only while
// c.input is empty; a record larger than the caller's buffer leaves the
// rest in c.input, which later Reads return whatever the deadline.
const bufferedPlaintext = "a Read returns plaintext left over from a record already decrypted (c.input) without consulting the deadline, which lives on the TCP conn underneath: an expired read deadline does not fail it"
