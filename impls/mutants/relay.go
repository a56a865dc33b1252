package mutants

import (
	"context"
	"io"
	"net"
	"sync"

	"github.com/netconform/netconform/harness"
)

// relayDial is dial-through-relay's Dial: it connects to address first
// (so that dial errors are the address's), then hands the caller a conn to
// a relay of its own that copies both ways. The conn reports address as
// its RemoteAddr, as a proxy client does; its socket's peer is the relay.
func relayDial(ctx context.Context, d *net.Dialer, network, address string) (net.Conn, error) {
	out, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen(network, loopbackOf(out.RemoteAddr()))
	if err != nil {
		out.Close()
		return nil, err
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		in, err := ln.Accept()
		ln.Close()
		if err != nil {
			accepted <- nil
			return
		}
		accepted <- in
	}()
	c, err := d.DialContext(ctx, network, ln.Addr().String())
	if err != nil {
		ln.Close()
		out.Close()
		return nil, err
	}
	in := <-accepted
	if in == nil {
		c.Close()
		out.Close()
		return nil, io.ErrUnexpectedEOF
	}
	stop := sync.OnceFunc(func() { in.Close(); out.Close() })
	harness.CaseCleanup(ctx, stop)
	go relayHalf(out, in, stop)
	go relayHalf(in, out, stop)
	return &proxied{TCPConn: c.(*net.TCPConn), remote: out.RemoteAddr()}, nil
}

// relayHalf copies src to dst; at src's end it shuts dst's write side, on
// an error it ends the relay.
func relayHalf(dst, src net.Conn, stop func()) {
	if _, err := io.Copy(dst, src); err != nil {
		stop()
		return
	}
	dst.(*net.TCPConn).CloseWrite()
}

// loopbackOf is the loopback address of addr's family, port 0.
func loopbackOf(addr net.Addr) string {
	if a, ok := addr.(*net.TCPAddr); ok && a.IP.To4() == nil {
		return "[::1]:0"
	}
	return "127.0.0.1:0"
}

// proxied is the relay's client conn, reporting the target as its peer.
type proxied struct {
	*net.TCPConn
	remote net.Addr
}

func (p *proxied) RemoteAddr() net.Addr { return p.remote }

// probeThenDial is dial-probes-first's Dial: a throwaway connection,
// closed at once, then the one it returns.
func probeThenDial(ctx context.Context, d *net.Dialer, network, address string) (net.Conn, error) {
	probe, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	probe.Close()
	return d.DialContext(ctx, network, address)
}
