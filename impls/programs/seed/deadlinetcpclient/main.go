// Command deadlinetcpclient is the client of seed/deadlinetcpserver, as the
// seed material has it.
//
// What it does: it dials the hard-wired address 127.0.0.1:5656 over IPv4
// with a 30-MINUTE dial timeout, then loops forever: it writes the JSON
// request {"A":7,"B":4}, reads once into a fresh 256-byte buffer, decodes
// {"Sum":...}, prints "receive response: <sum>", and sleeps one second.
// Any Dial, Write or Read error ends the process with status 1 (CheckError).
//
// Seed behaviour reproduced: the long-lived request/response client that
// keeps one connection and is cut off when the server's 30-second read
// deadline closes the connection (the next Write or Read fails and the
// client exits).
//
// The seed's helper package (Request/Response types and CheckError) is not
// shown in the seed and is defined below; CheckError prints the error and
// exits with status 1.
//
// Deliberate quirks, kept:
//   - no read deadline: a server that accepts and stays silent makes the
//     client hang in Read forever;
//   - the dial timeout is 30 minutes, longer than any test;
//   - one Read is taken as the whole response: a response split over two
//     segments is decoded as a partial JSON, the error is ignored and 0 is
//     printed; a JSON error is never reported;
//   - the client never ends on its own; the server closing (io.EOF) is an
//     error exit, status 1;
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

// long connection
func main() {
	ip := "127.0.0.1"
	port := 5656
	conn, err := net.DialTimeout("tcp4", ip+":"+strconv.Itoa(port), 30*time.Minute)
	CheckError(err)
	fmt.Printf("establish connection to server %s\n", conn.RemoteAddr().String())
	defer conn.Close()
	for { // long connection: several request/response rounds on one connection
		request := Request{A: 7, B: 4}
		requestBytes, _ := json.Marshal(request)
		_, err = conn.Write(requestBytes)
		CheckError(err)
		fmt.Printf("write request %s\n", string(requestBytes))
		responseBytes := make([]byte, 256) // every byte starts as 0
		read_len, err := conn.Read(responseBytes)
		CheckError(err)
		var response Response
		json.Unmarshal(responseBytes[:read_len], &response) // only the bytes read
		fmt.Printf("receive response: %d\n", response.Sum)
		time.Sleep(1 * time.Second)
	}
}
