package errclass

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "slow" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestClassify pins the meaning of each kind of error, wrapped as Go's
// net wraps them and as adapters do, and the order of the tests: a
// meaning found by errors.Is or errno wins over a Timeout() method, and
// the text of an error never counts.
func TestClassify(t *testing.T) {
	op := func(err error) error { return &net.OpError{Op: "read", Net: "tcp", Err: err} }
	sys := func(n syscall.Errno) error { return op(os.NewSyscallError("read", n)) }
	for _, tc := range []struct {
		err  error
		want Class
	}{
		{nil, None},
		{io.EOF, EOF},
		{fmt.Errorf("wrapped: %w", io.EOF), EOF},
		{op(net.ErrClosed), Closed},
		{io.ErrClosedPipe, ClosedPipe},
		{op(os.ErrDeadlineExceeded), Deadline},
		{context.Canceled, Canceled},
		{context.DeadlineExceeded, ContextDeadline},
		{sys(syscall.ECONNRESET), Reset},
		{sys(syscall.EPIPE), BrokenPipe},
		{sys(syscall.ECONNREFUSED), Refused},
		{sys(syscall.ENOTCONN), NotConnected},
		{sys(syscall.EHOSTUNREACH), Unreachable},
		{sys(syscall.ENETUNREACH), Unreachable},
		{sys(syscall.ETIMEDOUT), TimedOut}, // Timeout() is true too: the errno wins
		{sys(syscall.EADDRINUSE), AddrInUse},
		{sys(syscall.EADDRNOTAVAIL), AddrNotAvail},
		{sys(syscall.EMSGSIZE), MsgSize},
		{sys(syscall.EDESTADDRREQ), DestAddrRequired},
		{sys(syscall.ECONNABORTED), Aborted},
		{sys(syscall.ENOENT), NotFound},
		{net.ErrWriteToConnected, WriteToConnected},
		{&net.AddrError{Err: "bad", Addr: "x"}, AddrError},
		{&net.DNSError{Err: "no such host", Name: "x"}, DNSError},
		{op(net.UnknownNetworkError("foo")), UnknownNetwork},
		{errors.ErrUnsupported, NotImplemented},
		{op(timeoutErr{}), TimeoutOther},
		{sys(syscall.EINVAL), Other},
		{errors.New("use of closed network connection"), Other}, // text never counts
		{errors.New("EOF"), Other},
		{fmt.Errorf("%v", io.EOF), Other}, // %v loses the identity
	} {
		require.Equal(t, tc.want, Classify(tc.err), "Classify(%#v)", tc.err)
	}
}

// TestDescribeKeepsEvidence: Describe keeps the raw text, the chain, the
// Op and the errno, and tells a bare sentinel from a wrapped one.
func TestDescribeKeepsEvidence(t *testing.T) {
	err := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	d := Describe(err)
	require.Equal(t, Reset, d.Class)
	require.Equal(t, "read", d.Op)
	require.Equal(t, "tcp", d.Net)
	require.Equal(t, "read", d.Syscall)
	require.Equal(t, []string{"*net.OpError", "*os.SyscallError", "syscall.Errno"}, d.Chain)
	require.True(t, d.NetError)
	require.False(t, d.Bare)
	require.True(t, Describe(io.EOF).Bare)
	require.False(t, Describe(fmt.Errorf("x: %w", io.EOF)).Bare)
	require.Nil(t, Describe(nil))
	require.Equal(t, "nil", Describe(nil).Short())
	require.Equal(t, "eof", Describe(io.EOF).Short())
}

// TestEveryClassHasASentinel: the vocabulary is complete and parses back.
func TestEveryClassHasASentinel(t *testing.T) {
	for _, c := range All {
		require.NotEmpty(t, c.Sentinel(), c)
		got, ok := Parse(string(c))
		require.True(t, ok)
		require.Equal(t, c, got)
	}
	_, ok := Parse("no-such-class")
	require.False(t, ok)
	for name, c := range byErrno {
		got, ok := OfErrno(name)
		require.True(t, ok)
		require.Equal(t, c, got)
	}
}

func TestLookalike(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want Class // None: no lookalike
	}{
		{errors.New("EOF"), EOF},
		{fmt.Errorf("wrap: %v", io.EOF), EOF},
		{fmt.Errorf("wrap: %v", &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed}), Closed},
		{fmt.Errorf("wrap: %v", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), Deadline},
		{fmt.Errorf("wrap: %v", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), Reset},
		{io.EOF, None},                              // the sentinel itself
		{fmt.Errorf("wrap: %w", io.EOF), None},      // wrapped: errors.Is holds
		{io.ErrUnexpectedEOF, None},                 // "unexpected EOF" is not EOF's text after ": "
		{errors.New("mux: session shutdown"), None}, // its own text
		{errors.New("the EOF of the stream"), None}, // EOF inside, not as the cause
	} {
		got, ok := Describe(tc.err).Lookalike()
		if got != tc.want || ok != (tc.want != None) {
			t.Errorf("Describe(%q).Lookalike() = %s, %v; want %s", tc.err, got, ok, tc.want)
		}
	}
}
