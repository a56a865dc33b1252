//go:build !linux

package driver

import (
	"errors"
	"net"
	"os"
)

// Elsewhere than on Linux the driver's descriptors cannot be observed.

func openPidfd(pid int) int { return -1 }

func closePidfd(fd int) {}

func dupFD(pidfd, fd int) (int, error) { return -1, errors.ErrUnsupported }

func closeFD(fd int) {}

func sameSocket(fd int, local net.Addr) bool { return false }

func pipeUnread(f *os.File) int { return 0 }
