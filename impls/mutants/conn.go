package mutants

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// conn wraps one of Go's conns (*net.TCPConn or *net.UDPConn) and runs
// every call through the mutant's bug: a hook that is set replaces the
// call, every other call is Go's, and every error passes through errs.
type conn struct {
	net.Conn
	b *bug

	closed  atomic.Bool
	pending atomic.Int32 // Reads in progress

	mu       sync.Mutex
	rdl, wdl time.Time
	poison   error    // timeout-poisons: the timeout every later call returns
	lastFrom net.Addr // the last source a ReadFrom saw

	release sync.Once
	state   any // a bug's own per-conn state
}

func newConn(c net.Conn, b *bug) *conn { return &conn{Conn: c, b: b} }

// err maps an error through the bug.
func (c *conn) err(err error) error {
	if err == nil || c.b.errs == nil {
		return err
	}
	return c.b.errs(err)
}

func (c *conn) Read(p []byte) (int, error) {
	c.pending.Add(1)
	defer c.pending.Add(-1)
	if c.b.read != nil {
		n, err := c.b.read(c, p)
		return n, c.err(err)
	}
	n, err := c.Conn.Read(p)
	return n, c.err(err)
}

func (c *conn) Write(p []byte) (int, error) {
	if c.b.write != nil {
		n, err := c.b.write(c, p)
		return n, c.err(err)
	}
	n, err := c.Conn.Write(p)
	return n, c.err(err)
}

func (c *conn) Close() error {
	if c.b.close != nil {
		return c.err(c.b.close(c))
	}
	c.closed.Store(true)
	return c.err(c.Conn.Close())
}

// forceClose closes the socket for good when the case ends, whatever the
// bug did to Close, so that no mutant leaks into the next case.
func (c *conn) forceClose() {
	c.release.Do(func() {
		c.closed.Store(true)
		c.Conn.Close()
		if s, ok := c.state.(interface{ stop() }); ok {
			s.stop()
		}
	})
}

func (c *conn) CloseWrite() error {
	if c.b.closeWrite != nil {
		return c.err(c.b.closeWrite(c))
	}
	return c.err(c.halves().CloseWrite())
}

func (c *conn) CloseRead() error {
	if c.b.closeRead != nil {
		return c.err(c.b.closeRead(c))
	}
	return c.err(c.halves().CloseRead())
}

// halves is the stream underneath that half-closes (TCP or unix).
func (c *conn) halves() interface {
	CloseWrite() error
	CloseRead() error
} {
	if h, ok := c.Conn.(interface {
		CloseWrite() error
		CloseRead() error
	}); ok {
		return h
	}
	return notTCP{}
}

// tcp is the TCP conn underneath; on a datagram conn its methods fail.
func (c *conn) tcp() tcpConn {
	if t, ok := c.Conn.(tcpConn); ok {
		return t
	}
	return notTCP{}
}

type tcpConn interface {
	CloseWrite() error
	CloseRead() error
	SetLinger(int) error
	SetNoDelay(bool) error
	SetKeepAlive(bool) error
	SetKeepAlivePeriod(time.Duration) error
	SetKeepAliveConfig(net.KeepAliveConfig) error
}

var errNotTCP = errors.New("mutants: not a TCP conn")

type notTCP struct{}

func (notTCP) CloseWrite() error                            { return errNotTCP }
func (notTCP) CloseRead() error                             { return errNotTCP }
func (notTCP) SetLinger(int) error                          { return errNotTCP }
func (notTCP) SetNoDelay(bool) error                        { return errNotTCP }
func (notTCP) SetKeepAlive(bool) error                      { return errNotTCP }
func (notTCP) SetKeepAlivePeriod(time.Duration) error       { return errNotTCP }
func (notTCP) SetKeepAliveConfig(net.KeepAliveConfig) error { return errNotTCP }

// Deadline kinds, for the setDeadline hook.
const (
	readDeadline  = 1
	writeDeadline = 2
	bothDeadlines = readDeadline | writeDeadline
)

func (c *conn) SetDeadline(t time.Time) error      { return c.setDeadline(bothDeadlines, t) }
func (c *conn) SetReadDeadline(t time.Time) error  { return c.setDeadline(readDeadline, t) }
func (c *conn) SetWriteDeadline(t time.Time) error { return c.setDeadline(writeDeadline, t) }

func (c *conn) setDeadline(kind int, t time.Time) error {
	c.mu.Lock()
	if kind&readDeadline != 0 {
		c.rdl = t
	}
	if kind&writeDeadline != 0 {
		c.wdl = t
	}
	c.mu.Unlock()
	if c.b.setDeadline != nil {
		return c.err(c.b.setDeadline(c, kind, t))
	}
	return c.err(stdDeadline(c.Conn, kind, t))
}

func stdDeadline(c net.Conn, kind int, t time.Time) error {
	switch kind {
	case readDeadline:
		return c.SetReadDeadline(t)
	case writeDeadline:
		return c.SetWriteDeadline(t)
	}
	return c.SetDeadline(t)
}

// deadlines returns the deadlines the caller set.
func (c *conn) deadlines() (r, w time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rdl, c.wdl
}

