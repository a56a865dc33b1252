//go:build unix

// Command noreuseaddr is a deliberately faulty TCP server: it binds its
// listening socket with SO_REUSEADDR explicitly turned OFF, so it cannot be
// restarted on the same port while TIME_WAIT sockets of that port exist.
//
// Go's net package turns SO_REUSEADDR on for every listener; this server
// undoes that in a net.ListenConfig Control function, before bind(2). The
// accepted sockets inherit the option (off), and so do the TIME_WAIT
// sockets they leave: a new bind to the port then fails with EADDRINUSE
// ("bind: address already in use") until TIME_WAIT expires (60 s on Linux).
//
// Otherwise it is a correct server, and it is the side that closes first, so
// TIME_WAIT lands on the server's side: it listens on ":$PORT" (PORT from
// the environment, default 8080), reads the request (the first chunk, with
// a 10 s deadline), writes "Hello, client!", half-closes (FIN), then reads
// and discards until the client's FIN or 5 s, and closes — never leaving
// unread data behind, so its close is a FIN, not a RST.
//
// Expected observations: after one client, `ss -tan state time-wait` shows
// a TIME_WAIT socket whose local port is $PORT; killing the server and
// starting it again at once fails with "bind: address already in use" and
// exit status 1.
package main

import (
	"context"
	"io"
	"log"
	"net"
	"os"
	"syscall"
	"time"
)

func port() string {
	if p := os.Getenv("PORT"); p != "" {
		return p
	}
	return "8080"
}

func main() {
	lc := net.ListenConfig{
		Control: func(network, address string, rc syscall.RawConn) error {
			var serr error
			if err := rc.Control(func(fd uintptr) {
				// BUG: SO_REUSEADDR off.
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 0)
			}); err != nil {
				return err
			}
			return serr
		},
	}
	ln, err := lc.Listen(context.Background(), "tcp", ":"+port())
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	log.Printf("noreuseaddr: listening on %s (SO_REUSEADDR off)", ln.Addr())
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Printf("accept: %v", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go serve(c.(*net.TCPConn))
	}
}

func serve(c *net.TCPConn) {
	defer c.Close()
	buf := make([]byte, 64<<10)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := c.Read(buf)
	if n > 0 {
		log.Printf("%s: request %q", c.RemoteAddr(), buf[:n])
	}
	if err != nil && err != io.EOF {
		log.Printf("%s: read: %v", c.RemoteAddr(), err)
		return
	}
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("Hello, client!")); err != nil {
		log.Printf("%s: write: %v", c.RemoteAddr(), err)
		return
	}
	// The server closes first: FIN now, then wait for the client's FIN,
	// discarding anything it still sends.
	if err := c.CloseWrite(); err != nil {
		log.Printf("%s: close-write: %v", c.RemoteAddr(), err)
		return
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, c); err != nil {
		log.Printf("%s: drain: %v", c.RemoteAddr(), err)
	}
}
