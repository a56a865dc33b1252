package suite

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	h "github.com/netconform/netconform/harness/script"
)

const (
	srv     = h.Server
	udpMux  = 8 // clients of the multiplexing cases
	udpEach = 4 // datagrams per client
)

// udpCases: datagram sockets (CATALOGUE.md §8): one server socket serving
// many clients (the seeds' UDP server), message boundaries, truncation,
// ICMP-driven errors, and use after Close.
var udpCases = []h.Case{
	{
		ID:      "udp.multiplex.replies-reach-sender",
		Spec:    "net.PacketConn.ReadFrom returns the sender's address and WriteTo sends to one: a server socket answering 8 clients × 4 datagrams reaches each client with its own replies, never another's (TestUDPServer)",
		Level:   h.Contract,
		Needs:   h.CapPacket | h.CapPacketDial,
		Setup:   h.SetupPacket,
		Clients: udpMux,
		Script:  multiplexScript(udpMux, udpEach, false),
	},
	{
		ID:      "udp.multiplex.replies-in-order",
		Spec:    "Linux udp(7) on loopback: a server socket answering 8 clients × 4 datagrams in turn delivers each client's replies in the order it sent its requests, none lost (UDP itself promises neither)",
		Level:   h.Convention,
		Needs:   h.CapPacket | h.CapPacketDial,
		Setup:   h.SetupPacket,
		Clients: udpMux,
		Script:  multiplexScript(udpMux, udpEach, true),
	},
	{
		ID:    "udp.boundaries.preserved",
		Spec:  "net.PacketConn.ReadFrom reads a packet: datagrams of 1, 8 and 2 bytes arrive as three reads of exactly those sizes, never merged or split",
		Level: h.Contract,
		Needs: h.CapPacket | h.CapPacketDial,
		Setup: h.SetupPacket,
		Script: h.Script(
			h.Write("c1", "a"),
			h.Write("c1", "bbbbbbbb"),
			h.Write("c1", "cc"),
			h.ReadFrom(srv, 64).Want("a"),
			h.ReadFrom(srv, 64).Want("bbbbbbbb"),
			h.ReadFrom(srv, 64).Want("cc"),
		),
	},
	{
		ID:    "udp.readfrom.source-address",
		Spec:  "net.PacketConn.ReadFrom: returns the address the packet came from, which is the sending socket's LocalAddr",
		Level: h.Contract,
		Needs: h.CapPacket | h.CapPacketDial,
		Setup: h.SetupPacket,
		Script: h.Script(
			h.Write("c1", "x"),
			h.ReadFrom(srv, 64).Want("x").From("c1"),
		),
	},
	{
		ID:        "udp.readfrom.truncated-silent",
		Spec:      "Linux udp(7): a datagram larger than the buffer is truncated silently: ReadFrom returns len(p), nil and the rest is discarded (TestUDPReadSizeError)",
		Catalogue: "U1",
		Level:     h.Convention,
		Needs:     h.CapPacket | h.CapPacketDial,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.Write("c1", "0123456789"),
			h.Write("c1", "next"),
			h.ReadFrom(srv, 4).Want("0123"),
			h.ReadFrom(srv, 64).Want("next"),
		),
	},
	{
		ID:        "udp.read.truncated-silent",
		Spec:      "Linux udp(7): on a connected datagram conn a Read with a short buffer returns len(p), nil and discards the rest of the datagram",
		Catalogue: "U1",
		Level:     h.Convention,
		Needs:     h.CapPacket | h.CapPacketDial,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleClient},
		Script: h.Script(
			h.WriteTo(srv, "0123456789", "c1"),
			h.WriteTo(srv, "next", "c1"),
			h.Read("c1", 4).Want("0123"),
			h.Read("c1", 64).Want("next"),
		),
	},
	{
		ID:        "udp.readfrom.zero-length",
		Spec:      "net.UDPConn: a zero-length datagram reads as 0, nil with a valid source address, not as EOF (TestUDPZeroBytePayload)",
		Catalogue: "U3",
		Level:     h.Convention,
		Needs:     h.CapPacket | h.CapPacketDial,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.Write("c1", ""),
			h.ReadFrom(srv, 64).WantN(0).From("c1"),
		),
	},
	{
		ID:        "udp.read.zero-length-keeps-datagram",
		Spec:      "internal/poll.FD.Read: a zero-length Read returns 0, nil at once and leaves the queued datagram for the next Read (TestUDPZeroByteBuffer)",
		Catalogue: "U4a",
		Level:     h.Convention,
		Needs:     h.CapPacket | h.CapPacketDial,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleClient},
		Script: h.Script(
			h.WriteTo(srv, "keep", "c1"),
			h.WaitReadable("c1"),
			h.Read("c1", 0).Within(h.Tolerance),
			h.Read("c1", 64).Want("keep"),
		),
	},
	{
		ID:        "udp.read.refused-once",
		Spec:      "Linux udp(7): a connected socket whose datagram drew an ICMP port unreachable reports ECONNREFUSED on the next Read, once; the Read after that times out normally",
		Catalogue: "U7",
		Level:     h.Convention,
		Needs:     h.CapPacketDial | h.CapKernel,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleClient},
		Script: h.Script(
			h.DialPacket("cx", h.DeadPort),
			h.Write("cx", "anyone?"),
			h.Read("cx", 64).Err(h.Refused).Within(time.Second),
			h.SetReadDeadline("cx", h.In(shortDeadline)),
			h.Read("cx", 64).Err(h.Deadline).AtDeadline(),
		),
	},
	{
		ID:        "udp.writeto.connected-errors",
		Spec:      "net.UDPConn.WriteTo: on a connected conn WriteTo with an address fails with net.ErrWriteToConnected (TestWriteToUDP)",
		Catalogue: "U5",
		Level:     h.Convention,
		Needs:     h.CapPacket | h.CapPacketDial,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleClient},
		Script: h.Script(
			h.WriteTo("c1", "x", srv).Err(h.WriteToConnected),
		),
	},
	{
		ID:        "udp.write.unconnected-errors",
		Spec:      "Linux send(2): Write on an unconnected datagram socket has no destination and fails with EDESTADDRREQ (TestWriteToUDP)",
		Catalogue: "U6",
		Level:     h.Convention,
		Needs:     h.CapPacket | h.CapPacketDial,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.Write(srv, "x").Err(h.DestAddrRequired),
		),
	},
	{
		ID:        "udp.readfrom.after-close",
		Spec:      "net.PacketConn.Close: closes the connection; ReadFrom afterwards returns an error (TestPacketConnClose)",
		Catalogue: "U11",
		Level:     h.Contract,
		Needs:     h.CapPacket,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.Close(srv),
			h.ReadFrom(srv, 64).Err(h.Closed).AnyErr().Within(unblockWithin),
		),
	},
	{
		ID:        "udp.readfrom.after-close-is-errclosed",
		Spec:      "net.ErrClosed: ReadFrom on a closed packet conn fails with an error wrapping net.ErrClosed",
		Catalogue: "U11",
		Level:     h.Convention,
		Needs:     h.CapPacket,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.Close(srv),
			h.ReadFrom(srv, 64).Err(h.Closed).Within(unblockWithin),
		),
	},
	{
		ID:        "udp.writeto.after-close",
		Spec:      "net.PacketConn.Close: closes the connection; WriteTo afterwards returns an error",
		Catalogue: "U11",
		Level:     h.Contract,
		Needs:     h.CapPacket,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.Close(srv),
			h.WriteTo(srv, "x", "c1").Err(h.Closed).AnyErr(),
		),
	},
	{
		ID:        "udp.readfrom.close-unblocks",
		Spec:      "net.PacketConn.Close: any blocked ReadFrom or WriteTo operations will be unblocked and return errors (TestCloseUnblocksReadUDP)",
		Catalogue: "U10",
		Level:     h.Contract,
		Needs:     h.CapPacket,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.Go("r", h.ReadFrom(srv, 64).Err(h.Closed).AnyErr()),
			h.StillBlocked("r"),
			h.Close(srv),
			h.Await("r").Within(unblockWithin),
		),
	},
	{
		ID:        "udp.readfrom.close-unblocks-is-errclosed",
		Spec:      "net.ErrClosed: a ReadFrom released by Close fails with an error wrapping net.ErrClosed (TestCloseUnblocksReadUDP)",
		Catalogue: "U10",
		Level:     h.Convention,
		Needs:     h.CapPacket,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.Go("r", h.ReadFrom(srv, 64).Err(h.Closed)),
			h.StillBlocked("r"),
			h.Close(srv),
			h.Await("r").Within(unblockWithin),
		),
	},
	{
		ID:        "udp.read.close-unblocks",
		Spec:      "net.Conn.Close: a Read blocked on a connected datagram conn is unblocked and returns an error",
		Catalogue: "U10",
		Level:     h.Contract,
		Needs:     h.CapPacketDial,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleClient},
		Script: h.Script(
			h.Go("r", h.Read("c1", 64).Err(h.Closed).AnyErr()),
			h.StillBlocked("r"),
			h.Close("c1"),
			h.Await("r").Within(unblockWithin),
		),
	},
	{
		ID:        "udp.close.twice",
		Spec:      "net.ErrClosed: a second Close of a packet conn fails with an error wrapping net.ErrClosed (TestCloseError/udp)",
		Catalogue: "U11",
		Level:     h.Convention,
		Needs:     h.CapPacket,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.Close(srv),
			h.Close(srv).Err(h.Closed),
		),
	},
	{
		ID:        "udp.msgsize.too-large",
		Spec:      "Linux udp(7): a datagram larger than 65507 bytes (IPv4) cannot be sent; WriteTo fails with EMSGSIZE",
		Catalogue: "U12",
		Level:     h.Convention,
		Needs:     h.CapPacket | h.CapPacketDial,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.WriteToN(srv, 70000, "c1").Err(h.MsgSize),
		),
	},
	{
		ID:        "udp.msgsize.largest-delivered",
		Spec:      "Linux udp(7): the largest IPv4 datagram, 65507 bytes, crosses loopback whole",
		Catalogue: "U12",
		Level:     h.Convention,
		Needs:     h.CapPacket | h.CapPacketDial,
		Setup:     h.SetupPacket,
		Script: h.Script(
			h.WriteToN(srv, 65507, "c1"),
			h.Read("c1", 65507).WantPattern(0),
		),
	},
	{
		ID:        "udp.listen.addr-in-use",
		Spec:      "Linux bind(2): a second socket on a bound unicast UDP address fails with EADDRINUSE (TestUDPListener)",
		Catalogue: "U16",
		Level:     h.Convention,
		Needs:     h.CapPacket | h.CapKernel,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.ListenPacket("pc2", srv).Err(h.AddrInUse),
		),
	},
	{
		ID:        "udp.remoteaddr.unconnected-nil",
		Spec:      "net.UDPConn.RemoteAddr: an unconnected socket has no remote address, so RemoteAddr is nil, also once it has received a datagram (TestUDPConnLocalAndRemoteNames)",
		Catalogue: "U15",
		Level:     h.Convention,
		Needs:     h.CapPacket | h.CapPacketDial,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.Func("server RemoteAddr", remoteAddrNil("on a fresh unconnected socket")),
			h.Write("c1", "hello"),
			h.ReadFrom(srv, 64).Want("hello"),
			h.Func("server RemoteAddr", remoteAddrNil("after a ReadFrom")),
		),
	},
	{
		ID:        "udp.connected.drops-third-party",
		Spec:      "Linux udp(7) connect(2): a connected datagram socket only receives from its peer; datagrams from any other address are dropped",
		Catalogue: "U9",
		Level:     h.Convention,
		Needs:     h.CapPacketDial | h.CapKernel,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleClient},
		Script: h.Script(
			h.Func("a third party sends to c1", func(x *h.X) error {
				intruder, err := net.ListenPacket("udp4", "127.0.0.1:0")
				if err != nil {
					return err
				}
				defer intruder.Close()
				_, err = intruder.WriteTo([]byte("intruder"), x.LocalAddr("c1"))
				return err
			}),
			h.WriteTo(srv, "legit", "c1"),
			h.Read("c1", 64).Want("legit"),
		),
	},
	{
		ID:        "udp.icmp.unconnected-silent",
		Spec:      "Linux ip(7) IP_RECVERR: without it only connected UDP sockets get ICMP errors, so a server socket's WriteTo to a closed port succeeds and its next ReadFrom just reaches its deadline, with no ECONNREFUSED",
		Catalogue: "U8",
		Level:     h.Convention,
		Needs:     h.CapPacket,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.Close("c1"),
			h.WriteTo(srv, "anyone?", "c1"),
			h.SetReadDeadline(srv, h.In(longDeadline)),
			h.ReadFrom(srv, 64).Err(h.Deadline).Allow(h.TimeoutOther).Timeout().AtDeadline(),
			h.WriteTo(srv, "still?", "c1"),
		),
	},
	{
		ID:        "udp.multiplex.survives-closed-client",
		Spec:      "Linux ip(7): an unconnected UDP socket is not told of ICMP errors, so a server multiplexing clients keeps serving the others after it answered one whose port has closed (the seeds' UDP server)",
		Catalogue: "U8 U13",
		Level:     h.Convention,
		Needs:     h.CapPacket | h.CapPacketDial,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Clients:   3,
		Script: h.Script(
			h.Write("c1", "one"),
			h.Write("c2", "two"),
			h.Echo(srv, 2),
			h.Read("c1", 64).Want("echo:one"),
			h.Write("c2", "gone"),
			h.Close("c2"),
			h.Echo(srv, 1), // answers c2's last datagram: its port is closed
			h.Write("c3", "three"),
			h.Write("c1", "four"),
			h.Echo(srv, 2),
			h.Read("c3", 64).Want("echo:three"),
			h.Read("c1", 64).Want("echo:four"),
		),
	},
	{
		ID:        "udp.readfrom.nil-buffer-consumes",
		Spec:      "Linux recv(2): ReadFrom with an empty buffer has no shortcut on a datagram socket: it returns 0 with the sender's address and the datagram is consumed (TestUDPZeroByteBuffer)",
		Catalogue: "U4c",
		Level:     h.Convention,
		Needs:     h.CapPacket | h.CapPacketDial,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.Write("c1", "first"),
			h.Write("c1", "second"),
			h.ReadFrom(srv, 0).WantN(0).From("c1"),
			h.ReadFrom(srv, 64).Want("second").From("c1"),
		),
	},
	{
		ID:        "udp.error.op-read",
		Spec:      "net.OpError: a failed ReadFrom on a UDP socket is an OpError with Op \"read\", Net \"udp\"-family and the socket's Source (there is no \"readfrom\" Op on UDP)",
		Catalogue: "U17",
		Level:     h.Convention,
		Needs:     h.CapPacket,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.SetReadDeadline(srv, h.Past),
			h.ReadFrom(srv, 64).Err(h.Deadline).Allow(h.TimeoutOther).Timeout().OpError("read"),
		),
	},
	{
		ID:        "udp.error.op-write",
		Spec:      "net.OpError: a failed WriteTo on a UDP socket is an OpError with Op \"write\", Net \"udp\"-family, the socket's Source and the destination as Addr (there is no \"writeto\" Op on UDP)",
		Catalogue: "U17",
		Level:     h.Convention,
		Needs:     h.CapPacket,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.SetWriteDeadline(srv, h.Past),
			h.WriteTo(srv, "x", "c1").Err(h.Deadline).Allow(h.TimeoutOther).Timeout().OpError("write"),
		),
	},
	{
		ID:        "udp.close.unblocks-many-readfrom",
		Spec:      "net.PacketConn.Close: any blocked ReadFrom or WriteTo operations will be unblocked and return errors: all four ReadFroms blocked on one socket, not only one",
		Catalogue: "Q4",
		Level:     h.Contract,
		Needs:     h.CapPacket,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script:    releaseReadFroms(4, h.Close(srv), h.Closed),
	},
	{
		ID:        "udp.readmsg.truncation-flag",
		Spec:      "net.UDPConn.ReadMsgUDP: returns the flags set on the message, and a datagram longer than the buffer sets MSG_TRUNC, the one way the net API shows truncation (recv(2))",
		Catalogue: "U2",
		Level:     h.Convention,
		Needs:     h.CapPacket | h.CapPacketDial,
		Setup:     h.SetupPacket,
		Roles:     []h.Role{h.RoleServer},
		Script: h.Script(
			h.Write("c1", "0123456789"),
			h.Func("server.ReadMsgUDP(4 bytes)", readMsgTruncated),
		),
	},
	{
		ID:     "udp.shared-conn.concurrent-goroutines",
		Spec:   "net.Conn: multiple goroutines may invoke methods simultaneously; ten goroutines sharing one connected datagram conn (the seeds' client) each get whole replies, none lost, merged or torn",
		Level:  h.Contract,
		Needs:  h.CapPacketDial | h.CapPacket,
		Setup:  h.SetupPacket,
		Roles:  []h.Role{h.RoleClient},
		Budget: 20 * time.Second,
		Script: h.Script(h.Func("10 goroutines × 5 requests on c1, echoed by the server", sharedClientConn)),
	},
	{
		ID:      "udp.server.concurrent-handlers",
		Spec:    "net.PacketConn: multiple goroutines may invoke methods simultaneously; four goroutines doing ReadFrom/WriteTo on one server socket answer 8 clients, each reply to its sender",
		Level:   h.Contract,
		Needs:   h.CapPacket | h.CapPacketDial,
		Setup:   h.SetupPacket,
		Roles:   []h.Role{h.RoleServer},
		Clients: udpMux,
		Budget:  20 * time.Second,
		Script:  h.Script(h.Func("4 handler goroutines on the server, 8 clients", concurrentHandlers)),
	},
}

