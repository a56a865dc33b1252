// Package cmux adapts soheilhy/cmux — the connection multiplexer that
// serves gRPC and HTTP on one port in etcd, Jaeger and many others — to
// the harness.
//
// Topology: reference peer, server role only: std's TCP listener wrapped
// by cmux with a match-anything rule; the reference peer dials it. Accepted
// conns are *cmux.MuxConn, which embeds net.Conn: CloseWrite, CloseRead,
// SyscallConn and the TCP setters of the conn underneath are hidden. The
// implementation still declares half-close — the socket underneath has it —
// so the report shows the wrapper losing it. Close mode: full.
package cmux

import (
	"context"
	"net"

	"github.com/soheilhy/cmux"

	"github.com/netconform/netconform/harness"
)

// listener closes the mux with the listener it serves.
type listener struct {
	net.Listener
	m cmux.CMux
}

func (l *listener) Close() error {
	err := l.Listener.Close()
	l.m.Close()
	return err
}

// Listen serves a TCP listener through cmux and returns the matched one.
func Listen(ctx context.Context, network, address string, o harness.ListenOptions) (net.Listener, error) {
	lc := o.ListenConfig()
	lc.SetMultipathTCP(false)
	root, err := lc.Listen(ctx, network, address)
	if err != nil {
		return nil, err
	}
	m := cmux.New(root)
	l := m.Match(cmux.Any())
	go m.Serve()
	return &listener{Listener: l, m: m}, nil
}

// Impl is soheilhy/cmux over std TCP.
var Impl = harness.Impl{
	Name:        "soheilhy-cmux",
	Description: "std TCP listener served through soheilhy/cmux (match any)",
	URL:         "https://github.com/soheilhy/cmux",
	Version:     "v0.1.5",
	Caps: harness.CapStream | harness.CapHalfClose | harness.CapDeadline | harness.CapListener |
		harness.CapBuffered | harness.CapTCP | harness.CapKernel,
	Network: "tcp4",
	Listen:  Listen,
	Known:   known,
}
