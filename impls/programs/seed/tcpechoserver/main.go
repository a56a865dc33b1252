// Command tcpechoserver is the echo server of the seed material that is used
// to watch a TCP session (handshake, data, four-way close) with a packet
// capture, reproduced as written.
//
// What it does: it listens on the hard-wired address ":8000" and serves each
// connection in a goroutine: in a loop it allocates a fresh 100-byte buffer,
// reads into it, logs it and writes the WHOLE 100-byte buffer back. On the
// first Read or Write error (io.EOF when the client closes) it logs the
// error, leaves the loop and closes the connection.
//
// Seed behaviour reproduced: "whatever the client writes, the server writes
// back", the server seeing EOF when the client closes after ten seconds,
// and the log lines "TCP session open", "reading data from client: ...",
// "Error reading TCP session: EOF".
//
// Deliberate quirks, kept:
//   - the echo is not d[:n] but all of d: every reply is exactly 100 bytes,
//     the bytes read followed by zero bytes (an 11-byte "Hi, gopher?"
//     comes back as 100 bytes), and a request longer than 100 bytes comes
//     back in 100-byte pieces, each padded if short;
//   - the log prints the whole buffer, NUL bytes included;
//   - an Accept error ends the process (log.Fatalf);
//   - no deadline: an idle client is held forever;
//   - the port cannot be changed.
package main

import (
	"log"
	"net"
)

func main() {
	// Part 1: create a listener
	l, err := net.Listen("tcp", ":8000")
	if err != nil {
		log.Fatalf("Error listener returned: %s", err)
	}
	defer l.Close()

	for {
		// Part 2: accept new connection
		c, err := l.Accept()
		if err != nil {
			log.Fatalf("Error to accept new connection: %s", err)
		}

		// Part 3: create a goroutine that reads and write back data
		go func() {
			log.Printf("TCP session open")
			defer c.Close()

			for {
				d := make([]byte, 100)

				// Read from TCP buffer
				_, err := c.Read(d)
				if err != nil {
					log.Printf("Error reading TCP session: %s", err)
					break
				}
				log.Printf("reading data from client: %s\n", string(d))

				// write back data to TCP client
				_, err = c.Write(d)
				if err != nil {
					log.Printf("Error writing TCP session: %s", err)
					break
				}
			}
		}()
	}
}
