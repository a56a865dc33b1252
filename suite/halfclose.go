package suite

import (
	h "github.com/netconform/netconform/harness/script"
)

// Shorthands for the endpoints every stream script uses.
const (
	iut  = h.IUT
	peer = h.Peer
)

// halfcloseCases: CloseWrite and CloseRead (CATALOGUE.md §1). They need the
// half-close capability: CloseWrite and CloseRead are not part of net.Conn
// but of the conns that declare them (*net.TCPConn, *net.UnixConn, …).
var halfcloseCases = []h.Case{
	{
		ID:        "halfclose.closewrite.returns-nil",
		Spec:      "net.TCPConn.CloseWrite: shuts down the writing side of the connection; on an established conn it succeeds",
		Catalogue: "H1a",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapHalfClose,
		Setup:     h.SetupConn,
		Script:    h.Script(h.CloseWrite(iut)),
	},
	{
		ID:        "halfclose.closewrite.peer-reads-eof",
		Spec:      "net.TCPConn.CloseWrite: the peer reads everything written before it, then io.EOF (RFC 9293 §3.6: FIN after the data)",
		Catalogue: "H1b",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapHalfClose,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Go("w", h.Write(iut, "hello")),
			h.ReadFull(peer, 5).Want("hello"),
			h.Await("w"),
			h.CloseWrite(iut),
			h.Read(peer, 8).Err(h.EOF),
		),
	},
	{
		ID:        "halfclose.closewrite.eof-sticky",
		Spec:      "io.Reader: once the peer's stream has ended every further Read returns 0, io.EOF (TestCloseWrite reads EOF after CloseWrite)",
		Catalogue: "H1c",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapHalfClose,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.CloseWrite(iut),
			h.Read(peer, 8).Err(h.EOF),
			h.Read(peer, 8).Err(h.EOF),
			h.Read(peer, 8).Err(h.EOF),
		),
	},
	{
		ID:        "halfclose.closewrite.reverse-flows",
		Spec:      "RFC 9293 §3.6: after one side's FIN the other direction stays open: the peer still writes and the half-closed side still reads",
		Catalogue: "H3",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapHalfClose,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.CloseWrite(iut),
			h.Read(peer, 8).Err(h.EOF),
			h.Go("w", h.Write(peer, "back")),
			h.ReadFull(iut, 4).Want("back"),
			h.Await("w"),
		),
	},
	{
		ID:        "halfclose.write.after-closewrite",
		Spec:      "net.TCPConn.CloseWrite: the writing side is shut down, so a later Write fails (EPIPE on Linux, TestCloseWrite)",
		Catalogue: "H2",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapHalfClose,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.CloseWrite(iut),
			h.Write(iut, "x").Err(h.BrokenPipe).AnyErr(),
		),
	},
	{
		ID:        "halfclose.write.after-closewrite-is-epipe",
		Spec:      "Linux write(2): writing on a socket shut down for writing fails with EPIPE; Go ignores SIGPIPE on sockets and returns it, twice",
		Catalogue: "H2",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapHalfClose,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.CloseWrite(iut),
			h.Write(iut, "x").Err(h.BrokenPipe),
			h.Write(iut, "y").Err(h.BrokenPipe),
		),
	},
	{
		ID:        "halfclose.closewrite.twice",
		Spec:      "Linux shutdown(2): shutting down the write side again while the peer is open succeeds (TestCloseError calls it three times)",
		Catalogue: "H6c",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapHalfClose,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.CloseWrite(iut),
			h.CloseWrite(iut),
		),
	},
	{
		ID:        "halfclose.closewrite.after-close",
		Spec:      "net.ErrClosed: CloseWrite on a closed conn fails with an error wrapping net.ErrClosed (TestCloseError)",
		Catalogue: "H7",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapHalfClose,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.CloseWrite(iut).Err(h.Closed),
		),
	},
	{
		ID:        "halfclose.closewrite.data-before-delivered",
		Spec:      "RFC 9293 §3.6: data written before CloseWrite is delivered before the FIN; none is lost or truncated (1 MiB)",
		Catalogue: "H8",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapHalfClose,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Go("r", h.ReadAll(peer).WantPattern(0).WantN(1<<20)),
			h.WriteN(iut, 1<<20),
			h.CloseWrite(iut),
			h.Await("r"),
		),
	},
	{
		ID:        "halfclose.closewrite.both-sides",
		Spec:      "RFC 9293 §3.6: when both sides shut down writing, each reads the other's data then io.EOF",
		Catalogue: "H4",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapHalfClose,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Go("w", h.Write(iut, "a")),
			h.ReadFull(peer, 1).Want("a"),
			h.Await("w"),
			h.CloseWrite(iut),
			h.Go("w2", h.Write(peer, "b")),
			h.ReadFull(iut, 1).Want("b"),
			h.Await("w2"),
			h.CloseWrite(peer),
			h.Read(iut, 4).Err(h.EOF),
			h.Read(peer, 4).Err(h.EOF),
		),
	},
	{
		ID:        "halfclose.closewrite.after-full-shutdown",
		Spec:      "Linux shutdown(2): once both directions are shut and the connection is gone, shutdown fails with ENOTCONN",
		Catalogue: "H6",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapHalfClose | h.CapTCP,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.CloseWrite(peer),
			h.Read(iut, 4).Err(h.EOF),
			h.CloseWrite(iut),
			h.Read(peer, 4).Err(h.EOF),
			h.CloseWrite(iut).Err(h.NotConnected),
		),
	},
	{
		ID:        "halfclose.closeread.returns-nil",
		Spec:      "net.TCPConn.CloseRead: shuts down the reading side; on an established conn it succeeds (TestCloseRead)",
		Catalogue: "H5a",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapCloseRead,
		Setup:     h.SetupConn,
		Script:    h.Script(h.CloseRead(iut)),
	},
	{
		ID:        "halfclose.closeread.read-fails",
		Spec:      "net.TCPConn.CloseRead: after it, a Read returns n == 0 and an error (TestCloseRead)",
		Catalogue: "H5c",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapCloseRead,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.CloseRead(iut),
			h.Read(iut, 8).Err(h.EOF).AnyErr().Within(h.Tolerance),
		),
	},
	{
		ID:        "halfclose.closeread.read-returns-eof",
		Spec:      "Linux shutdown(SHUT_RD): a Read with nothing queued returns 0 (io.EOF in Go) at once",
		Catalogue: "H5c",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapCloseRead,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.CloseRead(iut),
			h.Read(iut, 8).Err(h.EOF).Within(h.Tolerance),
		),
	},
	{
		ID:        "halfclose.closeread.queued-data-first",
		Spec:      "Linux shutdown(SHUT_RD): data already queued is still returned by Read before io.EOF",
		Catalogue: "H5b",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapCloseRead | h.CapBuffered,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Write(peer, "abc"),
			h.WaitReadable(iut),
			h.CloseRead(iut),
			h.ReadFull(iut, 3).Want("abc"),
		),
	},
	{
		ID:        "halfclose.closeread.peer-write-succeeds",
		Spec:      "Linux tcp(7) shutdown(SHUT_RD) sends nothing: the peer's later Write succeeds and no RST is provoked (unix sockets differ: EPIPE)",
		Catalogue: "H5f",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapCloseRead | h.CapBuffered | h.CapTCP,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.CloseRead(iut),
			h.Write(peer, "late"),
			h.Write(peer, "again"),
		),
	},
	{
		ID:        "halfclose.closeread.own-write-works",
		Spec:      "net.TCPConn.CloseRead shuts down only the reading side: Write still works and the peer receives it",
		Catalogue: "H5g",
		Level:     h.Contract,
		Needs:     h.CapStream | h.CapCloseRead,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.CloseRead(iut),
			h.Go("w", h.Write(iut, "out")),
			h.ReadFull(peer, 3).Want("out"),
			h.Await("w"),
		),
	},
	{
		ID:        "halfclose.closeread.twice",
		Spec:      "Linux shutdown(2): shutting down the read side again while established succeeds (TestCloseError calls it three times)",
		Catalogue: "H6c",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapCloseRead,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.CloseRead(iut),
			h.CloseRead(iut),
		),
	},
	{
		ID:        "halfclose.closeread.after-close",
		Spec:      "net.ErrClosed: CloseRead on a closed conn fails with an error wrapping net.ErrClosed (TestCloseError)",
		Catalogue: "H7",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapCloseRead,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(iut),
			h.CloseRead(iut).Err(h.Closed),
		),
	},
}
