package myconn_test

import (
	"context"
	"net"
	"testing"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/suite"
)

type myConn struct{ *net.TCPConn } // your implementation: here, a wrapped std conn

func TestMyConn(t *testing.T) {
	suite.Run(t, harness.Impl{
		Name: "myconn",
		Caps: harness.CapStream | harness.CapDeadline | harness.CapBuffered | harness.CapTCP | harness.CapKernel,
		Dial: func(ctx context.Context, network, addr string, o harness.DialOptions) (net.Conn, error) {
			c, err := o.Dialer().DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return myConn{c.(*net.TCPConn)}, nil
		},
	})
}
