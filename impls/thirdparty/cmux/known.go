package cmux

import "github.com/netconform/netconform/harness"

// Divergences verified against soheilhy/cmux v0.1.5's source (cmux.go).
const (
	// MuxConn is struct{ net.Conn; buf bufferedReader }: only net.Conn's
	// methods are promoted.
	hidden = "accepted conns are *cmux.MuxConn, which embeds net.Conn and so hides CloseWrite of the *net.TCPConn underneath: a proxy or SOCKS server behind cmux cannot half-close"
	// Serve accepts every conn from the root listener as it arrives and
	// queues it on a channel for the matched listener's Accept.
	drained      = "cmux's Serve goroutine accepts each conn from the kernel as soon as it arrives and queues it in a Go channel, so the kernel's accept queue stays empty and its backlog behaviour (RST on listener close, reset conns still accepted) never applies; a conn that the case catches in the queue before Serve takes it behaves as the kernel's, hence intermittent"
	serverClosed = "Accept on a closed mux fails with cmux.ErrServerClosed (errors.New(\"mux: server closed\")), which does not wrap net.ErrClosed"
)

// What the wrapper hides of the kernel TCP socket it wraps, besides
// CloseWrite (see harness.Caps: every such method is reported alike).
const (
	hidesTCP      = "*cmux.MuxConn embeds net.Conn, so it hides every method of the *net.TCPConn underneath, not only CloseWrite: CloseRead, SetLinger, SetNoDelay, the keep-alive setters, File and SyscallConn (socket options unreadable)"
	hidesListener = "the listener of cmux.Match embeds net.Listener, so it hides SyscallConn of the *net.TCPListener underneath (its socket options are unreadable)"
)

var known = []harness.Known{
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
	{Case: "listener.accept.after-close-is-errclosed", Reason: serverClosed, Link: "https://github.com/soheilhy/cmux/issues/39"},
	{Case: "listener.accept.reset-before-accept", Reason: drained, Intermittent: true},
	{Case: "listener.close.resets-backlog", Reason: drained, Intermittent: true},
	{Case: "listener.close.unblocks-accept-is-errclosed", Reason: serverClosed, Link: "https://github.com/soheilhy/cmux/issues/39"},
	{Case: "state.closewrite.both-time-wait", Reason: hidden},
	{Case: "state.closewrite.fin-wait2", Reason: hidden},
	{Case: "state.closewrite.peer-close-wait", Reason: hidden},
	{Case: "state.listener.backlog-reset", Reason: drained, Intermittent: true},
	{Case: "wire.closewrite.sends-fin", Reason: hidden},
	// Found by the explorer (harness/explore): the same hidden methods as the halfclose.* cases.
	{Case: "explore.conn.methods", Reason: hidden},
	{Case: "explore.listener.accept-closed-class", Reason: serverClosed + " (as listener.accept.after-close-is-errclosed)", Link: "https://github.com/soheilhy/cmux/issues/39"},
	{Case: "explore.listener.accept-order", Reason: "Serve accepts each conn from the root listener and matches it in a goroutine of its own (cmux.go Serve: go m.serve(c, …)), which queues it for the matched listener's Accept when matching ends, so conns dialed one after another can be accepted in another order"},
	{Case: "explore.listener.accept-after-close", Reason: "when the root listener closes, Serve closes the done channel and only then drains the conns queued for each listener (cmux.go Serve's deferred function), and Accept selects on the queue and the done channel together (muxListener.Accept), so until the drain an Accept after Close can return a queued conn", Intermittent: true},
}
