package suite

import (
	"time"

	h "github.com/netconform/netconform/harness/script"
)

// eofCases: the end of the stream, resets, and the peer's view of Close
// (CATALOGUE.md §2, quirks 1–3 of §5).
var eofCases = []h.Case{
	{
		ID:        "eof.read.after-peer-close",
		Spec:      "io.Reader: when the peer closes, Read returns the data it sent, then 0, io.EOF",
		Catalogue: "E7",
		Level:     h.Contract,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Go("w", h.Write(peer, "abc")),
			h.ReadFull(iut, 3).Want("abc"),
			h.Await("w"),
			h.Close(peer),
			h.Read(iut, 8).Err(h.EOF),
		),
	},
	{
		ID:        "eof.read.bare-sentinel",
		Spec:      "io.EOF: Read must return EOF itself, not an error wrapping it, because callers test for it with ==",
		Catalogue: "H1b",
		Level:     h.Contract,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(peer),
			h.Read(iut, 8).Err(h.EOF).Bare(),
		),
	},
	{
		ID:        "eof.read.peer-close-unblocks",
		Spec:      "io.Reader: a Read blocked when the peer closes gracefully returns 0, io.EOF (TestCloseUnblocksRead)",
		Catalogue: "C5",
		Level:     h.Contract,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Go("r", h.Read(iut, 8).Err(h.EOF)),
			h.StillBlocked("r"),
			h.Close(peer),
			h.Await("r").Within(unblockWithin),
		),
	},
	{
		ID:        "eof.read.no-data-with-eof",
		Spec:      "net.Conn (Go's stream Read): data and the end of stream are reported separately: (3, nil) then (0, io.EOF), never n > 0 with EOF",
		Catalogue: "E7",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapBuffered,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Write(peer, "abc"),
			h.Close(peer),
			h.WaitReadable(iut),
			h.Read(iut, 10).Want("abc"),
			h.Read(iut, 10).Err(h.EOF),
		),
	},
	{
		ID:    "eof.read.short-buffer",
		Spec:  "io.Reader: a stream Read fills at most len(p) bytes and keeps the rest for the next Read; nothing is lost",
		Level: h.Contract,
		Needs: h.CapStream,
		Setup: h.SetupConn,
		Script: h.Script(
			h.Go("w", h.Write(peer, "0123456789")),
			h.ReadFull(iut, 4).Want("0123"),
			h.ReadFull(iut, 6).Want("456789"),
			h.Await("w"),
		),
	},
	{
		ID:    "eof.read.short-buffer-one-call",
		Spec:  "net.Conn (Go's stream Read): with 10 bytes queued, Read(4) returns exactly 4 and the next Read the other 6",
		Level: h.Convention,
		Needs: h.CapStream | h.CapBuffered,
		Setup: h.SetupConn,
		Script: h.Script(
			h.Write(peer, "0123456789"),
			h.WaitReadable(iut),
			h.Read(iut, 4).Want("0123"),
			h.Read(iut, 10).Want("456789"),
		),
	},
	{
		ID:        "eof.read.zero-length",
		Spec:      "internal/poll.FD.Read: a zero-length Read returns 0, nil at once without a syscall, since read(2) returning 0 would look like EOF (TestZeroByteRead)",
		Catalogue: "D9",
		Level:     h.Convention,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Read(iut, 0).Within(h.Tolerance),
		),
	},
	{
		ID:    "eof.write.zero-length",
		Spec:  "net.Conn (Go's TCP Write): a zero-length Write returns 0, nil and sends nothing the peer could read",
		Level: h.Convention,
		Needs: h.CapStream | h.CapBuffered,
		Setup: h.SetupConn,
		Script: h.Script(
			h.Write(iut, ""),
			h.Write(iut, "x"),
			h.Read(peer, 8).Want("x"),
		),
	},
	{
		ID:        "eof.read.after-peer-abort",
		Spec:      "Linux tcp(7): a peer that closes with unread data sends RST, and the first Read then fails with ECONNRESET (TestNotTemporaryRead)",
		Catalogue: "H9a H9b H14",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapResets | h.CapBuffered,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Write(iut, "unread"),
			h.WaitReadable(peer),
			h.Close(peer),
			h.Read(iut, 8).Err(h.Reset).NotTimeout(),
		),
	},
	{
		ID:        "eof.read.after-reset-reported",
		Spec:      "Linux tcp(7): a reset is reported once; after it, Read returns 0, io.EOF",
		Catalogue: "H9c",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapResets | h.CapBuffered,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Write(iut, "unread"),
			h.WaitReadable(peer),
			h.Close(peer),
			h.Read(iut, 8).Err(h.Reset),
			h.Read(iut, 8).Err(h.EOF),
		),
	},
	{
		ID:        "eof.write.after-reset-reported",
		Spec:      "Linux tcp(7): once a reset was reported, Write fails with EPIPE",
		Catalogue: "H9d H10b",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapResets | h.CapBuffered,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Write(iut, "unread"),
			h.WaitReadable(peer),
			h.Close(peer),
			h.Read(iut, 8).Err(h.Reset),
			h.Write(iut, "x").Err(h.BrokenPipe),
		),
	},
	{
		ID:        "eof.write.first-after-peer-abort",
		Spec:      "Linux tcp(7): when the first operation after the peer's RST is a Write, it fails with ECONNRESET",
		Catalogue: "H10a",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapResets | h.CapBuffered,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Write(iut, "unread"),
			h.WaitReadable(peer),
			h.Close(peer),
			h.WaitReset(iut),
			h.Write(iut, "x").Err(h.Reset),
		),
	},
	{
		ID:        "eof.write.to-closed-peer",
		Spec:      "Linux tcp(7): writing to a fully closed peer succeeds once, the peer answers RST, and the next Write fails with EPIPE (an RST in CLOSE_WAIT becomes EPIPE)",
		Catalogue: "H11 H12",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapTCP | h.CapKernel,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(peer),
			// The FIN itself, not data the peer sent before it (a TLS
			// close_notify): with the FIN still queued on another CPU the
			// RST would find the conn ESTABLISHED and report ECONNRESET.
			h.ExpectState(iut, h.CloseWait),
			h.Write(iut, "a"),
			h.ExpectState(iut, h.Absent),
			h.Write(iut, "b").Err(h.BrokenPipe),
			h.Read(iut, 8).Err(h.EOF),
		),
	},
	{
		ID:        "eof.write.after-peer-close-fails",
		Spec:      "Linux tcp(7) and unix(7): once the peer has closed completely, Writes soon fail (its RST turns into EPIPE), so a writer learns its data goes nowhere instead of writing into the void for ever",
		Catalogue: "H11",
		Level:     h.Convention,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Close(peer),
			h.Read(iut, 8).Err(h.EOF).AnyErr(),
			h.WriteUntilFails(iut, 2*time.Second).Err(h.BrokenPipe).AnyErr(),
		),
	},
	{
		ID:        "eof.read.all-data-before-eof",
		Spec:      "RFC 9293 §3.6: a close delivers everything written before it: 1 MiB written then Close by the peer reads back intact, then io.EOF",
		Catalogue: "E7",
		Level:     h.Convention,
		Needs:     h.CapStream,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.Go("r", h.ReadAll(iut).WantPattern(0).WantN(1<<20)),
			h.WriteN(peer, 1<<20),
			h.Close(peer),
			h.Await("r"),
		),
	},
	{
		ID:        "eof.read.after-peer-linger-zero",
		Spec:      "Linux socket(7) SO_LINGER: a peer closing with a zero linger time aborts with RST, and Read fails with ECONNRESET",
		Catalogue: "S5",
		Level:     h.Convention,
		Needs:     h.CapStream | h.CapResets,
		Setup:     h.SetupConn,
		Script: h.Script(
			h.SetLinger(peer, 0),
			h.Close(peer),
			h.Read(iut, 8).Err(h.Reset),
		),
	},
}
