// Command tcpserver is the smallest "hello" TCP server of the seed material,
// reproduced as written.
//
// What it does: it listens on the hard-wired address ":8080" (all addresses,
// IPv4 and IPv6, no flag, no environment variable), accepts connections in a
// loop and hands each to a goroutine. The goroutine reads ONCE into a
// 1024-byte buffer, prints "Received message: <what it read>", writes
// "Hello, client!" (14 bytes, no newline) and closes the connection.
//
// Seed behaviour reproduced: the one-read request/reply/close server that
// answers a telnet session with "Hello, client!" and then "Connection closed
// by foreign host".
//
// Deliberate quirks, kept because they are what the suite is meant to find:
//   - one Read is taken as the whole request: a longer request (more than
//     1024 bytes, or one that arrives in several segments) is left partly
//     unread, and closing a socket with unread data makes the kernel send
//     RST instead of FIN;
//   - when that first Read fails (a client that connects and half-closes or
//     leaves without sending anything gets io.EOF) the handler returns
//     WITHOUT closing the connection: the socket stays in CLOSE_WAIT and the
//     descriptor leaks;
//   - no read or write deadline: a client that connects and sends nothing
//     holds a goroutine and a descriptor forever;
//   - the error of Write (and of Close) is ignored;
//   - a single Accept error ends the whole server (it prints and returns);
//   - the listening address cannot be changed.
package main

import (
	"fmt"
	"net"
)

func main() {
	// Listen on the local port
	listener, err := net.Listen("tcp", ":8080")
	if err != nil {
		fmt.Println("Error listening:", err.Error())
		return
	}
	defer listener.Close()
	fmt.Println("Listening on localhost:8080")

	for {
		// Accept a client connection
		conn, err := listener.Accept()
		if err != nil {
			fmt.Println("Error accepting:", err.Error())
			return
		}

		// Handle the client request
		go handleRequest(conn)
	}
}

func handleRequest(conn net.Conn) {
	// Read the request data
	buffer := make([]byte, 1024)
	n, err := conn.Read(buffer)
	if err != nil {
		fmt.Println("Error reading:", err.Error())
		return
	}

	// Process the request data
	message := string(buffer[:n])
	fmt.Println("Received message:", message)

	// Send the response
	reply := "Hello, client!"
	conn.Write([]byte(reply))

	// Close the connection
	conn.Close()
}
