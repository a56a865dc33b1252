//go:build !linux

package driver

import (
	"errors"
	"net"
	"os"
	"syscall"
)

// Elsewhere than on Linux the driver is killed alone, without a
// parent-death signal, and its descriptors cannot be observed.

func procAttr() *syscall.SysProcAttr { return nil }

func killGroup(p *os.Process) { p.Kill() }

func openPidfd(pid int) int { return -1 }

func closePidfd(fd int) {}

func dupFD(pidfd, fd int) (int, error) { return -1, errors.ErrUnsupported }

func closeFD(fd int) {}

func sameSocket(fd int, local net.Addr) bool { return false }
