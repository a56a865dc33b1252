package rebindtest_test

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
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

// envHolder makes the test binary a holder: it keeps the descriptors it
// inherited until its stdin closes, then exits (TestMain).
const envHolder = "NETCONFORM_TEST_HOLDER"

// holdUntilStdinCloses is the holder's whole life.
func holdUntilStdinCloses() {
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// TestRebindOutlivesAForkedListener: close(2) on a listener drops one
// reference to its socket. A child process the test binary forks at that
// moment holds the socket, still listening, until it execs, so the
// case's Listen on the address fails with EADDRINUSE (seen once in CI,
// std-tcp, server role). Such an attempt says nothing of the
// implementation: it is inconclusive, and the retry passes.
//   - child: the first listener's socket is held by a child running this
//     binary with its arguments, as a child not yet exec'd is, until the
//     Listen after the failed one;
//   - freed-at-once: a duplicate in this process is closed as the Listen
//     fails, before the harness can look (the child exec'd at once).
func TestRebindOutlivesAForkedListener(t *testing.T) {
	c, ok := suite.Lookup("listener.listen.rebind-after-close")
	require.True(t, ok)
	for name, want := range map[string]string{
		"child":         "by a child process forked as ln closed",
		"freed-at-once": "freed an instant after the failed Listen",
	} {
		t.Run(name, func(t *testing.T) {
			rn := runner.New(runner.Config{Timescale: 1, Parallel: 1})
			res := rn.Run(context.Background(), heldImpl(t, name, true), c, harness.RoleServer)
			require.Equal(t, result.Pass, res.Outcome, "%s: %v", res.Reason, res.Findings)
			require.Len(t, res.Retries, 1, "the held port went unnoticed")
			require.Contains(t, res.Retries[0], want)
		})
	}
}

// TestRebindWithoutReuseAddrFails: a listener without SO_REUSEADDR cannot
// listen again while its conn sits in TIME_WAIT, for 60 s: a failure,
// whether or not a forked child held the listener at first.
func TestRebindWithoutReuseAddrFails(t *testing.T) {
	t.Parallel()
	c, ok := suite.Lookup("listener.listen.rebind-after-close")
	require.True(t, ok)
	for _, hold := range []string{"none", "child", "freed-at-once"} {
		t.Run(hold, func(t *testing.T) {
			rn := runner.New(runner.Config{Timescale: 1, Parallel: 1})
			res := rn.Run(context.Background(), heldImpl(t, hold, false), c, harness.RoleServer)
			require.Equal(t, result.Fail, res.Outcome, "%s: %v", res.Reason, res.Retries)
		})
	}
}

// TestRebindLateCloseFails: a listener whose Close returns before its
// socket is freed (here 100 ms later, by this process) fails the case: the
// port is held by the implementation, not by a fork.
func TestRebindLateCloseFails(t *testing.T) {
	t.Parallel()
	c, ok := suite.Lookup("listener.listen.rebind-after-close")
	require.True(t, ok)
	rn := runner.New(runner.Config{Timescale: 1, Parallel: 1})
	res := rn.Run(context.Background(), heldImpl(t, "late-close", true), c, harness.RoleServer)
	require.Equal(t, result.Fail, res.Outcome, "%s: %v", res.Reason, res.Retries)
}

// heldImpl listens like the standard library (SO_REUSEADDR turned off
// unless reuse). Its first listener's socket outlives Close, as hold
// says: "child" or "freed-at-once" (above), or "none"; with "late-close"
// every listener's does (a retry of the case must fail too).
func heldImpl(t *testing.T, hold string, reuse bool) *harness.Impl {
	var (
		mu      sync.Mutex
		release func() // frees the first listener's socket, once
		n       int
		failed  bool
	)
	free := func() {
		mu.Lock()
		f := release
		release = nil
		mu.Unlock()
		if f != nil {
			f()
		}
	}
	t.Cleanup(free)
	lc := net.ListenConfig{}
	if !reuse {
		lc.Control = func(_, _ string, rc syscall.RawConn) error {
			var err error
			rc.Control(func(fd uintptr) { err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 0) })
			return err
		}
	}
	return &harness.Impl{
		Name: "held-" + hold,
		Caps: harness.CapStream | harness.CapListener | harness.CapDial | harness.CapKernel | harness.CapTCP,
		Dial: func(ctx context.Context, network, address string, _ harness.DialOptions) (net.Conn, error) {
			return new(net.Dialer).DialContext(ctx, network, address)
		},
		Listen: func(ctx context.Context, network, address string, _ harness.ListenOptions) (net.Listener, error) {
			mu.Lock()
			again := failed
			mu.Unlock()
			if again && hold == "child" {
				free() // the child execs: after the harness looked
			}
			ln, err := lc.Listen(ctx, network, address)
			if err != nil {
				mu.Lock()
				failed = true
				mu.Unlock()
				if hold == "freed-at-once" {
					free() // the child execs before the harness looks
				}
				return nil, err
			}
			if hold == "late-close" { // every listener: a retry must fail too
				closed := make(chan struct{})
				t.Cleanup(func() {
					select {
					case <-closed:
					case <-time.After(5 * time.Second):
					}
				})
				return lateClose{ln, closed, new(sync.Once)}, nil
			}
			mu.Lock()
			defer mu.Unlock()
			if n++; n > 1 || hold == "none" {
				return ln, nil
			}
			f, err := ln.(*net.TCPListener).File() // a duplicate, as a fork's
			if err != nil {
				ln.Close()
				return nil, err
			}
			switch hold {
			case "child":
				release = holdInChild(t, f)
				f.Close()
			default:
				release = func() { f.Close() }
			}
			return ln, nil
		},
	}
}

// holdInChild starts this test binary, with its own arguments, as a
// holder of f, and returns the func that ends it.
func holdInChild(t *testing.T, f *os.File) func() {
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Env = append(os.Environ(), envHolder+"=1")
	cmd.ExtraFiles = []*os.File{f}
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	return func() {
		stdin.Close()
		cmd.Wait()
	}
}

// lateClose frees its socket 100 ms after Close returns, then closes
// closed.
type lateClose struct {
	net.Listener
	closed chan struct{}
	once   *sync.Once
}

func (l lateClose) Close() error {
	l.once.Do(func() {
		time.AfterFunc(100*time.Millisecond, func() { l.Listener.Close(); close(l.closed) })
	})
	return nil
}
