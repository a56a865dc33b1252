package rawsock

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// netFD is a non-blocking socket registered with the poller.
type netFD struct {
	fd     int
	pd     *pollDesc
	sotype int    // unix.SOCK_STREAM or unix.SOCK_DGRAM
	net    string // "tcp4", "udp6", …
	laddr  net.Addr
	raddr  net.Addr

	rdl, wdl *deadline
	rlock    chan struct{} // one reader at a time (a semaphore Close can interrupt)
	wlock    chan struct{} // one writer at a time: a Write is never interleaved

	mu      sync.Mutex
	refs    int           // syscalls in flight
	closing chan struct{} // closed by Close
	drained chan struct{} // closed when refs drops to 0 after Close
	closed  bool
}

func newFD(fd, sotype int, network string) (*netFD, error) {
	pd, err := register(fd)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &netFD{
		fd: fd, pd: pd, sotype: sotype, net: network,
		rdl: newDeadline(), wdl: newDeadline(),
		rlock: make(chan struct{}, 1), wlock: make(chan struct{}, 1),
		closing: make(chan struct{}), drained: make(chan struct{}),
	}, nil
}

// incref takes a reference for a call; it fails once Close has begun.
func (fd *netFD) incref() bool {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	if fd.closed {
		return false
	}
	fd.refs++
	return true
}

func (fd *netFD) decref() {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	fd.refs--
	if fd.closed && fd.refs == 0 {
		close(fd.drained)
	}
}

// opError wraps err the way package net does, so that errors.Is finds
// net.ErrClosed, os.ErrDeadlineExceeded and the errno underneath.
func (fd *netFD) opError(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		if _, ok := err.(*os.SyscallError); !ok {
			err = os.NewSyscallError(op, errno)
		}
	}
	src, addr := fd.laddr, fd.raddr
	if op == "dial" || op == "accept" {
		src = nil
	}
	return &net.OpError{Op: op, Net: fd.net, Source: src, Addr: addr, Err: err}
}

// acquire takes a direction's lock, or fails when the fd closes or the
// deadline passes while waiting for it.
func (fd *netFD) acquire(lock chan struct{}, dl *deadline) error {
	select {
	case lock <- struct{}{}:
		return nil
	default:
	}
	select {
	case lock <- struct{}{}:
		return nil
	case <-fd.closing:
		return net.ErrClosed
	case <-dl.wait():
		return os.ErrDeadlineExceeded
	}
}

// wait blocks until ready signals, the fd closes, or the deadline passes.
func (fd *netFD) wait(ready chan struct{}, dl *deadline) error {
	select {
	case <-ready:
		return nil
	case <-fd.closing:
		return net.ErrClosed
	case <-dl.wait():
		return os.ErrDeadlineExceeded
	}
}

// check is done before each syscall: Close wins, then the deadline — an
// expired deadline wins over data that is already there, as in Go.
func (fd *netFD) check(dl *deadline) error {
	if closed(fd.closing) {
		return net.ErrClosed
	}
	if dl.expired() {
		return os.ErrDeadlineExceeded
	}
	return nil
}

// Read reads from a connected socket. A zero-length Read returns at once
// (read(2) returning 0 would look like the end of the stream).
func (fd *netFD) Read(p []byte) (int, error) {
	if !fd.incref() {
		return 0, fd.opError("read", net.ErrClosed)
	}
	defer fd.decref()
	if len(p) == 0 {
		return 0, nil
	}
	if err := fd.acquire(fd.rlock, fd.rdl); err != nil {
		return 0, fd.opError("read", err)
	}
	defer func() { <-fd.rlock }()
	for {
		if err := fd.check(fd.rdl); err != nil {
			return 0, fd.opError("read", err)
		}
		n, err := unix.Read(fd.fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if err := fd.wait(fd.pd.rd, fd.rdl); err != nil {
				return 0, fd.opError("read", err)
			}
			continue
		case err != nil:
			return 0, fd.opError("read", os.NewSyscallError("read", err))
		case n == 0 && fd.sotype == unix.SOCK_STREAM:
			return 0, io.EOF
		}
		return n, nil
	}
}

// Write writes all of p, looping over partial writes while holding the
// write lock, so concurrent Writes never interleave. On a datagram socket
// it sends one datagram.
func (fd *netFD) Write(p []byte) (int, error) {
	return fd.write("write", p, nil)
}

// write sends p, to sa when it is not nil (sendto).
func (fd *netFD) write(op string, p []byte, sa unix.Sockaddr) (int, error) {
	if !fd.incref() {
		return 0, fd.opError(op, net.ErrClosed)
	}
	defer fd.decref()
	if err := fd.acquire(fd.wlock, fd.wdl); err != nil {
		return 0, fd.opError(op, err)
	}
	defer func() { <-fd.wlock }()
	nn := 0
	for {
		if err := fd.check(fd.wdl); err != nil {
			return nn, fd.opError(op, err)
		}
		var n int
		var err error
		switch {
		case sa != nil:
			err = unix.Sendto(fd.fd, p, unix.MSG_NOSIGNAL, sa)
			if err == nil {
				n = len(p)
			}
		case fd.sotype == unix.SOCK_DGRAM:
			n, err = unix.SendmsgN(fd.fd, p, nil, nil, unix.MSG_NOSIGNAL)
		default:
			n, err = unix.SendmsgN(fd.fd, p[nn:], nil, nil, unix.MSG_NOSIGNAL)
		}
		if n > 0 {
			nn += n
		}
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if err := fd.wait(fd.pd.wr, fd.wdl); err != nil {
				return nn, fd.opError(op, err)
			}
			continue
		case err != nil:
			name := "write"
			if sa != nil {
				name = "sendto"
			}
			return nn, fd.opError(op, os.NewSyscallError(name, err))
		}
		if nn >= len(p) || fd.sotype == unix.SOCK_DGRAM {
			return nn, nil
		}
	}
}

