// Package limitlistener adapts golang.org/x/net/netutil.LimitListener —
// the standard way to cap concurrent connections — to the harness.
//
// Topology: reference peer, server role only: std's TCP listener wrapped
// by LimitListener(64). Accepted conns are wrapped to release their slot
// on Close; the wrapper embeds net.Conn, so CloseWrite, CloseRead,
// SyscallConn and the TCP setters are hidden. The implementation still
// declares half-close — the socket underneath has it — so the report shows
// the wrapper losing it. Close mode: full.
package limitlistener

import (
	"context"
	"net"

	"golang.org/x/net/netutil"

	"github.com/netconform/netconform/harness"
)

// Listen wraps a TCP listener with netutil.LimitListener(64).
func Listen(ctx context.Context, network, address string, o harness.ListenOptions) (net.Listener, error) {
	lc := o.ListenConfig()
	lc.SetMultipathTCP(false)
	ln, err := lc.Listen(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return netutil.LimitListener(ln, 64), nil
}

// Impl is x/net netutil.LimitListener over std TCP.
var Impl = harness.Impl{
	Name:        "x-net-limitlistener",
	Description: "std TCP listener wrapped by golang.org/x/net/netutil.LimitListener(64)",
	URL:         "https://pkg.go.dev/golang.org/x/net/netutil#LimitListener",
	Version:     "v0.62.0",
	Caps: harness.CapStream | harness.CapHalfClose | harness.CapDeadline | harness.CapListener |
		harness.CapBuffered | harness.CapTCP | harness.CapKernel,
	Network: "tcp4",
	Listen:  Listen,
	Known:   known,
}
