package explore

import (
	"context"
	"io"
	"net"
	"sync"
	"time"
)

// One-bug wrappers around std conns, written before the explorer ran on
// them. Each stands in for an implementation with one realistic bug.

// zeroOnce: the first Read that gets data returns 0, nil and keeps the
// data for the next Read.
type zeroOnce struct {
	*net.TCPConn
	mu    sync.Mutex
	stash []byte
	done  bool
}

func (c *zeroOnce) Read(p []byte) (int, error) {
	c.mu.Lock()
	if len(c.stash) > 0 {
		n := copy(p, c.stash)
		c.stash = c.stash[n:]
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	n, err := c.TCPConn.Read(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if n > 0 && !c.done {
		c.done = true
		c.stash = append([]byte(nil), p[:n]...)
		return 0, nil
	}
	return n, err
}

// dropLast: a Write of 4 KiB or more loses its last byte and reports it
// written.
type dropLast struct{ *net.TCPConn }

func (c dropLast) Write(p []byte) (int, error) {
	if len(p) >= 4096 {
		n, err := c.TCPConn.Write(p[:len(p)-1])
		if err == nil {
			n = len(p)
		}
		return n, err
	}
	return c.TCPConn.Write(p)
}

// staleAfterEOF: once the stream ended, Read serves the last data it
// returned again, from a buffer it forgot to clear.
type staleAfterEOF struct {
	*net.TCPConn
	mu   sync.Mutex
	last []byte
	eof  bool
}

func (c *staleAfterEOF) Read(p []byte) (int, error) {
	c.mu.Lock()
	if c.eof && len(c.last) > 0 {
		n := copy(p, c.last)
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	n, err := c.TCPConn.Read(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if n > 0 {
		c.last = append(c.last[:0], p[:n]...)
	}
	if err == io.EOF {
		c.eof = true
	}
	return n, err
}

// fullCloseWrite: CloseWrite closes the whole conn.
type fullCloseWrite struct{ *net.TCPConn }

func (c fullCloseWrite) CloseWrite() error { return c.TCPConn.Close() }

// earlyDeadline: deadlines fire 20 ms early.
type earlyDeadline struct{ *net.TCPConn }

func early(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Add(-20 * time.Millisecond)
}

func (c earlyDeadline) SetDeadline(t time.Time) error     { return c.TCPConn.SetDeadline(early(t)) }
func (c earlyDeadline) SetReadDeadline(t time.Time) error { return c.TCPConn.SetReadDeadline(early(t)) }
func (c earlyDeadline) SetWriteDeadline(t time.Time) error {
	return c.TCPConn.SetWriteDeadline(early(t))
}

// lazyClose: Close while a Read is blocked only marks the conn closed (it
// means to close it when the Read returns), so the Read stays blocked;
// calls made after Close fail as they should.
type lazyClose struct {
	*net.TCPConn
	mu      sync.Mutex
	reading int
	closed  bool
}

func (c *lazyClose) Read(p []byte) (int, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return 0, net.ErrClosed
	}
	c.reading++
	c.mu.Unlock()
	n, err := c.TCPConn.Read(p)
	c.mu.Lock()
	c.reading--
	if c.closed && c.reading == 0 {
		c.TCPConn.Close()
	}
	c.mu.Unlock()
	return n, err
}

func (c *lazyClose) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.reading > 0 {
		return nil
	}
	return c.TCPConn.Close()
}

// eofAfterClose: a Read after Close returns io.EOF instead of net.ErrClosed.
type eofAfterClose struct {
	*net.TCPConn
	mu     sync.Mutex
	closed bool
}

func (c *eofAfterClose) Read(p []byte) (int, error) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return 0, io.EOF
	}
	return c.TCPConn.Read(p)
}

func (c *eofAfterClose) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return c.TCPConn.Close()
}

// wrongSource: every third datagram ReadFrom reports a source one port off.
type wrongSource struct {
	net.PacketConn
	mu sync.Mutex
	n  int
}

