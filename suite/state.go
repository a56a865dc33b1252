package suite

import (
	h "github.com/netconform/netconform/harness/script"
)

// TCP states, named as the kernel does.
const (
	established = h.Established
	finWait1    = h.FinWait1
	finWait2    = h.FinWait2
	timeWait    = h.TimeWait
	closeWait   = h.CloseWait
	lastAck     = h.LastAck
	listening   = h.ListenState
	absent      = h.Absent
)

// Needs of the state cases: a stream; observing the IUT's own kernel
// socket (ExpectState(iut)) needs it to be a kernel TCP socket, observing
// the peer's needs only the peer to be one, which reference-peer topology
// over TCP always offers — the peer in CLOSE_WAIT means the IUT sent FIN,
// whatever hides its socket. The steps say which (see harness.Caps).
const (
	ownState  = h.CapStream
	peerState = h.CapStream
)

// stateCases: kernel TCP states, looked up by 4-tuple with inet_diag, so
// sockets stay observable after Close (CATALOGUE.md §10, H1d, H4, H5a, H9a, L6, L7).
var stateCases = []h.Case{
	{
		ID:        "state.established.both",
		Spec:      "RFC 9293 §3.5: after the three-way handshake both ends are ESTABLISHED",
		Catalogue: "S1",
		Level:     h.Contract,
		Needs:     ownState,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.ExpectState(iut, established),
			h.ExpectState(peer, established),
		),
	},
	{
		ID:        "state.closewrite.fin-wait2",
		Spec:      "RFC 9293 §3.6: CloseWrite sends FIN; once it is acknowledged the half-closed end is in FIN_WAIT2 and the peer in CLOSE_WAIT",
		Catalogue: "H1d",
		Level:     h.Contract,
		Needs:     ownState,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.CloseWrite(iut),
			h.ExpectState(iut, finWait2),
			h.ExpectState(peer, closeWait),
		),
	},
	{
		ID:        "state.closewrite.peer-close-wait",
		Spec:      "RFC 9293 §3.6: CloseWrite sends FIN, so the peer's socket goes to CLOSE_WAIT (observed from the peer alone)",
		Catalogue: "H1d",
		Level:     h.Contract,
		Needs:     peerState,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.CloseWrite(iut),
			h.ExpectState(peer, closeWait),
		),
	},
	{
		ID:        "state.close.peer-close-wait",
		Spec:      "RFC 9293 §3.6: Close sends FIN, so the peer's socket goes to CLOSE_WAIT (observed from the peer alone)",
		Catalogue: "C16a",
		Level:     h.Contract,
		Needs:     peerState,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.ExpectState(peer, closeWait),
		),
	},
	{
		ID:        "state.close.active-fin-wait2",
		Spec:      "Linux tcp(7): a socket closed while its peer stays open is orphaned in FIN_WAIT2 (for tcp_fin_timeout), the peer in CLOSE_WAIT",
		Catalogue: "C16a",
		Level:     h.Convention,
		Needs:     ownState,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.ExpectState(iut, finWait2),
			h.ExpectState(peer, closeWait),
		),
	},
	{
		ID:        "state.close.active-time-wait",
		Spec:      "RFC 9293 §3.6: the end that closes first ends in TIME_WAIT; the passive closer goes through LAST_ACK and disappears",
		Catalogue: "S3",
		Level:     h.Contract,
		Needs:     ownState,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.Read(peer, 8).Err(h.EOF),
			// The peer's ACK of the FIN must have arrived before its
			// own FIN leaves (see listener.listen.rebind-after-close).
			h.ExpectState(iut, finWait2),
			h.Close(peer),
			h.ExpectState(iut, timeWait),
			h.ExpectState(peer, absent),
		),
	},
	{
		ID:        "state.close.passive-gone",
		Spec:      "RFC 9293 §3.6: when the peer closed first, the IUT's Close completes the exchange: the IUT's socket disappears and the peer sits in TIME_WAIT",
		Catalogue: "S3",
		Level:     h.Contract,
		Needs:     ownState,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(peer),
			h.Read(iut, 8).Err(h.EOF),
			h.ExpectState(iut, closeWait),
			h.Close(iut),
			h.ExpectState(iut, absent),
			h.ExpectState(peer, timeWait),
		),
	},
	{
		ID:        "state.close.passive-peer-time-wait",
		Spec:      "RFC 9293 §3.6: after the peer's Close, the IUT's Close sends FIN and the peer ends in TIME_WAIT (observed from the peer alone)",
		Catalogue: "S3",
		Level:     h.Contract,
		Needs:     peerState,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(peer),
			h.Read(iut, 8).Err(h.EOF),
			h.Close(iut),
			h.ExpectState(peer, timeWait),
		),
	},
	{
		ID:        "state.peer-close.close-wait",
		Spec:      "RFC 9293 §3.6: the peer's FIN moves the IUT's socket to CLOSE_WAIT until it closes, the peer's to FIN_WAIT2",
		Catalogue: "C16a",
		Level:     h.Contract,
		Needs:     ownState,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(peer),
			h.ExpectState(iut, closeWait),
			h.ExpectState(peer, finWait2),
		),
	},
	{
		ID:        "state.linger0.no-time-wait",
		Spec:      "Linux socket(7) SO_LINGER: Close with a zero linger time sends RST; neither end enters TIME_WAIT and both sockets vanish",
		Catalogue: "S5",
		Level:     h.Convention,
		Needs:     ownState,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetLinger(iut, 0),
			h.Close(iut),
			h.ExpectState(iut, absent),
			h.ExpectState(peer, absent),
			h.Read(peer, 8).Err(h.Reset),
		),
	},
	{
		ID:        "state.linger0.peer-reset",
		Spec:      "Linux socket(7) SO_LINGER: Close with a zero linger time aborts with RST, so the peer's socket vanishes and its Read fails with ECONNRESET (observed from the peer alone)",
		Catalogue: "S5",
		Level:     h.Convention,
		Needs:     peerState,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetLinger(iut, 0),
			h.Close(iut),
			h.ExpectState(peer, absent),
			h.Read(peer, 8).Err(h.Reset),
		),
	},
	{
		ID:        "state.close.unread-data-rst",
		Spec:      "RFC 2525 §2.17 and Linux tcp(7): closing with unread data sends RST, not FIN; neither end enters TIME_WAIT and both vanish",
		Catalogue: "H9a",
		Level:     h.Convention,
		Needs:     ownState | h.CapBuffered,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Write(peer, "unread"),
			h.WaitReadable(iut),
			h.Close(iut),
			h.ExpectState(iut, absent),
			h.ExpectState(peer, absent),
		),
	},
	{
		ID:        "state.close.unread-data-peer-reset",
		Spec:      "RFC 2525 §2.17: closing with unread data aborts the connection, so the peer's socket vanishes without TIME_WAIT (observed from the peer alone)",
		Catalogue: "H9a",
		Level:     h.Convention,
		Needs:     peerState | h.CapBuffered,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Write(peer, "unread"),
			h.WaitReadable(iut),
			h.Close(iut),
			h.ExpectState(peer, absent),
		),
	},
	{
		ID:        "state.close.full-sendbuf-fin-wait1",
		Spec:      "RFC 9293 §3.6: Close with unsent data queues the FIN behind it, so with a peer that does not read the closer stays in FIN_WAIT1 and the peer ESTABLISHED",
		Catalogue: "C4c",
		Level:     h.Convention,
		Needs:     ownState,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Fill(iut),
			h.Close(iut),
			h.ExpectState(iut, finWait1),
			h.ExpectState(peer, established),
		),
	},
	{
		ID:        "state.closeread.nothing-sent",
		Spec:      "Linux shutdown(SHUT_RD) sends nothing, so both ends stay ESTABLISHED",
		Catalogue: "H5a",
		Level:     h.Convention,
		Needs:     ownState,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.CloseRead(iut),
			h.ExpectState(iut, established),
			h.ExpectState(peer, established),
		),
	},
	{
		ID:        "state.closewrite.both-time-wait",
		Spec:      "RFC 9293 §3.6: when both ends shut down writing, the first FIN sender ends in TIME_WAIT and the other socket goes to CLOSE and leaves the table although its fd is open",
		Catalogue: "H4",
		Level:     h.Convention,
		Needs:     ownState,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.CloseWrite(iut),
			h.Read(peer, 8).Err(h.EOF),
			h.ExpectState(iut, finWait2),
			h.CloseWrite(peer),
			h.Read(iut, 8).Err(h.EOF),
			h.ExpectState(iut, timeWait),
			h.ExpectState(peer, absent),
		),
	},
	{
		ID:    "state.listener.listen",
		Spec:  "Linux listen(2): a listening socket is in LISTEN",
		Level: h.Contract,
		Needs: h.CapListener | h.CapKernel | h.CapTCP,
		Setup: h.SetupListener,
		Script: h.Script(
			h.ExpectState(h.Ln, listening),
		),
	},
	{
		ID:    "state.listener.gone-after-close",
		Spec:  "net.Listener.Close: closes the listener, so its LISTEN socket leaves the kernel's table",
		Level: h.Contract,
		Needs: h.CapListener | h.CapKernel | h.CapTCP,
		Setup: h.SetupListener,
		Script: h.Script(
			h.ExpectState(h.Ln, listening),
			h.Close(h.Ln),
			h.ExpectState(h.Ln, absent),
		),
	},
	{
		ID:        "state.listener.backlog-established",
		Spec:      "Linux listen(2): the kernel completes handshakes into the backlog before Accept, so both the dialer and the queued server socket are ESTABLISHED",
		Catalogue: "L6",
		Level:     h.Convention,
		Needs:     h.CapListener | h.CapKernel | h.CapTCP,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.DialTo("c1", h.Ln),
			h.ExpectState("c1", established),
			h.ExpectFarState("c1", established),
		),
	},
	{
		ID:        "state.listener.backlog-reset",
		Spec:      "Linux tcp(7): closing a listener resets the conns in its backlog: the queued socket vanishes and so does the dialer's, which reads ECONNRESET",
		Catalogue: "L7",
		Level:     h.Convention,
		Needs:     h.CapListener | h.CapKernel | h.CapTCP,
		Setup:     h.SetupListener,
		Script: h.Script(
			h.DialTo("c1", h.Ln),
			h.WaitAcceptQueue(h.Ln, 1),
			h.Close(h.Ln),
			h.ExpectFarState("c1", absent),
			h.ExpectState("c1", absent),
			h.Read("c1", 8).Err(h.Reset),
		),
	},
}
