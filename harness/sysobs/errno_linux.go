package sysobs

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

var errnoByName = map[string]syscall.Errno{}

func init() {
	for n := syscall.Errno(1); n < 256; n++ {
		if name := unix.ErrnoName(n); name != "" {
			errnoByName[name] = n
		}
	}
}

// ErrnoName is the symbolic name of n ("ECONNRESET"), or "errno(N)".
func ErrnoName(n syscall.Errno) string {
	if name := unix.ErrnoName(n); name != "" {
		return name
	}
	return fmt.Sprintf("errno(%d)", int(n))
}
