package mutants

import (
	"syscall"
	"time"
)

// watchFIN is eof-closes-in-background's: a goroutine looks at the socket
// every 2 ms through a duplicate of its descriptor, without taking the
// conn's locks, peeking (MSG_PEEK leaves the data for Read), and closes the
// conn when it sees the end of the stream. It ends with the conn.
func watchFIN(c *conn) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok || isDatagram(c) {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	dup := -1
	rc.Control(func(fd uintptr) { dup, _ = syscall.Dup(int(fd)) })
	if dup < 0 {
		return
	}
	go func() {
		defer syscall.Close(dup)
		buf := make([]byte, 1)
		for !c.closed.Load() {
			n, _, err := syscall.Recvfrom(dup, buf, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			switch {
			case err == nil && n == 0:
				c.closed.Store(true)
				c.Conn.Close()
				return
			case err != nil && err != syscall.EAGAIN:
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
}
