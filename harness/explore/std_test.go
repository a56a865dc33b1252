package explore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// classify is a minimal classifier for these tests; the harness injects
// its own.
func classify(err error) string {
	var t interface{ Timeout() bool }
	switch {
	case err == nil:
		return "none"
	case errors.Is(err, io.EOF):
		return "eof"
	case errors.Is(err, net.ErrClosed):
		return "closed"
	case errors.Is(err, io.ErrClosedPipe):
		return "closed-pipe"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "deadline"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	case errors.Is(err, syscall.EPIPE):
		return "broken-pipe"
	case errors.Is(err, syscall.ENOTCONN):
		return "not-connected"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.EMSGSIZE):
		return "msg-size"
	case errors.As(err, &t) && t.Timeout():
		return "timeout-other"
	}
	return "other"
}

// pairer hands out connected TCP pairs from one listener, so that a long
// run does not use up ephemeral ports on listeners: each accepted conn is
// matched to its dialer by address.
type pairer struct {
	ln      net.Listener
	mu      sync.Mutex
	waiting map[string]chan net.Conn
	early   map[string]net.Conn
}

func newPairer(network, addr string) (*pairer, error) {
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, err
	}
	p := &pairer{ln: ln, waiting: map[string]chan net.Conn{}, early: map[string]net.Conn{}}
	go p.accept()
	return p, nil
}

func (p *pairer) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		key := c.RemoteAddr().String()
		p.mu.Lock()
		if ch, ok := p.waiting[key]; ok {
			delete(p.waiting, key)
			ch <- c
		} else {
			p.early[key] = c
		}
		p.mu.Unlock()
	}
}

func (p *pairer) pair(ctx context.Context) (net.Conn, net.Conn, func(), error) {
	var d net.Dialer
	a, err := d.DialContext(ctx, p.ln.Addr().Network(), p.ln.Addr().String())
	if err != nil {
		return nil, nil, nil, err
	}
	key := a.LocalAddr().String()
	ch := make(chan net.Conn, 1)
	p.mu.Lock()
	if c, ok := p.early[key]; ok {
		delete(p.early, key)
		ch <- c
	} else {
		p.waiting[key] = ch
	}
	p.mu.Unlock()
	select {
	case b := <-ch:
		return a, b, nil, nil
	case <-ctx.Done():
		a.Close()
		return nil, nil, nil, ctx.Err()
	}
}

func (p *pairer) Close() { p.ln.Close() }

// unixPair returns a connected pair of unix stream sockets (socketpair).
func unixPair(context.Context) (net.Conn, net.Conn, func(), error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		return nil, nil, nil, err
	}
	syscall.CloseOnExec(fds[0])
	syscall.CloseOnExec(fds[1])
	var conns [2]net.Conn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), fmt.Sprintf("unixpair%d", i))
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			return nil, nil, nil, err
		}
		conns[i] = c
	}
	return conns[0], conns[1], nil, nil
}

// udpHost numbers the loopback addresses of the datagram sequences.
var udpHost atomic.Uint32

// udpSockets returns a server socket and n client sockets on a loopback
// address of their own (127.1.x.y): a datagram another sequence sends to
// its own closed client can never reach a socket that reused the port.
func udpSockets(_ context.Context, n int) (net.PacketConn, []net.PacketConn, func(), error) {
	h := udpHost.Add(1) % (1 << 16)
	addr := fmt.Sprintf("127.1.%d.%d:0", h>>8, h&0xff)
	var all []net.PacketConn
	for range n + 1 {
		pc, err := net.ListenPacket("udp4", addr)
		if err != nil {
			for _, c := range all {
				c.Close()
			}
			return nil, nil, nil, err
		}
		all = append(all, pc)
	}
	return all[0], all[1:], nil, nil
}

func pipePair(context.Context) (net.Conn, net.Conn, func(), error) {
	a, b := net.Pipe()
	return a, b, nil, nil
}

// The std controls: each must give zero findings.
func tcpSubject(p *pairer, name string) Subject {
	return Subject{Name: name, NewPair: p.pair, Peer: PeerTCP, Caps: kernelCaps, Transport: "tcp", Classify: classify}
}

var (
	unixSubject = Subject{Name: "std-unix", NewPair: unixPair, Peer: PeerUnix, Caps: kernelCaps, Transport: "unix", Classify: classify}
	udpSubject  = Subject{Name: "std-udp", NewPacket: udpSockets, Caps: CapDeadline | CapConcurrent, Transport: "udp", Classify: classify}
	// net.Pipe: unbuffered (a Write blocks until read), no CloseWrite or
	// CloseRead, and io.ErrClosedPipe after Close.
	pipeSubject = Subject{Name: "pipe", NewPair: pipePair, Peer: PeerOwn, Caps: CapDeadline | CapConcurrent,
		Transport: "pipe", ClosedClass: "closed-pipe", Classify: classify}
)
