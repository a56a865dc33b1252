//go:build !linux

package sysobs

import "syscall"

// GetOpt reads o from the socket behind c. It is Linux-only.
func GetOpt(c syscall.Conn, o Opt) (int, error) { return 0, errUnsupported("GetOpt") }

// GetOptFD reads o from the socket fd. It is Linux-only.
func GetOptFD(fd int, o Opt) (int, error) { return 0, errUnsupported("GetOptFD") }

// SetOpt writes o on the socket behind c. It is Linux-only.
func SetOpt(c syscall.Conn, o Opt, v int) error { return errUnsupported("SetOpt") }

// TCPInfoState reads the state of the live socket behind c. It is Linux-only.
func TCPInfoState(c syscall.Conn) (TCPState, error) { return 0, errUnsupported("TCPInfoState") }

// Readable reports whether a read on c would not block. It is Linux-only.
func Readable(c syscall.Conn) (bool, error) { return false, errUnsupported("Readable") }
