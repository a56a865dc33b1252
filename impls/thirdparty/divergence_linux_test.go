package thirdparty_test

import (
	"errors"
	"syscall"
	"testing"
	"time"

	pp "github.com/pires/go-proxyproto"
)

// Closing a conn whose PROXY header has not been read yet leaves the
// header's bytes unread in the socket's receive queue, so Linux aborts
// the connection: the client reads ECONNRESET, not io.EOF
// (proxyproto/known.go).
func TestDivergenceProxyprotoCloseBeforeHeaderResets(t *testing.T) {
	srv, cli := acceptWithHeader(t, "")

	// Wait, within bound, until the header is in the server socket's
	// receive queue, without taking it: MSG_PEEK leaves it queued.
	raw, ok := srv.(*pp.Conn).TCPConn()
	if !ok {
		t.Fatalf("%T wraps no *net.TCPConn", srv)
	}
	raw.SetReadDeadline(time.Now().Add(bound))
	rc, err := raw.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var peekErr error
	err = rc.Read(func(fd uintptr) bool {
		var b [1]byte
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if errors.Is(err, syscall.EAGAIN) {
			return false // nothing queued yet: wait until readable
		}
		if err == nil && n != 1 {
			err = errors.New("the client closed before its header arrived")
		}
		peekErr = err
		return true
	})
	if err != nil || peekErr != nil {
		t.Fatalf("waiting for the header to arrive: %v, %v", err, peekErr)
	}

	if err := srv.Close(); err != nil {
		t.Fatalf("Close before the header was read: %v", err)
	}
	cli.SetReadDeadline(time.Now().Add(bound))
	if n, err := cli.Read(make([]byte, 8)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("client Read after the server closed = %d, %v; want ECONNRESET (the divergence: an abort, not a FIN)", n, err)
	}
}
