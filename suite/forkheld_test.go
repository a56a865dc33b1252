package suite_test

import (
	"context"
	"net"
	"sync"
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

// TestRebindOutlivesAForkedListener: close(2) on a listener drops one
// reference to its socket. A child process the test binary forks at that
// moment holds the socket, still listening, until it execs, so the
// case's Listen on the address fails with EADDRINUSE; by the time the
// harness looks at the socket table the child may have exec'd and the
// listening socket be gone (seen once in CI, std-tcp, server role). Such
// an attempt says nothing of the implementation: the case is retried and
// passes. forkHeldImpl holds a duplicate of its first listener's socket
// the way the child would, and lets it go as soon as a Listen fails (the
// CI run), or 50 ms after Close, its listener hiding its descriptor (as
// tls.NewListener's does) so that the harness cannot tell it closed.
func TestRebindOutlivesAForkedListener(t *testing.T) {
	c, ok := suite.Lookup("listener.listen.rebind-after-close")
	require.True(t, ok)
	for name, held := range map[string]time.Duration{"until-a-listen-fails": 0, "50ms-hidden-fd": 50 * time.Millisecond} {
		t.Run(name, func(t *testing.T) {
			rn := runner.New(runner.Config{Timescale: 1, Parallel: 1})
			res := rn.Run(context.Background(), forkHeldImpl(t, held, true), c, harness.RoleServer)
			require.Equal(t, result.Pass, res.Outcome, "%s: %v", res.Reason, res.Findings)
			require.Len(t, res.Retries, 1, "the held port went unnoticed")
			require.Contains(t, res.Retries[0], "held only a moment")
		})
	}
}

// TestRebindWithoutReuseAddrFails: a listener without SO_REUSEADDR cannot
// listen again while its conn sits in TIME_WAIT, for 60 s: a failure,
// whether or not a forked child held the listener at first.
func TestRebindWithoutReuseAddrFails(t *testing.T) {
	c, ok := suite.Lookup("listener.listen.rebind-after-close")
	require.True(t, ok)
	for name, held := range map[string]time.Duration{"not-held": -1, "until-a-listen-fails": 0} {
		t.Run(name, func(t *testing.T) {
			rn := runner.New(runner.Config{Timescale: 1, Parallel: 1})
			res := rn.Run(context.Background(), forkHeldImpl(t, held, false), c, harness.RoleServer)
			require.Equal(t, result.Fail, res.Outcome, "%s: %v", res.Reason, res.Retries)
		})
	}
}

// forkHeldImpl listens like the standard library (with SO_REUSEADDR
// turned off unless reuse). Its first listener's socket outlives Close,
// held by a duplicate: until a Listen fails when held is 0; for held after
// Close otherwise, the listener then hiding its descriptor; a negative
// held holds nothing.
func forkHeldImpl(t *testing.T, held time.Duration, reuse bool) *harness.Impl {
	var (
		mu  sync.Mutex
		dup = -1
		n   int
	)
	release := func() {
		mu.Lock()
		defer mu.Unlock()
		if dup >= 0 {
			syscall.Close(dup)
			dup = -1
		}
	}
	t.Cleanup(release)
	lc := net.ListenConfig{}
	if !reuse {
		lc.Control = func(_, _ string, rc syscall.RawConn) error {
			var err error
			rc.Control(func(fd uintptr) { err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 0) })
			return err
		}
	}
	return &harness.Impl{
		Name: "fork-held",
		Caps: harness.CapStream | harness.CapListener | harness.CapDial | harness.CapKernel | harness.CapTCP,
		Dial: func(ctx context.Context, network, address string, _ harness.DialOptions) (net.Conn, error) {
			return new(net.Dialer).DialContext(ctx, network, address)
		},
		Listen: func(ctx context.Context, network, address string, _ harness.ListenOptions) (net.Listener, error) {
			ln, err := lc.Listen(ctx, network, address)
			if err != nil && held == 0 {
				release() // the child execs just after the failed bind
			}
			if err != nil {
				return nil, err
			}
			mu.Lock()
			defer mu.Unlock()
			if n++; n == 1 && held >= 0 {
				rc, _ := ln.(*net.TCPListener).SyscallConn()
				rc.Control(func(fd uintptr) { dup, _ = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0) })
				if held > 0 {
					return heldListener{ln, held, release}, nil
				}
			}
			return ln, nil
		},
	}
}

// heldListener releases the duplicate of its socket a while after Close.
type heldListener struct {
	net.Listener
	held    time.Duration
	release func()
}

func (l heldListener) Close() error {
	err := l.Listener.Close()
	time.AfterFunc(l.held, l.release)
	return err
}
