// Package smux adapts xtaci/smux streams (the multiplexer of kcptun, gost
// and many KCP-based tunnels) to the harness.
//
// Topology: pair — a client and a server session over one loopback TCP
// connection; the client opens a stream, the server accepts it. The
// server session, seen through net.Listener (Accept is AcceptStream,
// SetDeadline is the session's accept deadline, Addr its LocalAddr), is
// the listener, as code that serves smux streams uses it. Close mode:
// full. Streams have no CloseRead and no SyscallConn; their addresses
// are the shared TCP connection's.
//
// Two rows: Impl is smux as its README uses it, smux.Client(conn, nil) and
// smux.Server(conn, nil), which is DefaultConfig: protocol version 1,
// whose streams cannot half-close; ImplV2 sets Version 2, which adds
// CloseWrite and changes the window and close handling.
package smux

import (
	"context"
	"net"
	"time"

	"github.com/xtaci/smux"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/impls/thirdparty/internal/tcppair"
)

// sessions makes a client and a server session with cfg (nil: the
// defaults) over one loopback TCP connection.
func sessions(ctx context.Context, cfg *smux.Config) (cli, srv *smux.Session, stop func(), err error) {
	c1, c2, err := tcppair.New(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if cli, err = smux.Client(c1, cfg); err != nil {
		c1.Close()
		c2.Close()
		return nil, nil, nil, err
	}
	if srv, err = smux.Server(c2, cfg); err != nil {
		cli.Close()
		c1.Close()
		c2.Close()
		return nil, nil, nil, err
	}
	stop = func() {
		cli.Close()
		srv.Close()
		c1.Close()
		c2.Close()
	}
	return cli, srv, stop, nil
}

// newPair opens one stream on sessions made with cfg and accepts it.
func newPair(ctx context.Context, cfg *smux.Config) (*harness.Pair, error) {
	cli, srv, stop, err := sessions(ctx, cfg)
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

// newListener makes the server session the listener; Dial opens streams.
func newListener(ctx context.Context, cfg *smux.Config) (*harness.PairListener, error) {
	cli, srv, stop, err := sessions(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &harness.PairListener{
		Listener: listener{srv},
		Dial: func(context.Context) (net.Conn, error) {
			st, err := cli.OpenStream()
			if err != nil {
				return nil, err // not a nil *smux.Stream in a non-nil net.Conn
			}
			return st, nil
		},
		Stop: stop,
	}, nil
}

// listener is a server session as a net.Listener.
type listener struct{ s *smux.Session }

func (l listener) Close() error                  { return l.s.Close() }
func (l listener) Addr() net.Addr                { return l.s.LocalAddr() }
func (l listener) SetDeadline(t time.Time) error { return l.s.SetDeadline(t) }

// Accept is AcceptStream; a failure returns a nil net.Conn, not a nil
// *smux.Stream in one.
func (l listener) Accept() (net.Conn, error) {
	s, err := l.s.AcceptStream()
	if err != nil {
		return nil, err
	}
	return s, nil
}

// v2 is the config of ImplV2.
func v2() *smux.Config {
	cfg := smux.DefaultConfig()
	cfg.Version = 2
	return cfg
}

// Impl is xtaci/smux at its defaults (protocol version 1).
var Impl = harness.Impl{
	Name:        "xtaci-smux",
	Description: "xtaci/smux streams with the default config (protocol version 1) over one loopback TCP connection",
	URL:         "https://github.com/xtaci/smux",
	Version:     "v1.5.56",
	Caps:        harness.CapStream | harness.CapDeadline | harness.CapListener | harness.CapListenerDeadline | harness.CapBuffered | harness.CapBounded,
	NewPair:     func(ctx context.Context) (*harness.Pair, error) { return newPair(ctx, nil) },
	NewListener: func(ctx context.Context) (*harness.PairListener, error) { return newListener(ctx, nil) },
	Known:       append(knownV1, known...),
}

// ImplV2 is xtaci/smux with protocol version 2, which streams need for
// CloseWrite.
var ImplV2 = harness.Impl{
	Name:        "xtaci-smux-v2",
	Description: "xtaci/smux streams with Config.Version 2 (half-close) over one loopback TCP connection",
	URL:         "https://github.com/xtaci/smux",
	Version:     "v1.5.56",
	Caps:        harness.CapStream | harness.CapHalfClose | harness.CapDeadline | harness.CapListener | harness.CapListenerDeadline | harness.CapBuffered | harness.CapBounded,
	NewPair:     func(ctx context.Context) (*harness.Pair, error) { return newPair(ctx, v2()) },
	NewListener: func(ctx context.Context) (*harness.PairListener, error) { return newListener(ctx, v2()) },
	Known:       append(knownV2, known...),
}
