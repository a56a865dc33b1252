//go:build !linux

package sysobs

import (
	"fmt"
	"syscall"
)

var errnoByName = map[string]syscall.Errno{}

// ErrnoName is the symbolic name of n where the system provides one, or
// "errno(N)".
func ErrnoName(n syscall.Errno) string { return fmt.Sprintf("errno(%d)", int(n)) }
