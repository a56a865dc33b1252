// Package bufconn adapts grpc's test/bufconn — the in-memory transport of
// gRPC's tests — to the harness.
//
// Topology: pair — a bufconn.Listener with a 256 KiB buffer per direction;
// its Dial makes the client end, Accept the server end. The listener is
// the implementation's net.Listener. Close mode: full. No CloseWrite, no
// SyscallConn.
package bufconn

import (
	"context"
	"net"

	"google.golang.org/grpc/test/bufconn"

	"github.com/netconform/netconform/harness"
)

const bufSize = 256 << 10

// NewPair dials and accepts one conn.
func NewPair(ctx context.Context) (*harness.Pair, error) {
	lis := bufconn.Listen(bufSize)
	type accepted struct {
		c   net.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		c, err := lis.Accept()
		ch <- accepted{c, err}
	}()
	c, err := lis.DialContext(ctx)
	if err != nil {
		lis.Close()
		<-ch
		return nil, err
	}
	a := <-ch
	if a.err != nil {
		c.Close()
		lis.Close()
		return nil, a.err
	}
	return &harness.Pair{Client: c, Server: a.c, Stop: func() { lis.Close() }}, nil
}

// NewListener is a bufconn listener and its Dial.
func NewListener(context.Context) (*harness.PairListener, error) {
	lis := bufconn.Listen(bufSize)
	return &harness.PairListener{Listener: lis, Dial: lis.DialContext, Stop: func() { lis.Close() }}, nil
}

// Impl is grpc test/bufconn.
var Impl = harness.Impl{
	Name:        "grpc-bufconn",
	Description: "google.golang.org/grpc/test/bufconn in-memory listener and conns",
	URL:         "https://pkg.go.dev/google.golang.org/grpc/test/bufconn",
	Version:     "v1.85.0",
	Caps:        harness.CapStream | harness.CapDeadline | harness.CapListener | harness.CapBuffered | harness.CapBounded,
	NewPair:     NewPair,
	NewListener: NewListener,
	Known:       known,
}
