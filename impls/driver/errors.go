package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/netconform/netconform/harness/errclass"
	"github.com/netconform/netconform/harness/sysobs"
)

// RemoteError is an error a driver reported. Err is the Go error with the
// same meaning (net.ErrClosed for kind closed, ECONNRESET for reset…), so
// that the harness's classifier judges a driver by meaning like Go code;
// Kind, Errno and Text are what the driver said, kept as evidence.
type RemoteError struct {
	Kind, Errno, Text string
	Err               error
}

func (e *RemoteError) Error() string {
	s := e.Text
	if s == "" {
		s = e.Kind
	}
	if e.Errno != "" {
		s += " [" + e.Errno + "]"
	}
	return s
}

func (e *RemoteError) Unwrap() error { return e.Err }

// Timeout and Temporary report what the Go error of the same meaning does,
// so that *net.OpError's methods answer as they would for Go's net.
func (e *RemoteError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.Err, &t) && t.Timeout()
}

func (e *RemoteError) Temporary() bool {
	var t interface{ Temporary() bool }
	return errors.As(e.Err, &t) && t.Temporary()
}

// timeoutError is a timeout that is not a deadline: Timeout() true, and
// nothing in its chain is os.ErrDeadlineExceeded.
type timeoutError struct{}

func (timeoutError) Error() string   { return "timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// errnoKinds are the kinds whose Go identity is an errno, with the errno
// used when the driver names none.
var errnoKinds = map[string]syscall.Errno{
	"reset":              syscall.ECONNRESET,
	"broken-pipe":        syscall.EPIPE,
	"refused":            syscall.ECONNREFUSED,
	"not-connected":      syscall.ENOTCONN,
	"unreachable":        syscall.EHOSTUNREACH,
	"timed-out":          syscall.ETIMEDOUT,
	"addr-in-use":        syscall.EADDRINUSE,
	"addr-not-avail":     syscall.EADDRNOTAVAIL,
	"msg-size":           syscall.EMSGSIZE,
	"dest-addr-required": syscall.EDESTADDRREQ,
	"aborted":            syscall.ECONNABORTED,
	"not-found":          syscall.ENOENT,
}

// errProtocol marks a reply that breaks the protocol.
type errProtocol struct{ msg string }

func (e errProtocol) Error() string { return e.msg }

// meaning returns the Go error with the meaning of w, for a call of op on
// network and address (used by the typed address errors), or an
// errProtocol when w cannot be given one.
func meaning(w *WireError, op, network, address string) (error, error) {
	if w.Errno != "" {
		if c, ok := errclass.OfErrno(w.Errno); ok && string(c) != w.Kind {
			return nil, errProtocol{fmt.Sprintf("error kind %q disagrees with errno %s, which means %q", w.Kind, w.Errno, c)}
		}
	}
	if canon, ok := errnoKinds[w.Kind]; ok {
		n := canon
		if named, ok := sysobs.ErrnoByName(w.Errno); ok {
			n = named
		}
		return os.NewSyscallError(op, n), nil
	}
	switch errclass.Class(w.Kind) {
	case errclass.EOF:
		return io.EOF, nil
	case errclass.Closed:
		return net.ErrClosed, nil
	case errclass.Deadline:
		return os.ErrDeadlineExceeded, nil
	case errclass.TimeoutOther:
		return timeoutError{}, nil
	case errclass.WriteToConnected:
		return net.ErrWriteToConnected, nil
	case errclass.Canceled:
		return context.Canceled, nil
	case errclass.ContextDeadline:
		return context.DeadlineExceeded, nil
	case errclass.AddrError:
		return &net.AddrError{Err: w.Text, Addr: address}, nil
	case errclass.DNSError:
		return &net.DNSError{Err: w.Text, Name: address, IsNotFound: true}, nil
	case errclass.UnknownNetwork:
		return net.UnknownNetworkError(network), nil
	case errclass.NotImplemented:
		return errors.ErrUnsupported, nil
	case errclass.Other:
		return errors.New(w.Text), nil
	case "invalid":
		return nil, errProtocol{"the driver rejected a valid request as invalid: " + w.Text}
	}
	return nil, errProtocol{fmt.Sprintf("unknown error kind %q", w.Kind)}
}

// CheckError reports what is wrong with an error a driver sent: an unknown
// kind, or an errno that means something else than the kind.
func CheckError(w *WireError) error {
	_, err := meaning(w, "", "", "")
	return err
}
