// Package goyamux adapts libp2p/go-yamux v5 streams (the multiplexer of
// libp2p, IPFS and Filecoin) to the harness.
//
// Topology: pair — a client and a server session over one loopback TCP
// connection; the client opens a stream, the server accepts it. The server
// session is also the net.Listener. Close mode: full (Close closes both
// directions). Streams have CloseWrite and CloseRead (go-yamux PR #5) and
// Reset; no SyscallConn; their addresses are the shared TCP connection's.
package goyamux

import (
	"context"
	"io"
	"net"

	yamux "github.com/libp2p/go-yamux/v5"

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
	cli, err = yamux.Client(c1, cfg, nil)
	if err == nil {
		srv, err = yamux.Server(c2, cfg, nil)
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
	s1, err := cli.OpenStream(ctx)
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
	return &harness.PairListener{Listener: srv, Dial: cli.Open, Stop: stop}, nil
}

// Impl is libp2p/go-yamux v5.
var Impl = harness.Impl{
	Name:        "libp2p-yamux",
	Description: "libp2p/go-yamux v5 streams over one loopback TCP connection",
	URL:         "https://github.com/libp2p/go-yamux",
	Version:     "v5.1.0",
	Caps: harness.CapStream | harness.CapHalfClose | harness.CapCloseRead | harness.CapDeadline |
		harness.CapListener | harness.CapBuffered | harness.CapBounded,
	NewPair:     NewPair,
	NewListener: NewListener,
	Known:       known,
}

var _ net.Listener = (*yamux.Session)(nil)
