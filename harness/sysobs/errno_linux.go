package sysobs

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// errnoKinds maps errnos with a meaning in the harness vocabulary.
var errnoKinds = map[syscall.Errno]string{
	unix.ECONNRESET:    "reset",
	unix.EPIPE:         "broken-pipe",
	unix.ECONNREFUSED:  "refused",
	unix.ENOTCONN:      "not-connected",
	unix.EHOSTUNREACH:  "unreachable",
	unix.ENETUNREACH:   "unreachable",
	unix.ETIMEDOUT:     "timed-out",
	unix.EADDRINUSE:    "addr-in-use",
	unix.EADDRNOTAVAIL: "addr-not-avail",
	unix.EMSGSIZE:      "msg-size",
	unix.EDESTADDRREQ:  "dest-addr-required",
	unix.ECONNABORTED:  "aborted",
	unix.ENOENT:        "not-found",
}

var errnoByName = map[string]syscall.Errno{}

func init() {
	for n := syscall.Errno(1); n < 256; n++ {
		if name := unix.ErrnoName(n); name != "" {
			errnoByName[name] = n
		}
	}
}

func errnoKind(n syscall.Errno) string { return errnoKinds[n] }

func errnoName(n syscall.Errno) string {
	if name := unix.ErrnoName(n); name != "" {
		return name
	}
	return fmt.Sprintf("errno(%d)", int(n))
}
