package suite

import (
	"time"

	h "github.com/netconform/netconform/harness/script"
)

// sockoptCases: the socket options Go sets (CATALOGUE.md §10; the seed
// strace shows them on accept), read back through the fd.
var sockoptCases = []h.Case{
	{
		ID:        "sockopt.nodelay.default-on",
		Spec:      "net.TCPConn.SetNoDelay: the default is true (no Nagle delay) on every TCP conn, dialed or accepted",
		Catalogue: "S7",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapTCP,
		Setup:     h.SetupConn,
		Script:    h.Script(h.ExpectOpt(iut, h.OptNoDelay, 1)),
	},
	{
		ID:    "sockopt.nodelay.set-false",
		Spec:  "net.TCPConn.SetNoDelay: false lets the operating system delay sends (Nagle), which TCP_NODELAY 0 shows",
		Level: h.Contract,
		Needs: h.CapStream | h.CapTCP,
		Setup: h.SetupConn,
		Script: h.Script(
			h.SetNoDelay(iut, false),
			h.ExpectOpt(iut, h.OptNoDelay, 0),
		),
	},
	{
		ID:        "sockopt.fd.nonblock-cloexec",
		Spec:      "Go's net (seed strace of accept4): every socket fd is O_NONBLOCK and FD_CLOEXEC",
		Catalogue: "S11",
		Level:     h.Convention,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.ExpectOpt(iut, h.OptNonBlock, 1),
			h.ExpectOpt(iut, h.OptCloExec, 1),
		),
	},
	{
		ID:        "sockopt.listener.reuseaddr",
		Spec:      "Go's net (sockopt_posix.go): listeners set SO_REUSEADDR, so a server can listen again while old conns sit in TIME_WAIT",
		Catalogue: "L5",
		Level:     h.Convention,
		Needs:     h.CapListener | h.CapTCP,
		Setup:     h.SetupListener,
		Script:    h.Script(h.ExpectOpt(h.Ln, h.OptReuseAddr, 1)),
	},
	{
		ID:        "sockopt.dial.no-reuseaddr",
		Spec:      "Go's net: dialed sockets do not set SO_REUSEADDR",
		Catalogue: "L5",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapTCP,
		Setup:     h.SetupConn,
		Roles:     []h.Role{h.RoleClient},
		Script:    h.Script(h.ExpectOpt(iut, h.OptReuseAddr, 0)),
	},
	{
		ID:    "sockopt.linger.default-off",
		Spec:  "net.TCPConn.SetLinger: the default (sec < 0) finishes sending in the background, which is SO_LINGER off",
		Level: h.Convention,
		Needs: h.CapStream | h.CapTCP,
		Setup: h.SetupConn,
		Script: h.Script(
			h.ExpectOpt(iut, h.OptLinger, -1),
		),
	},
	{
		ID:    "sockopt.linger.set-zero",
		Spec:  "net.TCPConn.SetLinger: sec == 0 discards unsent data on Close, which is SO_LINGER on with a zero timeout",
		Level: h.Contract,
		Needs: h.CapStream | h.CapTCP,
		Setup: h.SetupConn,
		Script: h.Script(
			h.SetLinger(iut, 0),
			h.ExpectOpt(iut, h.OptLinger, 0),
		),
	},
	{
		ID:        "sockopt.linger.positive-close-blocks",
		Spec:      "net.TCPConn.SetLinger: with sec > 0 the data is sent in the background, and on Linux Close may block until it is sent or sec seconds pass: with SetLinger(1), a full window and a peer not reading, Close takes a second, and the peer then reads the data and io.EOF, not a reset",
		Catalogue: "S8",
		Level:     h.Convention,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetLinger(iut, 1),
			h.Fill(iut),
			h.Close(iut).NotBefore(time.Second).KernelTimer(2).Within(time.Second+h.Tolerance),
			h.ReadAll(peer),
		),
	},
	{
		ID:        "sockopt.udp.broadcast-default",
		Spec:      "Go's net (sockopt_linux.go): every UDP socket has SO_BROADCAST set",
		Catalogue: "U14",
		Level:     h.Convention,
		Needs:     h.CapPacket,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script:    h.Script(h.ExpectOpt(srv, h.OptBroadcast, 1)),
	},
}
