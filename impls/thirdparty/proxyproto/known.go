package proxyproto

import "github.com/netconform/netconform/harness"

// Divergences verified against pires/go-proxyproto v0.15.0's protocol.go.
// The conn reads the PROXY header lazily, on the first Read, Write or
// address lookup, which is where the two behavioural divergences below
// come from.
const hidden = "*proxyproto.Conn has no CloseWrite: the *net.TCPConn underneath is reachable only through its TCPConn() method, so code that half-closes a net.Conn through interface{ CloseWrite() error } cannot"

// What the wrapper hides of the kernel TCP socket it wraps, besides
// CloseWrite (see harness.Caps: every such method is reported alike).
const (
	hidesTCP      = "*proxyproto.Conn keeps the conn in an unexported field and forwards only net.Conn's methods (and ReadFrom, WriteTo), so it hides every other method of the *net.TCPConn underneath, not only CloseWrite: CloseRead, SetLinger, SetNoDelay, the keep-alive setters, File and SyscallConn (socket options unreadable); TCPConn() gives the raw conn"
	hidesListener = "*proxyproto.Listener keeps the TCP listener in a field and forwards only net.Listener's methods, so it hides SyscallConn of the *net.TCPListener underneath (its socket options are unreadable)"
)

// Behaviour of a conn whose header is still unread.
const (
	unreadRST = "Close on a conn whose PROXY header has not been read yet (no Read, Write or address lookup) leaves the header's bytes unread in the socket's receive queue, so Linux aborts the connection with an RST instead of a FIN"
	headerDL  = "a read deadline set before the first Read also bounds the header read (readHeader clamps its timeout to the user's deadline); when it has passed, the header read times out, which readHeader turns into ErrNoProxyProtocol and sync.Once keeps for good under the REQUIRE policy: every later Read and Write fails, and never as a timeout"
)

