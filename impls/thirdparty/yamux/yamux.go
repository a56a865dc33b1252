// Package yamux adapts hashicorp/yamux streams (used by Consul, Nomad,
// Vault and every go-plugin, so every Terraform provider) to the harness.
//
// Topology: pair — a client and a server session over one loopback TCP
// connection; the client opens a stream, the server accepts it. The server
// session is also the implementation's net.Listener (Accept returns
// streams; Open on the client session dials it). Close mode: half —
// yamux documents Stream.Close as closing the write side only. Streams
// have no CloseWrite, no CloseRead and no SyscallConn; their addresses are
// the shared TCP connection's.
package yamux

import (
	"context"
	"io"
	"net"

	"github.com/hashicorp/yamux"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/impls/thirdparty/internal/tcppair"
)

func sessions(ctx context.Context) (cli, srv *yamux.Session, stop func(), err error) {
	c1, c2, err := tcppair.New(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg := yamux.DefaultConfig()
	cfg.LogOutput = io.Discard
	cfg.EnableKeepAlive = false
	cli, err = yamux.Client(c1, cfg)
	if err == nil {
		srv, err = yamux.Server(c2, cfg)
	}
	stop = func() {
		if cli != nil {
			cli.Close()
		}
		if srv != nil {
			srv.Close()
		}
		c1.Close()
		c2.Close()
	}
	if err != nil {
		stop()
		return nil, nil, nil, err
	}
	return cli, srv, stop, nil
}

// NewPair opens one stream and accepts it.
func NewPair(ctx context.Context) (*harness.Pair, error) {
	cli, srv, stop, err := sessions(ctx)
	if err != nil {
		return nil, err
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

// NewListener makes the server session the listener; Dial opens streams.
func NewListener(ctx context.Context) (*harness.PairListener, error) {
	cli, srv, stop, err := sessions(ctx)
	if err != nil {
		return nil, err
	}
	return &harness.PairListener{
		Listener: srv,
		Dial:     func(context.Context) (net.Conn, error) { return cli.Open() },
		Stop:     stop,
	}, nil
}

// Impl is hashicorp/yamux.
var Impl = harness.Impl{
	Name:        "hashicorp-yamux",
	Description: "hashicorp/yamux streams over one loopback TCP connection",
	URL:         "https://github.com/hashicorp/yamux",
	Version:     "v0.1.2",
	Caps:        harness.CapStream | harness.CapDeadline | harness.CapListener | harness.CapBuffered | harness.CapBounded,
	CloseMode:   harness.CloseHalf,
	NewPair:     NewPair,
	NewListener: NewListener,
	Known:       known,
}
