package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/netconform/netconform/harness/sysobs"
)

// A Class is the meaning of an error, named in a fixed vocabulary shared by
// the cases, the reports and the driver protocol. Classes are compared by
// meaning (errors.Is, errors.As), never by message text.
type Class string

// The error classes. None means a nil error.
const (
	None             Class = "none"
	EOF              Class = "eof"                // io.EOF
	Closed           Class = "closed"             // net.ErrClosed
	ClosedPipe       Class = "closed-pipe"        // io.ErrClosedPipe
	Deadline         Class = "deadline"           // os.ErrDeadlineExceeded
	TimeoutOther     Class = "timeout-other"      // Timeout() true without os.ErrDeadlineExceeded or an errno
	Reset            Class = "reset"              // ECONNRESET
	BrokenPipe       Class = "broken-pipe"        // EPIPE
	Refused          Class = "refused"            // ECONNREFUSED
	NotConnected     Class = "not-connected"      // ENOTCONN
	Unreachable      Class = "unreachable"        // EHOSTUNREACH, ENETUNREACH
	TimedOut         Class = "timed-out"          // ETIMEDOUT (keepalive, retransmission or user timeout)
	AddrInUse        Class = "addr-in-use"        // EADDRINUSE
	AddrNotAvail     Class = "addr-not-avail"     // EADDRNOTAVAIL
	MsgSize          Class = "msg-size"           // EMSGSIZE
	DestAddrRequired Class = "dest-addr-required" // EDESTADDRREQ
	Aborted          Class = "aborted"            // ECONNABORTED
	NotFound         Class = "not-found"          // ENOENT
	WriteToConnected Class = "write-to-connected" // net.ErrWriteToConnected
	Canceled         Class = "canceled"           // context.Canceled
	ContextDeadline  Class = "context-deadline"   // context.DeadlineExceeded (a Go dial timeout matches it)
	AddrError        Class = "addr-error"         // *net.AddrError
	DNSError         Class = "dns-error"          // *net.DNSError
	UnknownNetwork   Class = "unknown-network"    // net.UnknownNetworkError
	NotImplemented   Class = "not-implemented"    // errors.ErrUnsupported
	Other            Class = "other"              // anything else
)

// AllClasses lists every class, in the order Classify tests them.
var AllClasses = []Class{
	None, EOF, Closed, ClosedPipe, Deadline, Canceled, ContextDeadline,
	Reset, BrokenPipe, Refused, NotConnected, Unreachable, TimedOut,
	AddrInUse, AddrNotAvail, MsgSize, DestAddrRequired, Aborted, NotFound,
	WriteToConnected, AddrError, DNSError, UnknownNetwork, NotImplemented,
	TimeoutOther, Other,
}

var classSentinels = map[Class]string{
	None:             "nil",
	EOF:              "io.EOF",
	Closed:           "net.ErrClosed",
	ClosedPipe:       "io.ErrClosedPipe",
	Deadline:         "os.ErrDeadlineExceeded",
	TimeoutOther:     "Timeout() without os.ErrDeadlineExceeded",
	Reset:            "ECONNRESET",
	BrokenPipe:       "EPIPE",
	Refused:          "ECONNREFUSED",
	NotConnected:     "ENOTCONN",
	Unreachable:      "EHOSTUNREACH",
	TimedOut:         "ETIMEDOUT",
	AddrInUse:        "EADDRINUSE",
	AddrNotAvail:     "EADDRNOTAVAIL",
	MsgSize:          "EMSGSIZE",
	DestAddrRequired: "EDESTADDRREQ",
	Aborted:          "ECONNABORTED",
	NotFound:         "ENOENT",
	WriteToConnected: "net.ErrWriteToConnected",
	Canceled:         "context.Canceled",
	ContextDeadline:  "context.DeadlineExceeded",
	AddrError:        "*net.AddrError",
	DNSError:         "*net.DNSError",
	UnknownNetwork:   "net.UnknownNetworkError",
	NotImplemented:   "errors.ErrUnsupported",
	Other:            "unclassified",
}

// Sentinel names the Go identity behind c, for messages:
// Closed.Sentinel() is "net.ErrClosed".
func (c Class) Sentinel() string { return classSentinels[c] }

// Describe returns "closed (net.ErrClosed)".
func (c Class) Describe() string {
	if c == None {
		return "nil"
	}
	return string(c) + " (" + c.Sentinel() + ")"
}

