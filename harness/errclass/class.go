// Package errclass is netconform's one classifier of errors: it names what
// an error means (net.ErrClosed, io.EOF, ECONNRESET…) in a fixed vocabulary
// of classes shared by the cases, the results, the reports and the driver
// protocol. Errors are compared by meaning (errors.Is, errors.As, the errno
// in the chain), never by message text; Describe keeps the raw error as
// evidence.
package errclass

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/netconform/netconform/harness/sysobs"
)

// A Class is the meaning of an error.
type Class string

// The classes. None means a nil error.
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

// All lists every class, in the order Classify tests them.
var All = []Class{
	None, EOF, Closed, ClosedPipe, Deadline, Canceled, ContextDeadline,
	Reset, BrokenPipe, Refused, NotConnected, Unreachable, TimedOut,
	AddrInUse, AddrNotAvail, MsgSize, DestAddrRequired, Aborted, NotFound,
	WriteToConnected, AddrError, DNSError, UnknownNetwork, NotImplemented,
	TimeoutOther, Other,
}

var sentinels = map[Class]string{
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

// byErrno gives the class of each errno that has one, by symbolic name
// (names are the same on every system; numbers are not).
var byErrno = map[string]Class{
	"ECONNRESET":    Reset,
	"EPIPE":         BrokenPipe,
	"ECONNREFUSED":  Refused,
	"ENOTCONN":      NotConnected,
	"EHOSTUNREACH":  Unreachable,
	"ENETUNREACH":   Unreachable,
	"ETIMEDOUT":     TimedOut,
	"EADDRINUSE":    AddrInUse,
	"EADDRNOTAVAIL": AddrNotAvail,
	"EMSGSIZE":      MsgSize,
	"EDESTADDRREQ":  DestAddrRequired,
	"ECONNABORTED":  Aborted,
	"ENOENT":        NotFound,
}

// Sentinel names the Go identity behind c, for messages:
// Closed.Sentinel() is "net.ErrClosed".
func (c Class) Sentinel() string { return sentinels[c] }

// Describe returns "closed (net.ErrClosed)", or "nil" for None.
func (c Class) Describe() string {
	if c == None {
		return "nil"
	}
	return string(c) + " (" + c.Sentinel() + ")"
}

// Parse returns the class with this name.
func Parse(s string) (Class, bool) {
	c := Class(s)
	_, ok := sentinels[c]
	return c, ok
}

// OfErrno returns the class of the errno with this symbolic name
// ("ECONNRESET"), and false when it has none.
func OfErrno(name string) (Class, bool) {
	c, ok := byErrno[name]
	return c, ok
}

// Classify names the meaning of err. The order matters: io.EOF first (Read
// returns it bare), then the sentinels Go's net wraps, then kernel errnos
// (ETIMEDOUT also has Timeout() true, so errnos come before the Timeout()
// fallback), then typed errors.
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
	var n syscall.Errno
	if errors.As(err, &n) {
		if c, ok := byErrno[sysobs.ErrnoName(n)]; ok {
			return c
		}
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
