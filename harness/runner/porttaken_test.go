package runner_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	h "github.com/netconform/netconform/harness/script"
)

// rebindCase listens again on a closed listener's address, as the suite's
// listener.listen.rebind-after-close does (without its conns: a dial
// could not bind its port beside them).
var rebindCase = &h.Case{
	ID: "test.listen.rebind", Spec: "net.ListenConfig: a closed listener's address can be listened on again",
	Level: h.Convention, Needs: h.CapListener | h.CapKernel, Setup: h.SetupListener,
	Script: h.Script(
		h.Close(h.Ln),
		h.Listen("ln2", h.Ln),
	),
}

// How rebindImpl's second Listen finds the port taken.
const (
	stealNone     = iota
	stealByDial   // a connection from the port, as another case's dial that picked it as its ephemeral port
	stealByListen // a listener on it, as another case's Listen(":0") that picked it
)

// rebindImpl listens like the standard library; before its second Listen,
// steal takes the port being listened on.
func rebindImpl(t *testing.T, steal int) *harness.Impl {
	var listens atomic.Int32
	return &harness.Impl{
		Name: "rebind-test",
		Caps: harness.CapStream | harness.CapListener | harness.CapDial | harness.CapKernel | harness.CapTCP,
		Dial: func(ctx context.Context, network, address string, _ harness.DialOptions) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, address)
		},
		Listen: func(ctx context.Context, network, address string, _ harness.ListenOptions) (net.Listener, error) {
			if listens.Add(1) == 2 && steal == stealByListen {
				other, err := new(net.ListenConfig).Listen(ctx, network, address)
				if err != nil {
					return nil, err
				}
				t.Cleanup(func() { other.Close() })
				return new(net.ListenConfig).Listen(ctx, network, address)
			}
			if listens.Add(0) == 2 && steal == stealByDial {
				other, err := net.Listen("tcp4", "127.0.0.1:0")
				if err != nil {
					return nil, err
				}
				t.Cleanup(func() { other.Close() })
				local, err := net.ResolveTCPAddr("tcp4", address)
				if err != nil {
					return nil, err
				}
				c, err := (&net.Dialer{LocalAddr: local}).DialContext(ctx, "tcp4", other.Addr().String())
				if err != nil {
					return nil, err
				}
				t.Cleanup(func() { c.Close() }) // open until the step is judged
				return new(net.ListenConfig).Listen(ctx, network, address)
			}
			return new(net.ListenConfig).Listen(ctx, network, address)
		},
	}
}

// TestRebindPortTakenIsInconclusive: when another connection took the
// closed listener's port, the failed Listen says nothing of the
// implementation: inconclusive, never a failure. Without it, the same
// script passes.
func TestRebindPortTakenIsInconclusive(t *testing.T) {
	require.NoError(t, rebindCase.Validate())
	rn := runner.New(runner.Config{Timescale: 1, Parallel: 1})
	res := rn.Run(context.Background(), rebindImpl(t, stealNone), rebindCase, harness.RoleServer)
	require.Equal(t, result.Pass, res.Outcome, "findings: %v", res.Findings)

	for _, steal := range []int{stealByDial, stealByListen} {
		res = rn.Run(context.Background(), rebindImpl(t, steal), rebindCase, harness.RoleServer)
		require.NotEqual(t, result.Fail, res.Outcome, "findings: %v", res.Findings)
		require.NotEmpty(t, res.Retries, "outcome %s: %s", res.Outcome, res.Reason)
		require.Contains(t, res.Retries[0], "taken by another case's socket", "outcome %s: %s", res.Outcome, res.Reason)
	}

	// A listener the implementation never closed holds the port: that is
	// the implementation's, a failure.
	leaky := rebindImpl(t, stealNone)
	listen := leaky.Listen
	leaky.Listen = func(ctx context.Context, network, address string, o harness.ListenOptions) (net.Listener, error) {
		ln, err := listen(ctx, network, address, o)
		if err == nil {
			t.Cleanup(func() { ln.Close() })
			ln = openListener{ln}
		}
		return ln, err
	}
	res = rn.Run(context.Background(), leaky, rebindCase, harness.RoleServer)
	require.Equal(t, result.Fail, res.Outcome, "%s: %v", res.Reason, res.Retries)
}

// openListener's Close leaves the listening socket open.
type openListener struct{ net.Listener }

func (openListener) Close() error { return nil }
