// Command optserver is a "hello" server that sets socket options other
// than Go's defaults on its accepted sockets — keep-alive idle 40 s,
// interval 7 s, count 4, Nagle on (no TCP_NODELAY) — so that a test can
// tell options read from the program's own sockets from defaults.
package main

import (
	"context"
	"log"
	"net"
	"os"
	"time"
)

func main() {
	lc := net.ListenConfig{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 40 * time.Second, Interval: 7 * time.Second, Count: 4}}
	ln, err := lc.Listen(context.Background(), "tcp", ":"+os.Getenv("PORT"))
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		c.(*net.TCPConn).SetNoDelay(false)
		go func() {
			defer c.Close()
			buf := make([]byte, 1024)
			if _, err := c.Read(buf); err != nil {
				return
			}
			c.Write([]byte("Hello, client!"))
		}()
	}
}
