// Package tlsconn adapts crypto/tls over TCP to the conformance harness.
//
// Topology: pair — a TLS client and a TLS server over a loopback TCP
// connection, handshaken before the case starts (a std TCP peer does not
// speak TLS). Each *tls.Conn sits on its own kernel socket, whose 4-tuple
// its LocalAddr and RemoteAddr report, so kernel states and the wire are
// observable. Close mode: full (Close sends close_notify, then closes the
// TCP connection). Optional interfaces: CloseWrite (close_notify only),
// NetConn; *tls.Conn hides the other methods of the *net.TCPConn it wraps
// (CloseRead, SetLinger, SetNoDelay, the keep-alive setters, SyscallConn),
// which the Known list says case by case. tls.NewListener gives it a
// listener (its own TLS clients reach it) and tls.Client over a TCP dial a
// Dial.
package tlsconn

import (
	"context"
	"crypto/tls"
	"net"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/impls/internal/selfsigned"
)

// NewPair handshakes a TLS client and server over a fresh TCP connection.
func NewPair(ctx context.Context) (*harness.Pair, error) {
	srvConf, err := selfsigned.Server()
	if err != nil {
		return nil, err
	}
	cliConf, err := selfsigned.Client()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	type accepted struct {
		c   *tls.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			ch <- accepted{err: err}
			return
		}
		s := tls.Server(raw, srvConf)
		if err := s.HandshakeContext(ctx); err != nil {
			raw.Close()
			ch <- accepted{err: err}
			return
		}
		ch <- accepted{c: s}
	}()
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp4", ln.Addr().String())
	if err != nil {
		ln.Close()
		<-ch
		return nil, err
	}
	c := tls.Client(raw, cliConf)
	if err := c.HandshakeContext(ctx); err != nil {
		raw.Close()
		<-ch
		return nil, err
	}
	a := <-ch
	if a.err != nil {
		c.Close()
		return nil, a.err
	}
	return &harness.Pair{Client: c, Server: a.c}, nil
}

// NewListener is tls.NewListener over a loopback TCP listener; its Dial
// is a TLS client of it (the handshake happens on first use, as with
// tls.Client).
func NewListener(ctx context.Context) (*harness.PairListener, error) {
	srvConf, err := selfsigned.Server()
	if err != nil {
		return nil, err
	}
	cliConf, err := selfsigned.Client()
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	raw, err := lc.Listen(ctx, "tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ln := tls.NewListener(raw, srvConf)
	dial := func(ctx context.Context) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp4", raw.Addr().String())
		if err != nil {
			return nil, err
		}
		return tls.Client(c, cliConf), nil
	}
	return &harness.PairListener{Listener: ln, Dial: dial}, nil
}

// Dial dials TCP and wraps the conn in a TLS client, as tls.Client does:
// the handshake happens on first use, so dial errors are the TCP dial's.
func Dial(ctx context.Context, network, address string, o harness.DialOptions) (net.Conn, error) {
	cliConf, err := selfsigned.Client()
	if err != nil {
		return nil, err
	}
	c, err := o.Dialer().DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return tls.Client(c, cliConf), nil
}

// Impl is crypto/tls over TCP.
var Impl = harness.Impl{
	Name:        "crypto-tls",
	Description: "crypto/tls client and server conns over loopback TCP",
	URL:         "https://pkg.go.dev/crypto/tls",
	Caps: harness.CapStream | harness.CapHalfClose | harness.CapDeadline | harness.CapKernel | harness.CapTCP | harness.CapBuffered |
		harness.CapListener | harness.CapDial,
	NewPair:     NewPair,
	NewListener: NewListener,
	Dial:        Dial,
	Known:       known,
}
