// Command tcpclient is the TCP client of the seed material, reproduced as
// written. It is the counterpart of seed/tcpechoserver.
//
// What it does: it dials the hard-wired address "localhost:8000" (no flag,
// no environment variable: the seed's client has none), writes
// "Hi, gopher?" (11 bytes, no newline), starts a goroutine that closes the
// connection after ten seconds, and then reads in a loop into a fresh
// 100-byte buffer, logging every read, until a Read returns an error, which
// it reports with log.Fatalf (exit status 1).
//
// Seed behaviour reproduced: the client that sends one greeting, prints
// what the server echoes, and after ten seconds closes its own connection,
// so that the blocked Read fails with "use of closed network connection".
//
// Deliberate quirks, kept:
//   - the client never finishes on its own: it ends only through an error,
//     so even a normal end (the server closing, io.EOF) exits with status 1
//     via log.Fatalf, and so does its own 10-second close;
//   - it waits for the reply for at most ten seconds, not by a read
//     deadline but by closing the connection under the blocked Read; a
//     server that stays silent is detected only that way (the exit is the
//     "use of closed network connection" error);
//   - no dial timeout (an unreachable address waits for the kernel);
//   - the log prints the whole 100-byte buffer, NUL bytes included, and
//     does not say how many bytes were read;
//   - the connection is closed twice (deferred Close and the goroutine's);
//     the deferred one never runs, because log.Fatalf exits first.
package main

import (
	"log"
	"net"
	"time"
)

func main() {
	// Part 1: open a TCP session to server
	c, err := net.Dial("tcp", "localhost:8000")
	if err != nil {
		log.Fatalf("Error to open TCP connection: %s", err)
	}
	defer c.Close()

	// Part2: write some data to server
	log.Printf("TCP session open")
	b := []byte("Hi, gopher?")
	_, err = c.Write(b)
	if err != nil {
		log.Fatalf("Error writing TCP session: %s", err)
	}

	// Part3: create a goroutine that closes TCP session after 10 seconds
	go func() {
		<-time.After(time.Duration(10) * time.Second)
		defer c.Close()
	}()

	// Part4: read any responses until get an error
	for {
		d := make([]byte, 100)
		_, err := c.Read(d)
		if err != nil {
			log.Fatalf("Error reading TCP session: %s", err)
		}
		log.Printf("reading data from server: %s\n", string(d))
	}
}
