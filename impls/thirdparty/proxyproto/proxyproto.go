// Package proxyproto adapts pires/go-proxyproto — PROXY protocol support
// for servers behind HAProxy and cloud load balancers — to the harness.
//
// Topology: reference peer, server role only: std's TCP listener wrapped
// by proxyproto.Listener with default settings (policy REQUIRE, header
// timeout 10s). The reference peer opens every conn with a PROXY v2 header
// carrying the conn's real addresses, as a load balancer in front of the
// server does, so RemoteAddr still names the peer. Accepted conns are
// *proxyproto.Conn:
// CloseWrite and SyscallConn are reachable only through TCPConn(), so they
// are hidden from callers of net.Conn. The implementation declares
// half-close — the socket underneath has it — so the report shows the
// wrapper losing it. Close mode: full.
package proxyproto

import (
	"context"
	"net"

	"github.com/pires/go-proxyproto"

	"github.com/netconform/netconform/harness"
)

// Listen wraps a TCP listener with proxyproto.Listener.
func Listen(ctx context.Context, network, address string, o harness.ListenOptions) (net.Listener, error) {
	lc := o.ListenConfig()
	lc.SetMultipathTCP(false)
	ln, err := lc.Listen(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return &proxyproto.Listener{Listener: ln}, nil
}

// Preface writes the PROXY v2 header a load balancer would send for c.
func Preface(c net.Conn) error {
	h := proxyproto.HeaderProxyFromAddrs(2, c.LocalAddr(), c.RemoteAddr())
	_, err := h.WriteTo(c)
	return err
}

// Impl is pires/go-proxyproto over std TCP.
var Impl = harness.Impl{
	Name:        "pires-proxyproto",
	Description: "std TCP listener wrapped by pires/go-proxyproto's Listener; clients send a PROXY v2 header",
	URL:         "https://github.com/pires/go-proxyproto",
	Version:     "v0.15.0",
	Caps: harness.CapStream | harness.CapHalfClose | harness.CapDeadline | harness.CapListener |
		harness.CapBuffered | harness.CapTCP | harness.CapKernel,
	Network: "tcp4",
	Listen:  Listen,
	Preface: Preface,
	Known:   known,
}
