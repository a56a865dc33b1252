package harness

import (
	"context"
	"net"
)

// A Pair is two connected ends of the same implementation. Stop, if not nil,
// tears down whatever lies underneath (a session, transport conns); the
// harness calls it after closing both ends, and it must not block forever.
type Pair struct {
	Client, Server net.Conn
	Stop           func()
}

// A PairListener is a listener of a pair-topology implementation with the
// way to reach it. Dial connects a new client to Listener.
type PairListener struct {
	Listener net.Listener
	Dial     func(ctx context.Context) (net.Conn, error)
	Stop     func()
}
