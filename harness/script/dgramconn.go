package script

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/internal/engine"
)

// SetupConn for an implementation whose conns are connected datagram
// conns (harness.Impl.DatagramConns): the cases that need only what every
// net.Conn has (CapConn) run on a datagram conn and a peer that exchanges
// datagrams with it alone.
//
// Role client: the IUT's DialPacket conn, and a datagram socket it is
// connected to, seen as a conn with the IUT's conn as its only remote
// (the reference's, or the implementation's own for a userspace stack the
// kernel cannot reach). Role server: a conn the IUT's listener accepted
// (one per remote), and the reference's connected UDP conn that reached
// it; the Preface it sent to make the listener hand out a conn is read
// off the accepted conn, as a server reads a client's first datagram.

// setupDatagramConn makes the pair in role client.
func setupDatagramConn(a *engine.Attempt) (client, server *engine.Endpoint, err error) {
	im := a.Env.Impl
	pnet := im.DatagramNetwork()
	var pc net.PacketConn
	if iutKernel(a) {
		pc, err = net.ListenPacket(pnet, loopback(a, pnet))
		if err != nil {
			return nil, nil, fmt.Errorf("reference ListenPacket: %w", err)
		}
	} else if _, err = setupCall(a, "IUT ListenPacket", func() engine.Ret {
		var err error
		pc, err = im.ListenPacket(a.Ctx(), pnet, loopback(a, pnet))
		return engine.Ret{Err: err}
	}); err != nil {
		return nil, nil, err
	}
	a.Undo(func() { pc.Close() })
	var c net.Conn
	if _, err := setupCall(a, "IUT DialPacket", func() engine.Ret {
		var err error
		c, err = im.DialPacket(a.Ctx(), pnet, pc.LocalAddr().String())
		return engine.Ret{Err: err}
	}); err != nil {
		return nil, nil, err
	}
	client = a.Eps.Add(&engine.Endpoint{Name: Client, IUT: true, Conn: c, Kernel: iutKernel(a)})
	peer := &boundConn{PacketConn: pc, remote: c.LocalAddr()}
	server = a.Eps.Add(&engine.Endpoint{Name: Server, IUT: !iutKernel(a), Conn: peer, Kernel: iutKernel(a)})
	return client, server, nil
}

// readPreface reads the datagram the Preface sent off an accepted conn,
// within a second.
func readPreface(c net.Conn) error {
	c.SetReadDeadline(time.Now().Add(time.Second))
	defer c.SetReadDeadline(time.Time{})
	_, err := c.Read(make([]byte, 64<<10))
	return err
}

// boundConn is a datagram socket seen as a conn to one remote: Write sends
// to it, Read returns its datagrams only (others are dropped).
type boundConn struct {
	net.PacketConn
	remote net.Addr
}

func (b *boundConn) Read(p []byte) (int, error) {
	for {
		n, from, err := b.ReadFrom(p)
		if err != nil || from == nil || engine.SameAddr(from, b.remote) {
			return n, err
		}
	}
}

func (b *boundConn) Write(p []byte) (int, error) { return b.WriteTo(p, b.remote) }
func (b *boundConn) RemoteAddr() net.Addr        { return b.remote }

// SyscallConn exposes the socket underneath, for kernel observation.
func (b *boundConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := b.PacketConn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.New("netconform: the datagram socket has no syscall.Conn")
}

var _ net.Conn = (*boundConn)(nil)

// datagramRoleGap says why a datagram-conn implementation cannot play r in
// SetupConn, or "".
func datagramRoleGap(im *harness.Impl, r Role) string {
	switch {
	case r == RoleClient && im.DialPacket == nil:
		return "no DialPacket, so it cannot be the client"
	case r == RoleServer && (im.Listen == nil || !im.DatagramConns()):
		return "no listener of datagram conns, so it cannot be the server"
	}
	return ""
}