func (c *wrongSource) ReadFrom(p []byte) (int, net.Addr, error) {
	n, addr, err := c.PacketConn.ReadFrom(p)
	if err != nil {
		return n, addr, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n++; c.n%3 == 0 {
		if u, ok := addr.(*net.UDPAddr); ok {
			addr = &net.UDPAddr{IP: u.IP, Port: u.Port + 1}
		}
	}
	return n, addr, err
}

// replyToLatest: WriteTo sends to the client the server heard from last,
// whatever address it is given.
type replyToLatest struct {
	net.PacketConn
	mu     sync.Mutex
	latest net.Addr
}

func (c *replyToLatest) ReadFrom(p []byte) (int, net.Addr, error) {
	n, addr, err := c.PacketConn.ReadFrom(p)
	if err == nil {
		c.mu.Lock()
		c.latest = addr
		c.mu.Unlock()
	}
	return n, addr, err
}

func (c *replyToLatest) WriteTo(p []byte, addr net.Addr) (int, error) {
	c.mu.Lock()
	if c.latest != nil {
		addr = c.latest
	}
	c.mu.Unlock()
	return c.PacketConn.WriteTo(p, addr)
}

// A bug: its name, and the subject with the bug in it.
type bug struct {
	name    string
	subject func(p *pairer) Subject
	control func(p *pairer) Subject
}

// wrapA makes a TCP subject whose "iut" end is wrapped.
func wrapA(name string, wrap func(*net.TCPConn) net.Conn) func(p *pairer) Subject {
	return func(p *pairer) Subject {
		s := tcpSubject(p, name)
		s.NewPair = func(ctx context.Context) (net.Conn, net.Conn, func(), error) {
			a, b, stop, err := p.pair(ctx)
			if err != nil {
				return nil, nil, nil, err
			}
			return wrap(a.(*net.TCPConn)), b, stop, nil
		}
		return s
	}
}

// wrapServer makes a UDP subject whose server socket is wrapped.
func wrapServer(name string, wrap func(net.PacketConn) net.PacketConn) func(*pairer) Subject {
	return func(*pairer) Subject {
		s := udpSubject
		s.Name = name
		s.NewPacket = func(ctx context.Context, n int) (net.PacketConn, []net.PacketConn, func(), error) {
			server, clients, stop, err := udpSockets(ctx, n)
			if err != nil {
				return nil, nil, nil, err
			}
			return wrap(server), clients, stop, nil
		}
		return s
	}
}

func tcpControl(p *pairer) Subject { return tcpSubject(p, "std-tcp4") }
func udpControl(*pairer) Subject   { return udpSubject }

var bugs = []bug{
	{"zero-read-once", wrapA("zero-read-once", func(c *net.TCPConn) net.Conn { return &zeroOnce{TCPConn: c} }), tcpControl},
	{"write-drops-last-byte", wrapA("write-drops-last-byte", func(c *net.TCPConn) net.Conn { return dropLast{c} }), tcpControl},
	{"stale-data-after-eof", wrapA("stale-data-after-eof", func(c *net.TCPConn) net.Conn { return &staleAfterEOF{TCPConn: c} }), tcpControl},
	{"closewrite-closes", wrapA("closewrite-closes", func(c *net.TCPConn) net.Conn { return fullCloseWrite{c} }), tcpControl},
	{"deadline-20ms-early", wrapA("deadline-20ms-early", func(c *net.TCPConn) net.Conn { return earlyDeadline{c} }), tcpControl},
	{"close-keeps-read-blocked", wrapA("close-keeps-read-blocked", func(c *net.TCPConn) net.Conn { return &lazyClose{TCPConn: c} }), tcpControl},
	{"eof-after-close", wrapA("eof-after-close", func(c *net.TCPConn) net.Conn { return &eofAfterClose{TCPConn: c} }), tcpControl},
	{"udp-wrong-source", wrapServer("udp-wrong-source", func(pc net.PacketConn) net.PacketConn { return &wrongSource{PacketConn: pc} }), udpControl},
	{"udp-reply-to-latest", wrapServer("udp-reply-to-latest", func(pc net.PacketConn) net.PacketConn { return &replyToLatest{PacketConn: pc} }), udpControl},
}