// releaseReadFroms blocks n ReadFroms on the server socket, runs release,
// and expects each to return an error of class want promptly.
func releaseReadFroms(n int, release h.Step, want h.Class) []h.Step {
	var s []h.Step
	for i := 1; i <= n; i++ {
		r := h.ReadFrom(srv, 64).Err(want)
		if want == h.Closed {
			r = r.AnyErr()
		} else {
			r = r.Allow(h.TimeoutOther).Timeout() // the deadline cases judge the class
		}
		s = append(s, h.Go(fmt.Sprintf("r%d", i), r))
	}
	s = append(s, h.StillBlocked(fmt.Sprintf("r%d", n)), release)
	for i := 1; i <= n; i++ {
		s = append(s, h.Await(fmt.Sprintf("r%d", i)).Within(unblockWithin))
	}
	return s
}

// remoteAddrNil checks that the server socket, unconnected, has no
// remote address.
func remoteAddrNil(when string) func(x *h.X) error {
	return func(x *h.X) error {
		c, ok := x.Object(srv).(net.Conn)
		if !ok {
			x.Unsupported("the server's PacketConn (%T) is not a net.Conn: it has no RemoteAddr", x.Object(srv))
			return nil
		}
		if ra := c.RemoteAddr(); ra != nil {
			x.Errorf("server.RemoteAddr() "+when, fmt.Sprintf("%v (%T)", ra, ra), "nil")
		}
		return nil
	}
}

