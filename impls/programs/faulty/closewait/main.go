// Command closewait is a deliberately faulty TCP server: it answers like a
// normal server but never closes a connection, so every client that leaves
// leaves a socket in CLOSE_WAIT behind (the classic descriptor leak).
//
// What it does: it listens on ":$PORT" (PORT from the environment, default
// 8080). For each connection it reads the request (the first chunk, up to
// 64 KiB), writes "Hello, client!", and then keeps reading and discarding
// until the client's FIN (io.EOF) or an error. At that point a correct
// server would call Close; this one only marks the connection "finished" in
// a registry that keeps every net.Conn it ever accepted, and returns. The
// client's FIN has been received, the server's never goes out: the socket
// stays in CLOSE_WAIT, and its descriptor stays open, until the process
// exits. (Keeping the conn in the registry is what makes the leak real: a
// forgotten net.Conn would eventually be closed by the garbage collector's
// finalizer.)
//
// Expected observations: `ss -tan state close-wait` shows one socket per
// client that has closed its side; the client gets the reply but never an
// EOF; the process's open descriptor count grows with every client until
// accept fails with EMFILE.
package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"sync"
	"time"
)

// registry holds every accepted connection, forever. That is the bug.
var registry = struct {
	sync.Mutex
	conns map[net.Conn]string
}{conns: map[net.Conn]string{}}

func port() string {
	if p := os.Getenv("PORT"); p != "" {
		return p
	}
	return "8080"
}

func main() {
	ln, err := net.Listen("tcp", ":"+port())
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	log.Printf("closewait: listening on %s", ln.Addr())
	for {
		c, err := ln.Accept()
		if err != nil {
			// Once the descriptors run out this fails with EMFILE.
			log.Printf("accept: %v", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		registry.Lock()
		registry.conns[c] = "open"
		registry.Unlock()
		go serve(c)
	}
}

func serve(c net.Conn) {
	buf := make([]byte, 64<<10)
	n, err := c.Read(buf)
	if n > 0 {
		log.Printf("%s: request %q", c.RemoteAddr(), buf[:n])
		if _, werr := c.Write([]byte("Hello, client!")); werr != nil {
			log.Printf("%s: write: %v", c.RemoteAddr(), werr)
		}
	}
	// Drain the rest of what the client sends, so that no unread data is
	// left behind (that part is correct).
	for err == nil {
		_, err = c.Read(buf)
	}
	if !errors.Is(err, io.EOF) {
		log.Printf("%s: read: %v", c.RemoteAddr(), err)
	}
	// BUG: no c.Close(). The connection stays in the registry.
	registry.Lock()
	registry.conns[c] = "finished"
	leaked := len(registry.conns)
	registry.Unlock()
	fmt.Fprintf(os.Stderr, "closewait: %s left; %d connections never closed\n", c.RemoteAddr(), leaked)
}
