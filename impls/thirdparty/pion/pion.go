// Package pion adapts pion/transport's udp listener — the connection-
// oriented listener over one UDP socket under pion/dtls servers (and so
// pion/webrtc's DTLS) — to the harness.
//
// Topology: reference peer, server role only. The IUT is the listener
// udp.Listen("udp4", 127.0.0.1:0) at its defaults (backlog 128, no accept
// filter, no batching): one kernel UDP socket whose read loop hands out one
// *udp.Conn per remote address. The reference peer reaches it with Go's
// std dialer over "udp4" (Impl.Network), so each DialTo is a connected
// *net.UDPConn on a port of its own — a distinct remote, hence a distinct
// accepted conn.
//
// A remote exists for the listener only once it has sent a datagram, so
// the Preface sends an empty one, the smallest first datagram a client can
// send: Accept then returns the conn, whose first Read returns it (0, nil)
// before any data the case writes. io.ReadFull, which the listener cases
// read with, passes over it.
//
// Accepted conns are connected datagram conns (each Read returns one
// datagram, each Write sends one), not byte streams: with Network "udp4"
// the harness sees an implementation of datagram conns
// (harness.Impl.DatagramConns), so the listener cases and the cases every
// net.Conn must pass (Close, deadlines, addresses) run, the byte-stream
// ones are not applicable. The harness reads the Preface's empty datagram
// off each accepted conn, as a server reads a client's first datagram.
// Close mode: full.
package pion

import (
	"context"
	"net"

	"github.com/pion/transport/v5/udp"

	"github.com/netconform/netconform/harness"
)

// Listen listens with udp.Listen at its defaults. The options are TCP
// keep-alive knobs, which a UDP socket has no use for.
func Listen(_ context.Context, network, address string, _ harness.ListenOptions) (net.Listener, error) {
	laddr, err := net.ResolveUDPAddr(network, address)
	if err != nil {
		return nil, err
	}
	return udp.Listen(network, laddr)
}

// Preface sends an empty datagram: the first datagram from a new remote is
// what makes the listener create, and Accept return, a conn for it.
func Preface(c net.Conn) error {
	_, err := c.Write(nil)
	return err
}

// Impl is pion/transport's udp listener.
var Impl = harness.Impl{
	Name:        "pion-udp-listener",
	Description: "pion/transport udp.Listen: one net.Conn per remote address over a single UDP socket (the DTLS server's listener); clients are std UDP conns",
	URL:         "https://github.com/pion/transport",
	Version:     "v5.1.5",
	Caps:        harness.CapListener | harness.CapDeadline | harness.CapKernel,
	Network:     "udp4",
	Listen:      Listen,
	Preface:     Preface,
	Known:       known,
}
