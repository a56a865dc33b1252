package script

import (
	"fmt"
	"net"
	"sync/atomic"
)

// A Func step sees the implementation under test through these checked
// wrappers: a call that breaks the io.Reader or io.Writer contract (a
// count outside 0..len(p)) becomes a finding and a clamped count, so
// that the step's own code cannot be crashed by it.

type checkedConn struct {
	net.Conn
	x    *X
	name string
}

func (c checkedConn) Read(p []byte) (int, error) {
	defer c.x.enter(c.name)()
	n, err := c.Conn.Read(p)
	return c.x.clamp("Read", n, len(p)), err
}

func (c checkedConn) Write(p []byte) (int, error) {
	defer c.x.enter(c.name)()
	n, err := c.Conn.Write(p)
	return c.x.clamp("Write", n, len(p)), err
}

type checkedPacketConn struct {
	net.PacketConn
	x    *X
	name string
}

func (c checkedPacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	defer c.x.enter(c.name)()
	n, a, err := c.PacketConn.ReadFrom(p)
	return c.x.clamp("ReadFrom", n, len(p)), a, err
}

func (c checkedPacketConn) WriteTo(p []byte, a net.Addr) (int, error) {
	defer c.x.enter(c.name)()
	n, err := c.PacketConn.WriteTo(p, a)
	return c.x.clamp("WriteTo", n, len(p)), err
}

// checkedDatagramConn is a packet conn that is also a net.Conn (a
// *net.UDPConn), checked both ways.
type checkedDatagramConn struct {
	checkedPacketConn
	conn net.Conn
}

func (c checkedDatagramConn) Read(p []byte) (int, error) {
	return checkedConn{c.conn, c.x, c.name}.Read(p)
}

func (c checkedDatagramConn) Write(p []byte) (int, error) {
	return checkedConn{c.conn, c.x, c.name}.Write(p)
}

func (c checkedDatagramConn) RemoteAddr() net.Addr { return c.conn.RemoteAddr() }

// clamp records a count outside 0..size and returns it clamped. A call
// that moved bytes is progress, which keeps a slow step from counting as
// hung (X.await); a call that moved none is not, so an implementation
// spinning on 0, nil still hangs the step.
func (x *X) clamp(call string, n, size int) int {
	if n > 0 {
		x.progressed()
	}
	if n >= 0 && n <= size {
		return n
	}
	x.Errorf(call, fmt.Sprintf("n = %d for a %d-byte buffer", n, size), "0 ≤ n ≤ len(p) (io.Reader, io.Writer)")
	return max(0, min(n, size))
}

// A flight counts the calls in flight on one endpoint, and their peak.
type flight struct {
	now, peak atomic.Int64
}

// enter counts a call of the implementation on endpoint name in flight,
// and returns what counts it out.
func (x *X) enter(name string) func() {
	f := x.flightOf(name)
	n := f.now.Add(1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return func() { f.now.Add(-1) }
}

func (x *X) flightOf(name string) *flight {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.flights == nil {
		x.flights = map[string]*flight{}
	}
	f := x.flights[name]
	if f == nil {
		f = &flight{}
		x.flights[name] = f
	}
	return f
}

// Overlapped reports whether at least two of the implementation's calls
// on endpoint name, made through the step's checked conns, were in flight
// at once: a concurrency check whose calls never overlapped checked
// nothing.
func (x *X) Overlapped(name string) bool { return x.flightOf(name).peak.Load() >= 2 }
