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

var known = []harness.Known{
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
}
