package thirdparty_test

// Each test here drives one library through its adapter, as the adapter
// configures it, and checks that a divergence its known.go declares is
// really there: if an adapter silently smoothed it over, the suite would
// report unexpected-pass, and these tests say which behaviour went missing.
// Every blocking call is bounded by a deadline; nothing waits on a sleep.

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	yamux "github.com/libp2p/go-yamux/v5"
	pp "github.com/pires/go-proxyproto"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/impls/thirdparty/bufconn"
	"github.com/netconform/netconform/impls/thirdparty/goyamux"
	"github.com/netconform/netconform/impls/thirdparty/proxyproto"
	"github.com/netconform/netconform/impls/thirdparty/smux"
)

// bound is how long any one call may block before the test gives up.
const bound = 5 * time.Second

// peerClosed closes the server end of p and waits, within bound, for the
// client to read the peer's FIN as io.EOF.
func peerClosed(t *testing.T, p *harness.Pair) {
	t.Helper()
	if err := p.Server.Close(); err != nil {
		t.Fatalf("peer Close: %v", err)
	}
	p.Client.SetReadDeadline(time.Now().Add(bound))
	if n, err := p.Client.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Fatalf("Read after the peer closed = %d, %v; want 0, io.EOF", n, err)
	}
}

// writesSucceed makes count Writes of size bytes on c, each bounded, and
// fails the test at the first error.
func writesSucceed(t *testing.T, c net.Conn, count, size int) {
	t.Helper()
	buf := make([]byte, size)
	for i := range count {
		c.SetWriteDeadline(time.Now().Add(bound))
		if n, err := c.Write(buf); n != size || err != nil {
			t.Fatalf("Write %d to a stream whose peer fully closed = %d, %v; want %d, nil (the divergence: nothing fails the writer)", i+1, n, err, size)
		}
	}
}

// smux has no RST: data for a stream that is gone is dropped, so Writes
// to a stream whose peer fully closed keep succeeding (smux/known.go).
// Both rows: the default config (protocol version 1) and version 2.
func TestDivergenceSmuxWriteAfterPeerClose(t *testing.T) {
	for _, im := range []harness.Impl{smux.Impl, smux.ImplV2} {
		t.Run(im.Name, func(t *testing.T) {
			p, err := im.NewPair(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer p.Stop()
			peerClosed(t, p)
			// 64 KiB in all: within the 256 KiB window the peer
			// advertised, so flow control does not block them either.
			writesSucceed(t, p.Client, 64, 1024)
		})
	}
}

// go-yamux's Close does not tell the remote it stopped reading, and the
// session drops data for a stream it no longer has: Writes to a stream
// whose peer fully closed keep succeeding (goyamux/known.go).
func TestDivergenceGoYamuxWriteAfterPeerClose(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	p, err := goyamux.NewPair(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	peerClosed(t, p)
	writesSucceed(t, p.Client, 32, 1024)

	// A round trip on a second stream of the same sessions: frames are
	// handled in order, so once it is back the peer's session has handled
	// (and dropped) every byte written above without refusing any.
	cli, srv := p.Client.(*yamux.Stream).Session(), p.Server.(*yamux.Stream).Session()
	s2, err := cli.OpenStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s2.SetDeadline(time.Now().Add(bound))
	if _, err := s2.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	r2, err := srv.AcceptStream()
	if err != nil {
		t.Fatal(err)
	}
	r2.SetDeadline(time.Now().Add(bound))
	if _, err := io.ReadFull(r2, make([]byte, 4)); err != nil {
		t.Fatalf("second stream: %v", err)
	}
	writesSucceed(t, p.Client, 32, 1024)
}

// acceptWithHeader returns a conn accepted by the adapter's proxyproto
// listener whose client sent a valid PROXY v2 header (the adapter's
// Preface) followed by data; the server side has not read anything.
func acceptWithHeader(t *testing.T, data string) (srv, cli net.Conn) {
	t.Helper()
	ln, err := proxyproto.Listen(context.Background(), "tcp4", "127.0.0.1:0", harness.ListenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	cli, err = net.DialTimeout("tcp4", ln.Addr().String(), bound)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	cli.SetDeadline(time.Now().Add(bound))
	if err := proxyproto.Preface(cli); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(cli, data); err != nil {
		t.Fatal(err)
	}
	srv, err = acceptBounded(ln)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if _, ok := srv.(*pp.Conn); !ok {
		t.Fatalf("accepted a %T, want *proxyproto.Conn", srv)
	}
	return srv, cli
}

// acceptBounded accepts from ln within bound.
func acceptBounded(ln net.Listener) (net.Conn, error) {
	tl := ln.(*pp.Listener).Listener.(*net.TCPListener)
	tl.SetDeadline(time.Now().Add(bound))
	return ln.Accept()
}

// A read deadline set before the first Read also bounds the PROXY header
// read; once it has passed, the header read times out into
// ErrNoProxyProtocol, which the conn keeps for good under the REQUIRE
// policy, though a valid header and data were sent (proxyproto/known.go).
func TestDivergenceProxyprotoDeadlineBeforeHeader(t *testing.T) {
	srv, _ := acceptWithHeader(t, "hello")
	srv.SetReadDeadline(time.Now().Add(-time.Second))
	if _, err := srv.Read(make([]byte, 8)); !errors.Is(err, pp.ErrNoProxyProtocol) {
		t.Fatalf("first Read with a past deadline: %v; want ErrNoProxyProtocol (the divergence: not a timeout)", err)
	}
	// With the deadline moved to the future, the header and "hello" are
	// there to read; the conn still refuses them.
	srv.SetReadDeadline(time.Now().Add(bound))
	if n, err := srv.Read(make([]byte, 8)); !errors.Is(err, pp.ErrNoProxyProtocol) {
		t.Fatalf("Read after the deadline was lifted = %d, %v; want ErrNoProxyProtocol for good", n, err)
	}
}

// bufconn's SetReadDeadline stops the old deadline's time.AfterFunc timer,
// which misses a callback that already fired and waits for the pipe's
// mutex; the callback then marks the new deadline expired, so a Read with
// an hour to go times out at once (bufconn/known.go,
// deadline.read.moved-at-expiry). A race: the test moves deadlines as they
// expire until a Read fails, up to 2000 times (about 1 in 13 does here).
func TestDivergenceBufconnStaleReadDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	p, err := bufconn.NewPair(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	c := p.Client
	for i := range 2000 {
		c.SetReadDeadline(time.Now().Add(100 * time.Microsecond))
		time.Sleep(100 * time.Microsecond) // the stimulus: the move lands at the expiry
		c.SetReadDeadline(time.Now().Add(time.Hour))
		done := make(chan error, 1)
		go func() { _, err := c.Read(make([]byte, 1)); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, os.ErrDeadlineExceeded) && !isTimeout(err) {
				t.Fatalf("Read after a deadline moved an hour away = %v, want the stale timeout", err)
			}
			t.Logf("round %d: Read = %v with an hour to go", i+1, err)
			return
		case <-time.After(2 * time.Millisecond):
			c.SetReadDeadline(time.Now()) // release the Read before the next round
			<-done
		}
	}
	t.Fatal("2000 read deadlines moved as they expired, and no Read timed out early: the divergence bufconn/known.go declares is gone")
}

// isTimeout reports whether err says it is a timeout (net.Error).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
