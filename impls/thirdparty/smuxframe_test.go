package thirdparty_test

import (
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	xsmux "github.com/xtaci/smux"
)

// heldConn is a conn whose Writes wait, once hold is set, until release
// is closed: a transport that does not drain.
type heldConn struct {
	net.Conn
	hold    atomic.Bool
	release chan struct{}
}

func (c *heldConn) Write(b []byte) (int, error) {
	if c.hold.Load() {
		<-c.release
	}
	return c.Conn.Write(b)
}

// A version 2 Write waiting for the session to send its frame keeps the
// deadline it armed before the frame: clearing or extending the deadline
// then does not stop it from timing out at the old time (smux/known.go,
// v2FrameDeadline). smux over a net.Pipe whose client side stops
// draining, with ImplV2's config.
func TestDivergenceSmuxV2FrameDeadline(t *testing.T) {
	for _, tc := range []struct {
		name string
		next func() time.Time // the deadline set while the Write waits
	}{
		{"cleared", func() time.Time { return time.Time{} }},
		{"extended", func() time.Time { return time.Now().Add(bound) }},
	} {
		t.Run(tc.name, func(t *testing.T) { frameDeadline(t, tc.next) })
	}
}

// frameDeadline starts a Write with a 200 ms deadline on a stream whose
// transport does not drain, sets the deadline to next() while it waits,
// and wants the Write to time out anyway.
func frameDeadline(t *testing.T, next func() time.Time) {
	a, b := net.Pipe()
	held := &heldConn{Conn: a, release: make(chan struct{})}
	cfg := xsmux.DefaultConfig()
	cfg.Version = 2
	accepted := make(chan error, 1)
	srv, err := xsmux.Server(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	go func() {
		st, err := srv.AcceptStream()
		if err == nil {
			defer st.Close()
		}
		accepted <- err
		<-held.release
	}()
	cli, err := xsmux.Client(held, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	st, err := cli.OpenStream()
	if err != nil {
		t.Fatal(err)
	}
	if err := <-accepted; err != nil {
		t.Fatalf("AcceptStream: %v", err)
	}
	held.hold.Store(true)
	defer close(held.release)

	const deadline = 200 * time.Millisecond
	st.SetWriteDeadline(time.Now().Add(deadline))
	type ret struct {
		n   int
		err error
	}
	done := make(chan ret, 1)
	go func() {
		n, err := st.Write(make([]byte, 64<<10))
		done <- ret{n, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("Write on a held transport returned at once: %d, %v", r.n, r.err)
	case <-time.After(deadline / 4):
	}
	st.SetWriteDeadline(next())
	select {
	case r := <-done:
		var ne net.Error
		if !errors.As(r.err, &ne) || !ne.Timeout() {
			t.Fatalf("Write after its deadline was moved = %d, %v; want a timeout (the divergence) or no return", r.n, r.err)
		}
	case <-time.After(bound / 2):
		t.Fatalf("Write is still blocked %v after its deadline was moved: smux now honours a deadline changed while a frame is in flight; remove the entries of v2FrameDeadline from smux/known.go", bound/2)
	}
}