// msgTrunc is MSG_TRUNC on Linux (recv(2)).
const msgTrunc = 0x20

// readMsgTruncated reads the 10-byte datagram into 4 bytes with ReadMsgUDP
// and expects MSG_TRUNC among the flags.
func readMsgTruncated(x *h.X) error {
	pc := x.PacketConn(srv)
	rm, ok := x.Object(srv).(interface {
		ReadMsgUDP(b, oob []byte) (n, oobn, flags int, addr *net.UDPAddr, err error)
	})
	if !ok {
		x.Unsupported("the server's PacketConn (%T) has no ReadMsgUDP, so it cannot report truncation", x.Object(srv))
		return nil
	}
	pc.SetReadDeadline(time.Now().Add(x.Scaled(5 * time.Second)))
	defer pc.SetReadDeadline(time.Time{})
	buf := make([]byte, 4)
	n, _, flags, _, err := rm.ReadMsgUDP(buf, nil)
	switch {
	case err != nil || n != 4 || string(buf) != "0123":
		x.Errorf("server.ReadMsgUDP(4 bytes) of a 10-byte datagram", fmt.Sprintf("%d, %q, %v", n, buf[:max(n, 0)], err), "4, \"0123\", nil")
	case flags&msgTrunc == 0:
		x.Errorf("server.ReadMsgUDP(4 bytes) of a 10-byte datagram", fmt.Sprintf("flags %#x", flags), "MSG_TRUNC (0x20) set")
	}
	return nil
}

