// Package smux adapts xtaci/smux streams (the multiplexer of kcptun, gost
// and many KCP-based tunnels) to the harness.
//
// Topology: pair — a client and a server session over one loopback TCP
// connection; the client opens a stream, the server accepts it. smux has
// no net.Listener (AcceptStream returns its own type). Close mode: full.
// Streams have CloseWrite (protocol version 2); no CloseRead, no
// SyscallConn; their addresses are the shared TCP connection's.
package smux

import (
	"context"

	"github.com/xtaci/smux"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/impls/thirdparty/internal/tcppair"
)

// NewPair opens one stream and accepts it.
func NewPair(ctx context.Context) (*harness.Pair, error) {
	c1, c2, err := tcppair.New(ctx)
	if err != nil {
		return nil, err
	}
	cfg := smux.DefaultConfig()
	cfg.Version = 2 // CloseWrite needs version 2
	cli, err := smux.Client(c1, cfg)
	if err != nil {
		c1.Close()
		c2.Close()
		return nil, err
	}
	srv, err := smux.Server(c2, cfg)
	if err != nil {
		cli.Close()
		c1.Close()
		c2.Close()
		return nil, err
	}
	stop := func() {
		cli.Close()
		srv.Close()
		c1.Close()
		c2.Close()
	}
	s1, err := cli.OpenStream()
	if err != nil {
		stop()
		return nil, err
	}
	s2, err := srv.AcceptStream()
	if err != nil {
		stop()
		return nil, err
	}
	return &harness.Pair{Client: s1, Server: s2, Stop: stop}, nil
}

// Impl is xtaci/smux.
var Impl = harness.Impl{
	Name:        "xtaci-smux",
	Description: "xtaci/smux v2 streams over one loopback TCP connection",
	URL:         "https://github.com/xtaci/smux",
	Version:     "v1.5.56",
	Caps:        harness.CapStream | harness.CapHalfClose | harness.CapDeadline | harness.CapBuffered,
	NewPair:     NewPair,
	Known:       known,
}