// ParseClass returns the class with this name.
func ParseClass(s string) (Class, bool) {
	c := Class(s)
	_, ok := classSentinels[c]
	return c, ok
}

// Classify names the meaning of err. The order matters: io.EOF first (it is
// returned bare by Read), then the sentinels Go's net wraps, then kernel
// errnos (ETIMEDOUT also has Timeout() true, so errnos come before the
// Timeout() fallback), then typed errors.
func Classify(err error) Class {
	switch {
	case err == nil:
		return None
	case errors.Is(err, io.EOF):
		return EOF
	case errors.Is(err, net.ErrClosed):
		return Closed
	case errors.Is(err, io.ErrClosedPipe):
		return ClosedPipe
	case errors.Is(err, os.ErrDeadlineExceeded):
		return Deadline
	case errors.Is(err, context.Canceled):
		return Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return ContextDeadline
	}
	if e, ok := sysobs.ErrnoOf(err); ok && e.Kind != "" {
		return Class(e.Kind)
	}
	var addrErr *net.AddrError
	var dnsErr *net.DNSError
	var unknownNet net.UnknownNetworkError
	switch {
	case errors.Is(err, net.ErrWriteToConnected):
		return WriteToConnected
	case errors.As(err, &addrErr):
		return AddrError
	case errors.As(err, &dnsErr):
		return DNSError
	case errors.As(err, &unknownNet):
		return UnknownNetwork
	case errors.Is(err, errors.ErrUnsupported):
		return NotImplemented
	case hasTimeout(err):
		return TimeoutOther
	}
	return Other
}

// hasTimeout reports whether some error in err's chain has a Timeout method
// that returns true (net.Error, or any type with the method).
func hasTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// ErrInfo is the evidence kept for an observed error: its class and
// everything needed to see why, without re-running.
type ErrInfo struct {
	Class    Class    `json:"class"`
	Text     string   `json:"text"`
	Chain    []string `json:"chain"`             // %T of each error in the Unwrap chain
	Op       string   `json:"op,omitempty"`      // *net.OpError.Op
	Net      string   `json:"net,omitempty"`     // *net.OpError.Net
	Syscall  string   `json:"syscall,omitempty"` // *os.SyscallError.Syscall
	Errno    string   `json:"errno,omitempty"`   // symbolic errno name
	NetError bool     `json:"netError"`          // errors.As(err, *net.Error)
	Timeout  bool     `json:"timeout"`           // a net.Error in the chain says Timeout()
	Bare     bool     `json:"bare,omitempty"`    // err is the sentinel itself (err == io.EOF)
}

// Describe collects the evidence for err; nil for a nil error.
func Describe(err error) *ErrInfo {
	if err == nil {
		return nil
	}
	info := &ErrInfo{Class: Classify(err), Text: err.Error()}
	for i, e := 0, err; e != nil && i < 12; i++ {
		info.Chain = append(info.Chain, fmt.Sprintf("%T", e))
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			e = u.Unwrap()
		case interface{ Unwrap() []error }:
			if errs := u.Unwrap(); len(errs) > 0 {
				e = errs[0]
			} else {
				e = nil
			}
		default:
			e = nil
		}
	}
	var op *net.OpError
	if errors.As(err, &op) {
		info.Op, info.Net = op.Op, op.Net
	}
	var sc *os.SyscallError
	if errors.As(err, &sc) {
		info.Syscall = sc.Syscall
	}
	if e, ok := sysobs.ErrnoOf(err); ok {
		info.Errno = e.Name
	}
	var ne net.Error
	if errors.As(err, &ne) {
		info.NetError = true
		info.Timeout = ne.Timeout()
	}
	info.Bare = err == io.EOF || err == net.ErrClosed || err == io.ErrClosedPipe || err == os.ErrDeadlineExceeded
	return info
}

// Short renders the class and the raw text: "closed (read tcp …: use of closed network connection)".
func (e *ErrInfo) Short() string {
	if e == nil {
		return "nil"
	}
	text := e.Text
	if len(text) > 160 {
		text = text[:157] + "..."
	}
	if strings.EqualFold(text, string(e.Class)) {
		return string(e.Class)
	}
	return fmt.Sprintf("%s (%s)", e.Class, text)
}
