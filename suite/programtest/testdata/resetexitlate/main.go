// Command resetexitlate is a "hello" server that exits half a second after
// a Write fails (a client's reset): long enough for other clients to be
// served meanwhile. Before it listens it starts a child that keeps its
// stdout open, so its parent learns of its exit late (the harness waits
// for the output to end): only the server's listener tells at once that
// it is gone. A test uses it to check that program.reset.keeps-accepting
// judges the server by its listener, not by its exit status.
package main

import (
	"log"
	"net"
	"os"
	"os/exec"
	"time"
)

func main() {
	holder := exec.Command("sleep", "60")
	holder.Stdout, holder.Stderr = os.Stdout, os.Stderr
	if err := holder.Start(); err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", ":"+os.Getenv("PORT"))
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			defer c.Close()
			buf := make([]byte, 64<<10)
			if _, err := c.Read(buf); err != nil {
				return
			}
			if _, err := c.Write([]byte("Hello, client!")); err != nil {
				time.Sleep(500 * time.Millisecond)
				log.Printf("exiting: %v", err)
				os.Exit(1)
			}
		}()
	}
}
