package limitlistener

import "github.com/netconform/netconform/harness"

// Divergences verified against golang.org/x/net v0.62.0's netutil/listen.go.
const (
	// limitListenerConn is struct{ net.Conn; releaseOnce; release }.
	hidden = "accepted conns are *netutil.limitListenerConn, which embeds net.Conn and so hides CloseWrite of the *net.TCPConn underneath; the type is unexported, so callers cannot unwrap it either"
	issue  = "https://github.com/golang/go/issues/64830"
)

// What the wrapper hides of the kernel TCP socket it wraps, besides
// CloseWrite (see harness.Caps: every such method is reported alike).
const (
	hidesTCP      = "*netutil.limitListenerConn embeds net.Conn, so it hides every method of the *net.TCPConn underneath, not only CloseWrite: CloseRead, SetLinger, SetNoDelay, the keep-alive setters, File and SyscallConn (socket options unreadable)"
	hidesListener = "*netutil.limitListener embeds net.Listener, so it hides SyscallConn of the *net.TCPListener underneath (its socket options are unreadable)"
)

var known = []harness.Known{
	{Case: "closed.file.after-close", Reason: hidesTCP, Link: issue},
	{Case: "closed.setkeepalive.after-close", Reason: hidesTCP, Link: issue},
	{Case: "closed.setlinger.after-close", Reason: hidesTCP, Link: issue},
	{Case: "closed.setnodelay.after-close", Reason: hidesTCP, Link: issue},
	{Case: "fault.user-timeout.unacked-data", Reason: hidesTCP, Link: issue},
	{Case: "halfclose.closeread.after-close", Reason: hidesTCP, Link: issue},
	{Case: "halfclose.closeread.own-write-works", Reason: hidesTCP, Link: issue},
	{Case: "halfclose.closeread.peer-write-succeeds", Reason: hidesTCP, Link: issue},
	{Case: "halfclose.closeread.queued-data-first", Reason: hidesTCP, Link: issue},
	{Case: "halfclose.closeread.read-fails", Reason: hidesTCP, Link: issue},
	{Case: "halfclose.closeread.read-returns-eof", Reason: hidesTCP, Link: issue},
	{Case: "halfclose.closeread.returns-nil", Reason: hidesTCP, Link: issue},
	{Case: "halfclose.closeread.twice", Reason: hidesTCP, Link: issue},
	{Case: "keepalive.config.disabled-is-ignored", Reason: hidesTCP, Link: issue},
	{Case: "keepalive.config.explicit", Reason: hidesTCP, Link: issue},
	{Case: "keepalive.config.negative-leaves-kernel", Reason: hidesTCP, Link: issue},
	{Case: "keepalive.config.rounds-up", Reason: hidesTCP, Link: issue},
	{Case: "keepalive.config.wins-over-keepalive", Reason: hidesTCP, Link: issue},
	{Case: "keepalive.config.zero-fields-default", Reason: hidesTCP, Link: issue},
	{Case: "keepalive.default.enabled", Reason: hidesTCP, Link: issue},
	{Case: "keepalive.disabled.negative", Reason: hidesTCP, Link: issue},
	{Case: "keepalive.period.sets-idle-only", Reason: hidesTCP, Link: issue},
	{Case: "keepalive.setconfig.applies", Reason: hidesTCP, Link: issue},
	{Case: "keepalive.setkeepalive.disables", Reason: hidesTCP, Link: issue},
	{Case: "keepalive.setkeepalive.enables", Reason: hidesTCP, Link: issue},
	{Case: "keepalive.setperiod.does-not-enable", Reason: hidesTCP, Link: issue},
	{Case: "sockopt.fd.nonblock-cloexec", Reason: hidesTCP, Link: issue},
	{Case: "sockopt.linger.default-off", Reason: hidesTCP, Link: issue},
	{Case: "sockopt.linger.set-zero", Reason: hidesTCP, Link: issue},
	{Case: "sockopt.linger.positive-close-blocks", Reason: hidesTCP, Link: issue},
	{Case: "sockopt.listener.reuseaddr", Reason: hidesListener, Link: issue},
	{Case: "sockopt.nodelay.default-on", Reason: hidesTCP, Link: issue},
	{Case: "sockopt.nodelay.set-false", Reason: hidesTCP, Link: issue},
	{Case: "state.closeread.nothing-sent", Reason: hidesTCP, Link: issue},
	{Case: "state.linger0.no-time-wait", Reason: hidesTCP, Link: issue},
	{Case: "state.linger0.peer-reset", Reason: hidesTCP, Link: issue},
	{Case: "wire.closeread.sends-nothing", Reason: hidesTCP, Link: issue},
	{Case: "wire.linger0.sends-rst", Reason: hidesTCP, Link: issue},
	{Case: "halfclose.closewrite.after-close", Reason: hidden, Link: issue},
	{Case: "halfclose.closewrite.after-full-shutdown", Reason: hidden, Link: issue},
	{Case: "halfclose.closewrite.both-sides", Reason: hidden, Link: issue},
	{Case: "halfclose.closewrite.data-before-delivered", Reason: hidden, Link: issue},
	{Case: "halfclose.closewrite.eof-sticky", Reason: hidden, Link: issue},
	{Case: "halfclose.closewrite.peer-reads-eof", Reason: hidden, Link: issue},
	{Case: "halfclose.closewrite.returns-nil", Reason: hidden, Link: issue},
	{Case: "halfclose.closewrite.reverse-flows", Reason: hidden, Link: issue},
	{Case: "halfclose.closewrite.twice", Reason: hidden, Link: issue},
	{Case: "halfclose.write.after-closewrite", Reason: hidden, Link: issue},
	{Case: "halfclose.write.after-closewrite-is-epipe", Reason: hidden, Link: issue},
	{Case: "state.closewrite.both-time-wait", Reason: hidden, Link: issue},
	{Case: "state.closewrite.fin-wait2", Reason: hidden, Link: issue},
	{Case: "state.closewrite.peer-close-wait", Reason: hidden, Link: issue},
	{Case: "wire.closewrite.sends-fin", Reason: hidden, Link: issue},
	// Found by the explorer (harness/explore): the same hidden methods as the halfclose.* cases.
	{Case: "explore.conn.methods", Reason: hidden},
}
