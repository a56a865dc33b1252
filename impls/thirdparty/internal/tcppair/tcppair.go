// Package tcppair makes the loopback TCP connections the multiplexers and
// adapters of this module run over.
package tcppair

import (
	"context"
	"net"
)

// New returns both ends of a fresh loopback TCP connection.
func New(ctx context.Context) (client, server net.Conn, err error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	defer ln.Close()
	type accepted struct {
		c   net.Conn
		err error
	}
	ch := make(chan accepted, 1)
	go func() {
		c, err := ln.Accept()
		ch <- accepted{c, err}
	}()
	client, err = (&net.Dialer{}).DialContext(ctx, "tcp4", ln.Addr().String())
	if err != nil {
		ln.Close()
		<-ch
		return nil, nil, err
	}
	a := <-ch
	if a.err != nil {
		client.Close()
		return nil, nil, a.err
	}
	return client, a.c, nil
}
