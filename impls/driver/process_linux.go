package driver

import (
	"errors"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// openPidfd returns a pidfd for the driver, or -1.
func openPidfd(pid int) int {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return -1
	}
	return fd
}

func closePidfd(fd int) {
	if fd >= 0 {
		unix.Close(fd)
	}
}

var errNoPidfd = errors.New("pidfd_open(2) failed: the driver's descriptors cannot be observed")

// dupFD returns a copy of the driver's descriptor fd (pidfd_getfd(2));
// the caller closes it.
func dupFD(pidfd, fd int) (int, error) {
	if pidfd < 0 {
		return -1, errNoPidfd
	}
	return unix.PidfdGetfd(pidfd, fd, 0)
}

func closeFD(fd int) { unix.Close(fd) }

// sameSocket reports whether descriptor fd is bound to local.
func sameSocket(fd int, local net.Addr) bool {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return false
	}
	switch a := local.(type) {
	case *net.TCPAddr:
		return saPort(sa) == a.Port
	case *net.UDPAddr:
		return saPort(sa) == a.Port
	case *net.UnixAddr:
		u, ok := sa.(*unix.SockaddrUnix)
		return ok && u.Name == a.Name
	}
	return local == nil
}

func saPort(sa unix.Sockaddr) int {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return a.Port
	case *unix.SockaddrInet6:
		return a.Port
	}
	return -1
}

// pipeUnread is how many bytes wait in pipe f (FIONREAD, which x/sys
// names TIOCINQ); 0 when unknown.
func pipeUnread(f *os.File) int {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0
	}
	n := 0
	rc.Control(func(fd uintptr) { n, _ = unix.IoctlGetInt(int(fd), unix.TIOCINQ) })
	return n
}
