package rebindtest_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	"github.com/netconform/netconform/harness/sysobs"
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
	im := kernelTCP("late-fin", func(ln *net.TCPListener) net.Listener { return lateFINListener{ln} })
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

// TestRebindWaitsForTheACKOfTheFirstFIN: s1 must also have had c1's ACK
// of its FIN before c1 closes. That ACK is delayed (c1 is in pingpong
// mode after a FIN) and leaves from a timer. When a child forked as c1
// closes holds c1, c1's FIN leaves at the child's exec, maybe after the
// ACK and from another CPU, and overtakes it on loopback, whose packets
// queue per CPU: s1 goes to TIME_WAIT on the FIN, answers the old ACK
// that arrives next with a duplicate ACK, c1's port (c1 gone by then)
// answers that with an RST, and the RST kills the TIME_WAIT (RFC 1337's
// assassination, Linux's default). s1 is then absent, which says nothing
// of the implementation (about 2 runs in 1000 of a test binary that
// forks constantly). Here s1's Close holds c1's socket as such a child
// would, and reads s1's state when the case closes c1: FIN_WAIT2 (c1's
// ACK has arrived), never FIN_WAIT1, in every run.
func TestRebindWaitsForTheACKOfTheFirstFIN(t *testing.T) {
	c, ok := suite.Lookup("listener.listen.rebind-after-close")
	require.True(t, ok)
	if _, err := sysobs.SocketTable(); err != nil {
		t.Skip(err)
	}
	seen := make(chan sysobs.TCPState, 1)
	im := kernelTCP("peer-held-at-close", func(ln *net.TCPListener) net.Listener { return peerHeldListener{ln, seen} })
	for range 5 {
		rn := runner.New(runner.Config{Timescale: 1, Parallel: 1})
		res := rn.Run(context.Background(), im, c, harness.RoleServer)
		require.Equal(t, result.Pass, res.Outcome, "%s: %v", res.Reason, res.Findings)
		select {
		case s := <-seen:
			require.Equal(t, sysobs.FinWait2, s, "c1 closed while its ACK of s1's FIN could still be in flight")
		default:
			t.Fatal("c1's close went unseen")
		}
	}
}

// peerHeldListener accepts conns whose Close holds a duplicate of the
// other end's socket (a conn of this process: the case's c1) until the
// case closes its own fd, then sends s1's state then on seen and lets go.
type peerHeldListener struct {
	*net.TCPListener
	seen chan<- sysobs.TCPState
}

func (l peerHeldListener) Accept() (net.Conn, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	return &peerHeldConn{TCPConn: c, seen: l.seen}, nil
}

type peerHeldConn struct {
	*net.TCPConn
	seen chan<- sysobs.TCPState
}

func (c *peerHeldConn) Close() error {
	s1, c1 := c.LocalAddr().(*net.TCPAddr).AddrPort(), c.RemoteAddr().(*net.TCPAddr).AddrPort()
	fd, ino := peerFD(c1, s1)
	dup := -1
	if fd >= 0 {
		dup, _ = unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	}
	err := c.TCPConn.Close()
	if dup < 0 {
		return err
	}
	go func() {
		defer syscall.Close(dup)
		link := fmt.Sprintf("socket:[%d]", ino)
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Microsecond) {
			if l, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd)); err != nil || l != link {
				k, _ := sysobs.LookupTCP(s1, c1)
				c.seen <- k.State
				return
			}
		}
	}()
	return err
}

// peerFD finds this process's fd of the TCP socket local → remote, and
// its inode.
func peerFD(local, remote netip.AddrPort) (int, uint64) {
	table, _ := sysobs.SocketTable()
	fds, _ := sysobs.SocketFDs(os.Getpid())
	for _, e := range table {
		if e.Proto == "tcp" && e.Local == local && e.Remote == remote {
			if fd, ok := fds[e.Inode]; ok {
				return fd, e.Inode
			}
		}
	}
	return -1, 0
}

// kernelTCP is the standard library's TCP, its listeners wrapped by wrap.
func kernelTCP(name string, wrap func(*net.TCPListener) net.Listener) *harness.Impl {
	return &harness.Impl{
		Name: name,
		Caps: harness.CapStream | harness.CapListener | harness.CapDial | harness.CapKernel | harness.CapTCP,
		Dial: func(ctx context.Context, network, address string, _ harness.DialOptions) (net.Conn, error) {
			return new(net.Dialer).DialContext(ctx, network, address)
		},
		Listen: func(ctx context.Context, network, address string, _ harness.ListenOptions) (net.Listener, error) {
			ln, err := new(net.ListenConfig).Listen(ctx, network, address)
			if err != nil {
				return nil, err
			}
			return wrap(ln.(*net.TCPListener)), nil
		},
	}
}
