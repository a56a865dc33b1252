package sysobs

import (
	"errors"
	"syscall"
)

// Errno describes a kernel error number found in an error chain.
type Errno struct {
	Num  syscall.Errno
	Name string // symbolic name, for example "ECONNRESET"
	Kind string // harness error class name, for example "reset"; "" when it has no special meaning
}

// ErrnoOf finds the first syscall.Errno in err's chain.
func ErrnoOf(err error) (Errno, bool) {
	var n syscall.Errno
	if !errors.As(err, &n) {
		return Errno{}, false
	}
	e := Errno{Num: n, Name: errnoName(n)}
	e.Kind = errnoKind(n)
	return e, true
}

// ErrnoByName returns the errno with the symbolic name (for example
// "ECONNRESET"), as drivers in other languages report them.
func ErrnoByName(name string) (syscall.Errno, bool) {
	n, ok := errnoByName[name]
	return n, ok
}
