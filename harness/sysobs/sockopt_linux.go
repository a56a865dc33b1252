package sysobs

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

type levelName struct{ level, name int }

var optLevels = map[Opt]levelName{
	OptKeepAlive:   {unix.SOL_SOCKET, unix.SO_KEEPALIVE},
	OptKeepIdle:    {unix.IPPROTO_TCP, unix.TCP_KEEPIDLE},
	OptKeepIntvl:   {unix.IPPROTO_TCP, unix.TCP_KEEPINTVL},
	OptKeepCnt:     {unix.IPPROTO_TCP, unix.TCP_KEEPCNT},
	OptNoDelay:     {unix.IPPROTO_TCP, unix.TCP_NODELAY},
	OptReuseAddr:   {unix.SOL_SOCKET, unix.SO_REUSEADDR},
	OptBroadcast:   {unix.SOL_SOCKET, unix.SO_BROADCAST},
	OptUserTimeout: {unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT},
	OptV6Only:      {unix.IPPROTO_IPV6, unix.IPV6_V6ONLY},
	OptProtocol:    {unix.SOL_SOCKET, unix.SO_PROTOCOL},
}

// control runs f on the fd behind c.
func control(c syscall.Conn, f func(fd int) error) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// GetOpt reads o from the socket behind c.
func GetOpt(c syscall.Conn, o Opt) (int, error) {
	var v int
	err := control(c, func(fd int) (err error) {
		v, err = GetOptFD(fd, o)
		return err
	})
	return v, err
}

// GetOptFD reads o from the socket fd.
func GetOptFD(fd int, o Opt) (int, error) {
	switch o {
	case OptLinger:
		l, err := unix.GetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER)
		if err != nil {
			return 0, fmt.Errorf("getsockopt SO_LINGER: %w", err)
		}
		if l.Onoff == 0 {
			return -1, nil
		}
		return int(l.Linger), nil
	case OptNonBlock:
		fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		if err != nil {
			return 0, fmt.Errorf("fcntl F_GETFL: %w", err)
		}
		return b2i(fl&unix.O_NONBLOCK != 0), nil
	case OptCloExec:
		fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil {
			return 0, fmt.Errorf("fcntl F_GETFD: %w", err)
		}
		return b2i(fl&unix.FD_CLOEXEC != 0), nil
	}
	ln, ok := optLevels[o]
	if !ok {
		return 0, fmt.Errorf("sysobs.GetOpt: unknown option %v", o)
	}
	v, err := unix.GetsockoptInt(fd, ln.level, ln.name)
	if err != nil {
		return 0, fmt.Errorf("getsockopt %v: %w", o, err)
	}
	if o == OptKeepAlive || o == OptNoDelay || o == OptReuseAddr || o == OptBroadcast || o == OptV6Only {
		v = b2i(v != 0)
	}
	return v, nil
}

// SetOpt writes o on the socket behind c. OptLinger takes -1 (off) or
// seconds; OptNonBlock and OptCloExec cannot be set.
func SetOpt(c syscall.Conn, o Opt, v int) error {
	return control(c, func(fd int) error {
		if o == OptLinger {
			l := unix.Linger{}
			if v >= 0 {
				l = unix.Linger{Onoff: 1, Linger: int32(v)}
			}
			return unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &l)
		}
		ln, ok := optLevels[o]
		if !ok {
			return fmt.Errorf("sysobs.SetOpt: option %v cannot be set", o)
		}
		if err := unix.SetsockoptInt(fd, ln.level, ln.name, v); err != nil {
			return fmt.Errorf("setsockopt %v: %w", o, err)
		}
		return nil
	})
}

// TCPInfoState reads the state of the live socket behind c with TCP_INFO.
// It never reports TIME_WAIT: once the connection enters it, the fd's socket
// says CLOSE and the kernel keeps a separate timewait socket (see LookupTCP).
func TCPInfoState(c syscall.Conn) (TCPState, error) {
	var st TCPState
	err := control(c, func(fd int) error {
		info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			return fmt.Errorf("getsockopt TCP_INFO: %w", err)
		}
		st = TCPState(info.State)
		return nil
	})
	return st, err
}

// Readable reports whether a read on c would not block (data, EOF or an
// error is pending) without consuming anything.
func Readable(c syscall.Conn) (bool, error) {
	var ok bool
	err := control(c, func(fd int) error {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, 0)
		if err != nil {
			return fmt.Errorf("poll: %w", err)
		}
		ok = n > 0
		return nil
	})
	return ok, err
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
