//go:build !linux

package sysobs

import (
	"fmt"
	"syscall"
)

var errnoByName = map[string]syscall.Errno{}

func errnoKind(syscall.Errno) string { return "" }

func errnoName(n syscall.Errno) string { return fmt.Sprintf("errno(%d)", int(n)) }
