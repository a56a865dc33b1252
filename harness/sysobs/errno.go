package sysobs

import (
	"errors"
	"syscall"
)

// Errno describes a kernel error number found in an error chain. What an
// errno means to the harness (its error class) is errclass's business.
type Errno struct {
	Num  syscall.Errno
	Name string // symbolic name, for example "ECONNRESET"
}

// ErrnoOf finds the first syscall.Errno in err's chain.
func ErrnoOf(err error) (Errno, bool) {
	var n syscall.Errno
	if !errors.As(err, &n) {
		return Errno{}, false
	}
	return Errno{Num: n, Name: ErrnoName(n)}, true
}

// ErrnoByName returns the errno with the symbolic name (for example
// "ECONNRESET"), as drivers in other languages report them.
func ErrnoByName(name string) (syscall.Errno, bool) {
	n, ok := errnoByName[name]
	return n, ok
}
