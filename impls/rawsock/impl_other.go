//go:build !linux

package rawsock

import (
	"context"
	"errors"
	"net"
	"runtime"

	"github.com/netconform/netconform/harness"
)

var errNotLinux = errors.New("rawsock is written on Linux syscalls; it does not run on " + runtime.GOOS)

func unsupported(context.Context, string, string) (net.Conn, error) { return nil, errNotLinux }

// TCP is rawsock's TCP; it is Linux-only, so here it has no capability.
var TCP = harness.Impl{Name: "rawsock-tcp", Description: errNotLinux.Error(), Caps: harness.CapStream,
	Dial: func(ctx context.Context, n, a string, _ harness.DialOptions) (net.Conn, error) {
		return unsupported(ctx, n, a)
	}}

// UDP is rawsock's UDP; it is Linux-only.
var UDP = harness.Impl{Name: "rawsock-udp", Description: errNotLinux.Error(), Caps: harness.CapStream,
	Dial: func(ctx context.Context, n, a string, _ harness.DialOptions) (net.Conn, error) {
		return unsupported(ctx, n, a)
	}}
