// Command deadlinetcpserver is the "long connection with a read deadline"
// TCP server of the seed material, reproduced as written.
//
// What it does: it listens on the hard-wired address 127.0.0.1:5656 (IPv4
// only, loopback only) and serves each connection in a goroutine. Right
// after accepting, the handler sets ONE read deadline, 30 seconds ahead, and
// then loops: it reads once into a fresh 256-byte buffer, decodes the bytes
// read as a JSON object {"A":int,"B":int}, and writes back {"Sum":A+B}.
// When a Read fails (EOF, reset, or the deadline) it prints the error,
// leaves the loop and closes the connection.
//
// Seed behaviour reproduced: a request/response protocol over one long-lived
// connection where the 30-second read deadline ends the session ("i/o
// timeout"), after which the client's next read or write fails.
//
// The seed imports a course helper package for the Request/Response types
// and CheckError, and does not show it; they are defined below. CheckError's
// body is not in the seed: here it prints the error and exits with status 1,
// which is what such course helpers usually do.
//
// Deliberate quirks, kept:
//   - the deadline is set once, not renewed per request: every connection
//     is cut 30 seconds after it was accepted, active or not;
//   - a failed Write calls CheckError, which ends the WHOLE server process:
//     one client that resets or goes away before its reply is written
//     brings the server down for everybody;
//   - one Read is one request: a request split over two segments, or two
//     requests coalesced into one segment, is decoded wrongly; a JSON error
//     is ignored and answered with {"Sum":0};
//   - a request longer than 256 bytes is read in 256-byte pieces, each
//     answered separately;
//   - the log prints the whole 256-byte buffer, NUL bytes included;
//   - an Accept error is skipped with "continue", without a pause (a busy
//     loop when, for example, the process is out of descriptors);
//   - the address cannot be changed.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// The seed's helper package, inlined.
type (
	Request struct {
		A int
		B int
	}
	Response struct {
		Sum int
	}
)

// CheckError stands in for the seed's helper of the same name.
func CheckError(err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "Fatal error: %s\n", err.Error())
		os.Exit(1)
	}
}

func handleRequest2(conn net.Conn) {
	conn.SetReadDeadline(time.Now().Add(30 * time.Second)) // after 30 s conn.Read reports i/o timeout
	defer conn.Close()
	for { // long connection: several request/response rounds on one connection
		requestBytes := make([]byte, 256) // every byte starts as 0
		read_len, err := conn.Read(requestBytes)
		if err != nil {
			fmt.Printf("read from socket error: %s\n", err.Error())
			break // deadline reached: leave the loop and close; the client's next read/write fails
		}
		fmt.Printf("receive request %s\n", string(requestBytes))

		var request Request
		json.Unmarshal(requestBytes[:read_len], &request) // only the bytes read
		response := Response{Sum: request.A + request.B}

		responseBytes, _ := json.Marshal(response)
		_, err = conn.Write(responseBytes)
		CheckError(err)
		fmt.Printf("write response %s\n", string(responseBytes))
	}
}

// long connection
func main() {
	ip := "127.0.0.1"
	port := 5656
	tcpAddr, err := net.ResolveTCPAddr("tcp4", ip+":"+strconv.Itoa(port))
	CheckError(err)
	listener, err := net.ListenTCP("tcp4", tcpAddr)
	CheckError(err)
	fmt.Println("waiting for client connection ......")
	for {
		conn, err := listener.Accept()
		if err != nil {
			continue
		}
		fmt.Printf("establish connection to client %s\n", conn.RemoteAddr().String())
		go handleRequest2(conn)
	}
}