var known = []harness.Known{
	{Case: "state.close.active-fin-wait2", Reason: unreadRST},
	{Case: "state.close.active-time-wait", Reason: unreadRST},
	{Case: "state.close.peer-close-wait", Reason: unreadRST},
	{Case: "wire.close.four-way", Reason: unreadRST},
	{Case: "listener.listen.rebind-after-close", Reason: unreadRST},
	{Case: "deadline.read.past", Reason: headerDL},
	{Case: "conn.methods.concurrent", Reason: headerDL + ": when one of the case's SetReadDeadline(past) calls runs before the first Read or Write, the conn is dead for good and the final \"SYNC\" never arrives", Intermittent: true},
	{Case: "deadline.read.survives-write-cleared", Reason: headerDL},
	{Case: "deadline.read.future-fires", Reason: headerDL + ": the case sets a deadline 100 ms ahead and then Reads; on a loaded machine the Read (the first, which reads the header) can start after the deadline, and fails with ErrNoProxyProtocol instead of a timeout (seen once in a full report, on the server role)", Intermittent: true},
	{Case: "deadline.read.expired-stays-expired", Reason: headerDL + ": as for deadline.read.future-fires, when the first Read starts after its 100 ms deadline", Intermittent: true},
	{Case: "deadline.read.past-unblocks-blocked", Reason: headerDL + ": the case sets a past read deadline while a Read is blocked; when that Read is the first, still reading the header, the header read times out and the Read fails with ErrNoProxyProtocol instead of a timeout (seen once in a full report, server role)", Intermittent: true},
	{Case: "deadline.read.past-with-data", Reason: headerDL},
	{Case: "deadline.read.reusable-after-timeout", Reason: headerDL},
	{Case: "deadline.read.zero-length-past", Reason: headerDL},
	{Case: "deadline.setdeadline.both-directions", Reason: headerDL},
	{Case: "deadline.read.write-unaffected", Reason: headerDL},
	{Case: "deadline.concurrent.only-timeouts", Reason: headerDL + "; the churn starts with the transfer, so whether the first Read or Write (which reads the header) runs before a churned read deadline has passed is a race", Intermittent: true},
	{Case: "closed.file.after-close", Reason: hidesTCP},
	{Case: "closed.setkeepalive.after-close", Reason: hidesTCP},
	{Case: "closed.setlinger.after-close", Reason: hidesTCP},
	{Case: "closed.setnodelay.after-close", Reason: hidesTCP},
	{Case: "fault.user-timeout.unacked-data", Reason: hidesTCP},
	{Case: "halfclose.closeread.after-close", Reason: hidesTCP},
	{Case: "halfclose.closeread.own-write-works", Reason: hidesTCP},
	{Case: "halfclose.closeread.peer-write-succeeds", Reason: hidesTCP},
	{Case: "halfclose.closeread.queued-data-first", Reason: hidesTCP},
	{Case: "halfclose.closeread.read-fails", Reason: hidesTCP},
	{Case: "halfclose.closeread.read-returns-eof", Reason: hidesTCP},
	{Case: "halfclose.closeread.returns-nil", Reason: hidesTCP},
	{Case: "halfclose.closeread.twice", Reason: hidesTCP},
	{Case: "keepalive.config.disabled-is-ignored", Reason: hidesTCP},
	{Case: "keepalive.config.explicit", Reason: hidesTCP},
	{Case: "keepalive.config.negative-leaves-kernel", Reason: hidesTCP},
	{Case: "keepalive.config.rounds-up", Reason: hidesTCP},
	{Case: "keepalive.config.wins-over-keepalive", Reason: hidesTCP},
	{Case: "keepalive.config.zero-fields-default", Reason: hidesTCP},
	{Case: "keepalive.default.enabled", Reason: hidesTCP},
	{Case: "keepalive.disabled.negative", Reason: hidesTCP},
	{Case: "keepalive.period.sets-idle-only", Reason: hidesTCP},
	{Case: "keepalive.setconfig.applies", Reason: hidesTCP},
	{Case: "keepalive.setkeepalive.disables", Reason: hidesTCP},
	{Case: "keepalive.setkeepalive.enables", Reason: hidesTCP},
	{Case: "keepalive.setperiod.does-not-enable", Reason: hidesTCP},
	{Case: "sockopt.fd.nonblock-cloexec", Reason: hidesTCP},
	{Case: "sockopt.linger.default-off", Reason: hidesTCP},
	{Case: "sockopt.linger.set-zero", Reason: hidesTCP},
	{Case: "sockopt.linger.positive-close-blocks", Reason: hidesTCP},
	{Case: "sockopt.listener.reuseaddr", Reason: hidesListener},
	{Case: "sockopt.nodelay.default-on", Reason: hidesTCP},
	{Case: "sockopt.nodelay.set-false", Reason: hidesTCP},
	{Case: "state.closeread.nothing-sent", Reason: hidesTCP},
	{Case: "state.linger0.no-time-wait", Reason: hidesTCP},
	{Case: "state.linger0.peer-reset", Reason: hidesTCP},
	{Case: "wire.closeread.sends-nothing", Reason: hidesTCP},
	{Case: "wire.linger0.sends-rst", Reason: hidesTCP},
	{Case: "halfclose.closewrite.after-close", Reason: hidden},
	{Case: "halfclose.closewrite.after-full-shutdown", Reason: hidden},
	{Case: "halfclose.closewrite.both-sides", Reason: hidden},
	{Case: "halfclose.closewrite.data-before-delivered", Reason: hidden},
	{Case: "halfclose.closewrite.eof-sticky", Reason: hidden},
	{Case: "halfclose.closewrite.peer-reads-eof", Reason: hidden},
	{Case: "halfclose.closewrite.returns-nil", Reason: hidden},
	{Case: "halfclose.closewrite.reverse-flows", Reason: hidden},
	{Case: "halfclose.closewrite.twice", Reason: hidden},
	{Case: "halfclose.write.after-closewrite", Reason: hidden},
	{Case: "halfclose.write.after-closewrite-is-epipe", Reason: hidden},
	{Case: "state.closewrite.both-time-wait", Reason: hidden},
	{Case: "state.closewrite.fin-wait2", Reason: hidden},
	{Case: "state.closewrite.peer-close-wait", Reason: hidden},
	{Case: "wire.closewrite.sends-fin", Reason: hidden},
	// Found by the explorer (harness/explore): the same hidden methods as the halfclose.* cases.
	{Case: "explore.conn.methods", Reason: hidden},
	{Case: "explore.stream.no-cause", Reason: unreadRST + " (as state.close.active-fin-wait2): the peer's Read fails with ECONNRESET where a FIN's io.EOF was due"},
	{Case: "explore.deadline.exceeded", Reason: headerDL + " (as deadline.read.past)"},
	{Case: "explore.closed.read-fails", Reason: "the header is read through a bufio.Reader that may read past it, and Conn.Read drains that buffer before touching the conn (protocol.go Read: \"Return immediately. Do not touch p.conn.\") while Close only closes the conn, so a Read after Close returns bytes the peer sent right after the header instead of net.ErrClosed"},
	{Case: "explore.write.peer-closed", Reason: headerDL + " (as deadline.read.past): a Write after the read deadline passed fails with ErrNoProxyProtocol (protocol.go Write: ensureHeaderProcessed), whatever the peer did"},
	{Case: "explore.closed.read-zero-fails", Reason: "Read drains the bufio.Reader the header was read through before touching the conn, and bufio.Reader.Read of an empty buffer returns 0, nil while it holds bytes, so Read(nil) after Close succeeds when the peer's data came with the header"},
	{Case: "explore.halfclose.write-epipe", Reason: unreadRST + " (as state.close.active-fin-wait2): the peer, shut down for writing, then gets ECONNRESET from its Write (the RST's error comes before EPIPE in tcp_sendmsg) where EPIPE was due"},
}
