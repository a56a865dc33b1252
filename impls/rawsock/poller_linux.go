package rawsock

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// The poller is one edge-triggered epoll instance shared by every rawsock
// socket. Its goroutine blocks in epoll_wait and, for each event, wakes the
// goroutines waiting to read or write that socket. It starts with the
// first registered socket and stops when the last is unregistered, so no
// goroutine outlives the sockets (goleak checks that).
type poller struct {
	epfd int
	evfd int // eventfd: wakes epoll_wait to stop
	mu   sync.Mutex
	fds  map[int32]*pollDesc
	done chan struct{}
}

// pollDesc signals readiness of one fd: each channel holds at most one
// pending wake-up, which a waiter consumes before retrying its syscall.
type pollDesc struct {
	fd int
	rd chan struct{}
	wr chan struct{}
}

var (
	pollMu sync.Mutex
	active *poller
)

// register adds fd to the poller, starting it if needed.
func register(fd int) (*pollDesc, error) {
	pollMu.Lock()
	defer pollMu.Unlock()
	if active == nil {
		p, err := startPoller()
		if err != nil {
			return nil, err
		}
		active = p
	}
	pd := &pollDesc{fd: fd, rd: make(chan struct{}, 1), wr: make(chan struct{}, 1)}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(fd)}
	if err := unix.EpollCtl(active.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		if len(active.fds) == 0 {
			active.stop()
			active = nil
		}
		return nil, fmt.Errorf("epoll_ctl add: %w", err)
	}
	active.mu.Lock()
	active.fds[int32(fd)] = pd
	active.mu.Unlock()
	return pd, nil
}

// unregister removes pd's fd, stopping the poller after the last one. The
// fd must still be open.
func unregister(pd *pollDesc) {
	pollMu.Lock()
	defer pollMu.Unlock()
	if active == nil {
		return
	}
	unix.EpollCtl(active.epfd, unix.EPOLL_CTL_DEL, pd.fd, nil)
	active.mu.Lock()
	delete(active.fds, int32(pd.fd))
	empty := len(active.fds) == 0
	active.mu.Unlock()
	if empty {
		active.stop()
		active = nil
	}
}

func startPoller() (*poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	evfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(evfd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, evfd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(evfd)
		return nil, fmt.Errorf("epoll_ctl add eventfd: %w", err)
	}
	p := &poller{epfd: epfd, evfd: evfd, fds: map[int32]*pollDesc{}, done: make(chan struct{})}
	go p.loop()
	return p, nil
}

// stop wakes the loop through the eventfd and waits for it to end; it is
// called with pollMu held, which the loop never takes.
func (p *poller) stop() {
	var one = []byte{1, 0, 0, 0, 0, 0, 0, 0}
	unix.Write(p.evfd, one)
	<-p.done
	unix.Close(p.epfd)
	unix.Close(p.evfd)
}

func (p *poller) loop() {
	defer close(p.done)
	events := make([]unix.EpollEvent, 128)
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		for _, ev := range events[:n] {
			if int(ev.Fd) == p.evfd {
				return
			}
			pd := p.lookup(ev.Fd)
			if pd == nil {
				continue
			}
			if ev.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
				wake(pd.rd)
			}
			if ev.Events&(unix.EPOLLOUT|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
				wake(pd.wr)
			}
		}
	}
}

// lookup finds an fd's descriptor.
func (p *poller) lookup(fd int32) *pollDesc {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fds[fd]
}

func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
