package errclass

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/netconform/netconform/harness/sysobs"
)

// Info is the evidence kept for an observed error: its class and everything
// needed to see why, without re-running.
type Info struct {
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
func Describe(err error) *Info {
	if err == nil {
		return nil
	}
	info := &Info{Class: Classify(err), Text: err.Error(), Chain: chain(err)}
	var op *net.OpError
	if errors.As(err, &op) {
		info.Op, info.Net = op.Op, op.Net
	}
	var sc *os.SyscallError
	if errors.As(err, &sc) {
		info.Syscall = sc.Syscall
	}
	var n syscall.Errno
	if errors.As(err, &n) {
		info.Errno = sysobs.ErrnoName(n)
	}
	var ne net.Error
	if errors.As(err, &ne) {
		info.NetError = true
		info.Timeout = ne.Timeout()
	}
	info.Bare = err == io.EOF || err == net.ErrClosed || err == io.ErrClosedPipe || err == os.ErrDeadlineExceeded
	return info
}

// chain lists the dynamic type of each error in err's Unwrap chain (the
// first branch of a joined error), at most 12 deep.
func chain(err error) []string {
	var out []string
	for i, e := 0, err; e != nil && i < 12; i++ {
		out = append(out, fmt.Sprintf("%T", e))
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
	return out
}

// Short renders the class and the raw text: "closed (read tcp …: use of
// closed network connection)", or "nil".
func (e *Info) Short() string {
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