func (c *conn) LocalAddr() net.Addr {
	if c.b.addrs != nil {
		l, _ := c.b.addrs(c)
		return l
	}
	return c.Conn.LocalAddr()
}

func (c *conn) RemoteAddr() net.Addr {
	if c.b.addrs != nil {
		_, r := c.b.addrs(c)
		return r
	}
	return c.Conn.RemoteAddr()
}

func (c *conn) SetLinger(sec int) error {
	if c.b.setLinger != nil {
		return c.err(c.b.setLinger(c, sec))
	}
	return c.err(c.tcp().SetLinger(sec))
}

func (c *conn) SetNoDelay(on bool) error { return c.err(c.tcp().SetNoDelay(on)) }

func (c *conn) SetKeepAlive(on bool) error {
	if c.b.ignoreKeepAlive {
		return nil
	}
	return c.err(c.tcp().SetKeepAlive(on))
}

func (c *conn) SetKeepAlivePeriod(d time.Duration) error {
	if c.b.ignoreKeepAlive {
		return nil
	}
	return c.err(c.tcp().SetKeepAlivePeriod(d))
}

func (c *conn) SetKeepAliveConfig(cfg net.KeepAliveConfig) error {
	if c.b.ignoreKeepAlive {
		return nil
	}
	return c.err(c.tcp().SetKeepAliveConfig(cfg))
}

// File is *net.TCPConn's and *net.UDPConn's: a dup of the socket.
func (c *conn) File() (*os.File, error) {
	f, err := c.Conn.(interface{ File() (*os.File, error) }).File()
	return f, c.err(err)
}

// ReadFrom is *net.TCPConn's io.ReaderFrom (splice and sendfile), as a
// wrapper embedding the conn gets it: it writes to the socket itself.
func (c *conn) ReadFrom(r io.Reader) (int64, error) {
	if c.b.copyIn != nil {
		n, err := c.b.copyIn(c, r)
		return n, c.err(err)
	}
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		n, err := rf.ReadFrom(r)
		return n, c.err(err)
	}
	n, err := io.Copy(struct{ io.Writer }{c.Conn}, r) // *net.UnixConn has no ReadFrom
	return n, c.err(err)
}

// WriteTo is *net.TCPConn's io.WriterTo (splice), as a wrapper embedding
// the conn gets it.
func (c *conn) WriteTo(w io.Writer) (int64, error) {
	if c.b.copyOut != nil {
		n, err := c.b.copyOut(c, w)
		return n, c.err(err)
	}
	if wt, ok := c.Conn.(io.WriterTo); ok {
		n, err := wt.WriteTo(w)
		return n, c.err(err)
	}
	n, err := io.Copy(w, struct{ io.Reader }{c.Conn}) // *net.UnixConn has no WriteTo
	return n, c.err(err)
}

// SyscallConn exposes the socket, so that the harness observes options.
func (c *conn) SyscallConn() (syscall.RawConn, error) {
	return c.Conn.(syscall.Conn).SyscallConn()
}

// packetConn is a datagram conn: a net.Conn and a net.PacketConn, like
// *net.UDPConn.
type packetConn struct{ *conn }

// udp is the datagram socket underneath.
func (c packetConn) udp() udpConn { return c.Conn.(udpConn) }

type udpConn interface {
	ReadFrom(p []byte) (int, net.Addr, error)
	WriteTo(p []byte, a net.Addr) (int, error)
}

func (c packetConn) ReadFrom(p []byte) (int, net.Addr, error) {
	c.pending.Add(1)
	defer c.pending.Add(-1)
	var n int
	var a net.Addr
	var err error
	if c.b.readFrom != nil {
		n, a, err = c.b.readFrom(c.conn, p)
	} else {
		n, a, err = c.udp().ReadFrom(p)
	}
	if a != nil {
		c.mu.Lock()
		c.lastFrom = a
		c.mu.Unlock()
	}
	return n, a, c.err(err)
}

// ReadMsgUDP is *net.UDPConn's: it reports the message's flags.
func (c packetConn) ReadMsgUDP(b, oob []byte) (n, oobn, flags int, addr *net.UDPAddr, err error) {
	c.pending.Add(1)
	defer c.pending.Add(-1)
	if c.b.readMsg != nil {
		n, oobn, flags, addr, err = c.b.readMsg(c.conn, b, oob)
	} else {
		n, oobn, flags, addr, err = c.Conn.(*net.UDPConn).ReadMsgUDP(b, oob)
	}
	return n, oobn, flags, addr, c.err(err)
}

// RemoteAddr is the connected peer, or nil on an unconnected socket.
func (c packetConn) RemoteAddr() net.Addr {
	if c.b.packetRemote != nil {
		return c.b.packetRemote(c.conn)
	}
	return c.conn.RemoteAddr()
}

func (c packetConn) WriteTo(p []byte, a net.Addr) (int, error) {
	if c.b.writeTo != nil {
		n, err := c.b.writeTo(c.conn, p, a)
		return n, c.err(err)
	}
	n, err := c.udp().WriteTo(p, a)
	return n, c.err(err)
}

// hiddenConn hides every optional method: only net.Conn's remain, as a
// wrapper that embeds net.Conn leaves them.
type hiddenConn struct{ net.Conn }
