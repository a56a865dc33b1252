package proxyproto

import "github.com/netconform/netconform/harness"

// Divergences verified against pires/go-proxyproto v0.15.0's protocol.go.
//
// Not covered: LocalAddr and RemoteAddr run header detection, and the
// harness reads the accepted conn's addresses at setup, so cases never see
// a conn whose header is still unread. On such a conn a read deadline set
// before the first Read clamps the header read (readHeader), which then
// times out into ErrNoProxyProtocol for good under the REQUIRE policy.
const hidden = "*proxyproto.Conn has no CloseWrite: the *net.TCPConn underneath is reachable only through its TCPConn() method, so code that half-closes a net.Conn through interface{ CloseWrite() error } cannot"

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
	{Case: "state.closewrite.both-time-wait", Reason: hidden},
	{Case: "state.closewrite.fin-wait2", Reason: hidden},
	{Case: "state.closewrite.peer-close-wait", Reason: hidden},
	{Case: "wire.closewrite.sends-fin", Reason: hidden},
}
