package mutants

import (
	"io"
	"net"
	"sync"
	"syscall"
)

// The hooks of the mutants that change what io.Copy, buffers, datagram
// flags and addresses look like.

// eofAtEnd turns a copy's successful end into io.EOF.
func eofAtEnd(n int64, err error) (int64, error) {
	if err == nil {
		err = io.EOF
	}
	return n, err
}

// sendQueue is write-retains-buffer's per-conn queue of the callers'
// slices, sent in order by one goroutine.
type sendQueue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	queue [][]byte
	err   error // the first send error, returned by later Writes
	done  bool
}

func (q *sendQueue) stop() {
	q.mu.Lock()
	q.done = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

// retainingWrite queues p itself, not a copy, and returns at once.
func retainingWrite(c *conn, p []byte) (int, error) {
	c.mu.Lock()
	q, _ := c.state.(*sendQueue)
	if q == nil {
		q = &sendQueue{}
		q.cond = sync.NewCond(&q.mu)
		c.state = q
		go q.send(c)
	}
	c.mu.Unlock()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return 0, q.err
	}
	if c.closed.Load() {
		return 0, net.ErrClosed
	}
	q.queue = append(q.queue, p)
	q.cond.Broadcast()
	return len(p), nil
}

// send writes the queued slices to the socket as they come.
func (q *sendQueue) send(c *conn) {
	for {
		q.mu.Lock()
		for len(q.queue) == 0 && !q.done {
			q.cond.Wait()
		}
		if q.done {
			q.mu.Unlock()
			return
		}
		p := q.queue[0]
		q.queue = q.queue[1:]
		q.mu.Unlock()
		if _, err := c.Conn.Write(p); err != nil {
			q.mu.Lock()
			q.err, q.queue = err, nil
			q.mu.Unlock()
		}
	}
}

// zeroPayloadEOF reads a datagram and reports an empty one as io.EOF.
func zeroPayloadEOF(c *conn, p []byte) (int, net.Addr, error) {
	n, from, err := c.Conn.(udpConn).ReadFrom(p)
	if n == 0 && err == nil {
		err = io.EOF
	}
	return n, from, err
}

// lastSender is the source of the last datagram read on an unconnected
// socket, or the connected peer.
func lastSender(c *conn) net.Addr {
	if r := c.Conn.RemoteAddr(); r != nil {
		return r
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastFrom
}

// readMsgBuffered reads the datagram into a buffer of its own and copies
// out what fits, dropping MSG_TRUNC.
func readMsgBuffered(c *conn, b, oob []byte) (int, int, int, *net.UDPAddr, error) {
	buf := make([]byte, 64<<10)
	n, oobn, flags, addr, err := c.Conn.(*net.UDPConn).ReadMsgUDP(buf, oob)
	return copy(b, buf[:n]), oobn, flags &^ syscall.MSG_TRUNC, addr, err
}