// readFrom receives one datagram and its source.
func (fd *netFD) readFrom(p []byte) (int, unix.Sockaddr, error) {
	if !fd.incref() {
		return 0, nil, fd.opError("read", net.ErrClosed)
	}
	defer fd.decref()
	if err := fd.acquire(fd.rlock, fd.rdl); err != nil {
		return 0, nil, fd.opError("read", err)
	}
	defer func() { <-fd.rlock }()
	for {
		if err := fd.check(fd.rdl); err != nil {
			return 0, nil, fd.opError("read", err)
		}
		n, from, err := unix.Recvfrom(fd.fd, p, 0)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if err := fd.wait(fd.pd.rd, fd.rdl); err != nil {
				return 0, nil, fd.opError("read", err)
			}
			continue
		case err != nil:
			return 0, nil, fd.opError("read", os.NewSyscallError("recvfrom", err))
		}
		return n, from, nil
	}
}

// Close closes the socket: waiters wake with net.ErrClosed, and the fd is
// closed once every call in flight has returned. A second Close fails with
// net.ErrClosed.
func (fd *netFD) Close() error {
	fd.mu.Lock()
	if fd.closed {
		fd.mu.Unlock()
		return fd.opError("close", net.ErrClosed)
	}
	fd.closed = true
	close(fd.closing)
	if fd.refs == 0 {
		close(fd.drained)
	}
	fd.mu.Unlock()
	// A call blocked in a syscall that does not poll (none here: every
	// socket is non-blocking) would hold the fd; shutting it down first
	// makes sure none does.
	<-fd.drained
	fd.rdl.stop()
	fd.wdl.stop()
	unregister(fd.pd)
	if err := unix.Close(fd.fd); err != nil {
		return fd.opError("close", os.NewSyscallError("close", err))
	}
	return nil
}

// shutdown shuts down one direction (CloseRead, CloseWrite).
func (fd *netFD) shutdown(how int) error {
	if !fd.incref() {
		return fd.opError("close", net.ErrClosed)
	}
	defer fd.decref()
	if err := unix.Shutdown(fd.fd, how); err != nil {
		return fd.opError("close", os.NewSyscallError("shutdown", err))
	}
	return nil
}

// setDeadlines sets the deadlines a SetDeadline call names.
func (fd *netFD) setDeadlines(t time.Time, read, write bool) error {
	if !fd.incref() {
		return fd.opError("set", net.ErrClosed)
	}
	defer fd.decref()
	if read {
		fd.rdl.set(t)
	}
	if write {
		fd.wdl.set(t)
	}
	return nil
}

// control runs f on the fd (syscall.RawConn).
func (fd *netFD) control(f func(uintptr)) error {
	if !fd.incref() {
		return fd.opError("raw-control", net.ErrClosed)
	}
	defer fd.decref()
	f(uintptr(fd.fd))
	return nil
}

// setsockoptInt sets an integer option.
func (fd *netFD) setsockoptInt(level, opt, v int) error {
	if !fd.incref() {
		return fd.opError("set", net.ErrClosed)
	}
	defer fd.decref()
	if err := unix.SetsockoptInt(fd.fd, level, opt, v); err != nil {
		return fd.opError("set", os.NewSyscallError("setsockopt", err))
	}
	return nil
}

// rawConn exposes the fd through syscall.RawConn.
type rawConn struct{ fd *netFD }

var _ syscall.RawConn = rawConn{}

func (c rawConn) Control(f func(fd uintptr)) error { return c.fd.control(f) }

// Read calls f until it reports done, waiting for readability in between.
func (c rawConn) Read(f func(fd uintptr) bool) error {
	if !c.fd.incref() {
		return c.fd.opError("raw-read", net.ErrClosed)
	}
	defer c.fd.decref()
	for !f(uintptr(c.fd.fd)) {
		if err := c.fd.wait(c.fd.pd.rd, c.fd.rdl); err != nil {
			return c.fd.opError("raw-read", err)
		}
	}
	return nil
}

// Write calls f until it reports done, waiting for writability in between.
func (c rawConn) Write(f func(fd uintptr) bool) error {
	if !c.fd.incref() {
		return c.fd.opError("raw-write", net.ErrClosed)
	}
	defer c.fd.decref()
	for !f(uintptr(c.fd.fd)) {
		if err := c.fd.wait(c.fd.pd.wr, c.fd.wdl); err != nil {
			return c.fd.opError("raw-write", err)
		}
	}
	return nil
}
