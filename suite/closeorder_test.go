package suite_test

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	"github.com/netconform/netconform/suite"
)

// TestRebindWaitsForTheFirstFIN: listener.listen.rebind-after-close closes
// s1, then c1, and wants s1 in TIME_WAIT, so s1's FIN must leave first. A
// socket's close(2) only drops one reference: when the test binary forks
// a child at that moment, the child holds the socket until it execs, and
// the FIN leaves later. The case must wait for s1's FIN before closing c1,
// or such a fork turns s1 into the passive closer (seen once in 20 race
// runs). This implementation holds a duplicate of each accepted socket for
// a moment after Close, as the child would.
func TestRebindWaitsForTheFirstFIN(t *testing.T) {
	c, ok := suite.Lookup("listener.listen.rebind-after-close")
	require.True(t, ok)
	im := &harness.Impl{
		Name: "late-fin",
		Caps: harness.CapStream | harness.CapListener | harness.CapDial | harness.CapKernel | harness.CapTCP,
		Dial: func(ctx context.Context, network, address string, _ harness.DialOptions) (net.Conn, error) {
			return new(net.Dialer).DialContext(ctx, network, address)
		},
		Listen: func(ctx context.Context, network, address string, _ harness.ListenOptions) (net.Listener, error) {
			ln, err := new(net.ListenConfig).Listen(ctx, network, address)
			if err != nil {
				return nil, err
			}
			return lateFINListener{ln.(*net.TCPListener)}, nil
		},
	}
	rn := runner.New(runner.Config{Timescale: 1, Parallel: 1})
	res := rn.Run(context.Background(), im, c, harness.RoleServer)
	require.Equal(t, result.Pass, res.Outcome, "%s: %v", res.Reason, res.Findings)
}

// lateFINListener accepts conns whose socket outlives their Close by
// 100ms.
type lateFINListener struct{ *net.TCPListener }

func (l lateFINListener) Accept() (net.Conn, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	dup := -1
	if rc, err := c.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { dup, _ = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0) })
	}
	return &lateFINConn{TCPConn: c, dup: dup}, nil
}

type lateFINConn struct {
	*net.TCPConn
	dup int
}

func (c *lateFINConn) Close() error {
	err := c.TCPConn.Close()
	if dup := c.dup; dup >= 0 {
		c.dup = -1
		time.AfterFunc(100*time.Millisecond, func() { syscall.Close(dup) })
	}
	return err
}