// multiplexScript: every client sends its datagrams, the server echoes
// them all, and each client must read exactly its own replies in order.
func multiplexScript(clients, each int, inOrder bool) []h.Step {
	var s []h.Step
	for c := 1; c <= clients; c++ {
		for m := 1; m <= each; m++ {
			s = append(s, h.Write(fmt.Sprintf("c%d", c), fmt.Sprintf("c%d-m%d", c, m)))
		}
	}
	s = append(s, h.Echo(srv, clients*each))
	for c := 1; c <= clients; c++ {
		for m := 1; m <= each; m++ {
			read := h.Read(fmt.Sprintf("c%d", c), 64)
			if inOrder {
				read = read.Want(fmt.Sprintf("echo:c%d-m%d", c, m))
			} else {
				read = read.WantPrefix(fmt.Sprintf("echo:c%d-m", c))
			}
			s = append(s, read)
		}
	}
	return s
}

// sharedClientConn runs the seed document's UDP client: goroutines sharing
// one connected conn, each writing requests and reading replies.
func sharedClientConn(x *h.X) error {
	const goroutines, each = 10, 5
	c, pc := x.Conn("c1"), x.PacketConn(srv)
	pc.SetDeadline(time.Now().Add(x.Scaled(10 * time.Second)))
	c.SetDeadline(time.Now().Add(x.Scaled(10 * time.Second)))
	echoDone := make(chan error, 1)
	x.Go(func() {
		buf := make([]byte, 2048)
		for range goroutines * each {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				echoDone <- err
				return
			}
			if _, err := pc.WriteTo(append([]byte("echo:"), buf[:n]...), from); err != nil {
				echoDone <- err
				return
			}
		}
		echoDone <- nil
	})
	var mu sync.Mutex
	var replies []string
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		x.Go(func() {
			defer wg.Done()
			buf := make([]byte, 2048)
			for m := range each {
				if _, err := c.Write([]byte(fmt.Sprintf("g%02d-m%d", g, m))); err != nil {
					x.Errorf(fmt.Sprintf("c1.Write from goroutine %d", g), err.Error(), "nil")
					return
				}
				n, err := c.Read(buf)
				if err != nil {
					x.Errorf(fmt.Sprintf("c1.Read in goroutine %d", g), err.Error(), "a reply")
					return
				}
				mu.Lock()
				replies = append(replies, string(buf[:n]))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := <-echoDone; err != nil {
		return fmt.Errorf("echo server: %w", err)
	}
	var want []string
	for g := range goroutines {
		for m := range each {
			want = append(want, fmt.Sprintf("echo:g%02d-m%d", g, m))
		}
	}
	sort.Strings(replies)
	if strings.Join(replies, ",") != strings.Join(want, ",") {
		x.Errorf("c1.Read × 50 across 10 goroutines", fmt.Sprintf("%d replies: %s", len(replies), abbreviate(replies)), "each of the 50 echoes exactly once, whole")
	}
	return nil
}

// concurrentHandlers serves the clients from four goroutines sharing the
// server socket, then checks every client's replies.
func concurrentHandlers(x *h.X) error {
	const handlers = 4
	pc := x.PacketConn(srv)
	pc.SetDeadline(time.Now().Add(x.Scaled(10 * time.Second)))
	var wg sync.WaitGroup
	for range handlers {
		wg.Add(1)
		x.Go(func() {
			defer wg.Done()
			buf := make([]byte, 2048)
			for range udpMux * udpEach / handlers {
				n, from, err := pc.ReadFrom(buf)
				if err != nil {
					x.Errorf("server.ReadFrom in a handler goroutine", err.Error(), "a datagram")
					return
				}
				// A handler works a little before it answers, as real
				// ones do: the other handlers read meanwhile, so a reply
				// that goes anywhere but to from shows.
				time.Sleep(time.Millisecond)
				if _, err := pc.WriteTo(append([]byte("echo:"), buf[:n]...), from); err != nil {
					x.Errorf(fmt.Sprintf("server.WriteTo(%v)", from), err.Error(), "nil")
					return
				}
			}
		})
	}
	for c := 1; c <= udpMux; c++ {
		conn := x.Conn(fmt.Sprintf("c%d", c))
		conn.SetDeadline(time.Now().Add(x.Scaled(10 * time.Second)))
		for m := 1; m <= udpEach; m++ {
			if _, err := conn.Write([]byte(fmt.Sprintf("c%d-m%d", c, m))); err != nil {
				return fmt.Errorf("c%d.Write: %w", c, err)
			}
		}
	}
	for c := 1; c <= udpMux; c++ {
		conn := x.Conn(fmt.Sprintf("c%d", c))
		var got []string
		buf := make([]byte, 2048)
		for range udpEach {
			n, err := conn.Read(buf)
			if err != nil {
				x.Errorf(fmt.Sprintf("c%d.Read", c), err.Error(), "its echo")
				break
			}
			got = append(got, string(buf[:n]))
		}
		sort.Strings(got)
		var want []string
		for m := 1; m <= udpEach; m++ {
			want = append(want, fmt.Sprintf("echo:c%d-m%d", c, m))
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			x.Errorf(fmt.Sprintf("c%d.Read × %d", c, udpEach), strings.Join(got, ","), strings.Join(want, ","))
		}
	}
	wg.Wait()
	return nil
}

func abbreviate(ss []string) string {
	if len(ss) > 6 {
		return strings.Join(ss[:6], ",") + ",…"
	}
	return strings.Join(ss, ",")
}
