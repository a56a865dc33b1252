// Package gvisor adapts gVisor's userspace TCP/IP stack (netstack), through
// its gonet package, to the harness: the stack under Tailscale, gVisor,
// gvisor-tap-vsock and tun2socks.
//
// Topology: pair — each case gets its own netstack with a loopback link and
// the address 127.0.0.1; both ends of a conn, the listener, and every
// datagram socket live inside it, never in the kernel (the harness cannot
// observe their states). TCP: *gonet.TCPConn with CloseWrite and CloseRead;
// the listener is *gonet.TCPListener. UDP: *gonet.UDPConn, connected or
// not. Close mode: full.
package gvisor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/loopback"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"

	"github.com/netconform/netconform/harness"
)

const nic = 1

var loopbackAddr = tcpip.AddrFrom4([4]byte{127, 0, 0, 1})

// newStack makes a netstack with one loopback NIC holding 127.0.0.1.
func newStack() (*stack.Stack, error) {
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol},
	})
	if err := s.CreateNIC(nic, loopback.New()); err != nil {
		s.Destroy()
		return nil, errors.New(err.String())
	}
	pa := tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: loopbackAddr.WithPrefix()}
	if err := s.AddProtocolAddress(nic, pa, stack.AddressProperties{}); err != nil {
		s.Destroy()
		return nil, errors.New(err.String())
	}
	s.SetRouteTable([]tcpip.Route{{Destination: header.IPv4EmptySubnet, NIC: nic}})
	return s, nil
}

var stackKey struct{}

// caseStack returns the case's netstack, destroyed when the case ends.
func caseStack(ctx context.Context) (*stack.Stack, error) {
	return harness.CaseValue(ctx, &stackKey, func() (*stack.Stack, error) {
		s, err := newStack()
		if err == nil && !harness.CaseCleanup(ctx, func() { s.Close(); s.Wait() }) {
			s.Destroy()
			return nil, fmt.Errorf("gvisor: a netstack outside a case would leak")
		}
		return s, err
	})
}

func fullAddr(address string) (tcpip.FullAddress, error) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return tcpip.FullAddress{}, err
	}
	return tcpip.FullAddress{NIC: nic, Addr: tcpip.AddrFrom4(ap.Addr().Unmap().As4()), Port: ap.Port()}, nil
}

func listen(ctx context.Context) (*gonet.TCPListener, *stack.Stack, error) {
	s, err := caseStack(ctx)
	if err != nil {
		return nil, nil, err
	}
	ln, err := gonet.ListenTCP(s, tcpip.FullAddress{NIC: nic, Addr: loopbackAddr}, ipv4.ProtocolNumber)
	return ln, s, err
}

func dialer(s *stack.Stack, ln net.Listener) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		fa, err := fullAddr(ln.Addr().String())
		if err != nil {
			return nil, err
		}
		c, err := gonet.DialContextTCP(ctx, s, fa, ipv4.ProtocolNumber)
		if err != nil {
			return nil, err // not a nil *gonet.TCPConn in a non-nil net.Conn
		}
		return c, nil
	}
}

// NewPair dials a conn to a listener inside the case's netstack.
func NewPair(ctx context.Context) (*harness.Pair, error) {
	ln, s, err := listen(ctx)
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	type accepted struct {
		c   net.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		c, err := ln.Accept()
		ch <- accepted{c, err}
	}()
	c, err := dialer(s, ln)(ctx)
	if err != nil {
		ln.Close()
		<-ch
		return nil, err
	}
	a := <-ch
	if a.err != nil {
		c.Close()
		return nil, a.err
	}
	return &harness.Pair{Client: c, Server: a.c}, nil
}

// NewListener is a gonet listener and a dialer inside the case's netstack.
func NewListener(ctx context.Context) (*harness.PairListener, error) {
	ln, s, err := listen(ctx)
	if err != nil {
		return nil, err
	}
	return &harness.PairListener{Listener: ln, Dial: dialer(s, ln)}, nil
}

// ListenPacket binds an unconnected UDP endpoint in the case's netstack.
func ListenPacket(ctx context.Context, network, address string) (net.PacketConn, error) {
	s, err := caseStack(ctx)
	if err != nil {
		return nil, err
	}
	la, err := fullAddr(address)
	if err != nil {
		return nil, err
	}
	return gonet.DialUDP(s, &la, nil, ipv4.ProtocolNumber)
}

// DialPacket connects a UDP endpoint in the case's netstack to address.
func DialPacket(ctx context.Context, network, address string) (net.Conn, error) {
	s, err := caseStack(ctx)
	if err != nil {
		return nil, err
	}
	ra, err := fullAddr(address)
	if err != nil {
		return nil, err
	}
	return gonet.DialUDP(s, nil, &ra, ipv4.ProtocolNumber)
}

// TCP is gVisor netstack TCP through gonet.
var TCP = harness.Impl{
	Name:        "gvisor-gonet-tcp",
	Description: "gVisor netstack TCP (gonet.TCPConn, TCPListener) on a per-case userspace stack",
	URL:         "https://pkg.go.dev/gvisor.dev/gvisor/pkg/tcpip/adapters/gonet",
	Version:     "v0.0.0-20260527191743-a81fd9dd382e",
	Caps: harness.CapStream | harness.CapHalfClose | harness.CapCloseRead | harness.CapDeadline |
		harness.CapListener | harness.CapTCP | harness.CapBuffered | harness.CapBounded,
	NewPair:     NewPair,
	NewListener: NewListener,
	Known:       knownTCP,
}

// UDP is gVisor netstack UDP through gonet; both ends of every case are
// netstack endpoints.
var UDP = harness.Impl{
	Name:         "gvisor-gonet-udp",
	Description:  "gVisor netstack UDP (gonet.UDPConn) on a per-case userspace stack",
	URL:          "https://pkg.go.dev/gvisor.dev/gvisor/pkg/tcpip/adapters/gonet",
	Version:      "v0.0.0-20260527191743-a81fd9dd382e",
	Caps:         harness.CapPacket | harness.CapPacketDial | harness.CapDeadline,
	PacketNet:    "udp4",
	ListenPacket: ListenPacket,
	DialPacket:   DialPacket,
	Known:        knownUDP,
}
