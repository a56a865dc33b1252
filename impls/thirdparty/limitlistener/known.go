package limitlistener

import "github.com/netconform/netconform/harness"

// Divergences verified against golang.org/x/net v0.62.0's netutil/listen.go.
const (
	// limitListenerConn is struct{ net.Conn; releaseOnce; release }.
	hidden = "accepted conns are *netutil.limitListenerConn, which embeds net.Conn and so hides CloseWrite of the *net.TCPConn underneath; the type is unexported, so callers cannot unwrap it either"
	issue  = "https://github.com/golang/go/issues/64830"
)

var known = []harness.Known{
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
}
