// Command udpserver is the multiplexing UDP server of the seed material,
// reproduced as written.
//
// What it does: it binds ONE UDP socket to the hard-wired address
// 127.0.0.1:5656 (loopback, IPv4 only) and answers every client from that
// socket: ReadFromUDP into a fresh 256-byte buffer tells which client sent
// the datagram, the bytes are decoded as JSON {"A":int,"B":int}, and
// WriteToUDP sends {"Sum":A+B} back to that client's address. Many clients
// on separate sockets each get their own replies.
//
// Seed behaviour reproduced: "one socket, many peers" — no Accept, the peer
// address comes with each datagram and is given back to WriteToUDP.
//
// The seed's helper package (Request/Response types and CheckError) is not
// shown in the seed and is defined below; CheckError prints the error and
// exits with status 1.
//
// Deliberate quirks, kept:
//   - the read deadline is set ONCE, 30 seconds after start, and never
//     renewed: thirty seconds after it starts, the next read fails with
//     "i/o timeout" and the server exits (status 0), however busy it is;
//   - any read error ends the server (break, status 0), and a failed
//     WriteToUDP ends it too (CheckError, status 1);
//   - a datagram longer than 256 bytes is silently truncated to 256 bytes
//     (the rest is discarded by the kernel and not reported);
//   - an empty datagram, or bytes that are not the expected JSON, are
//     answered with {"Sum":0}: the JSON error is ignored;
//   - the log prints the whole 256-byte buffer, NUL bytes included;
//   - the address cannot be changed.
//
// The socket is not connected, so on Linux an ICMP port unreachable caused
// by a reply to a client whose socket is gone is not reported to it: that
// alone does not stop the server.
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
	udpAddr, err := net.ResolveUDPAddr("udp", ip+":"+strconv.Itoa(port))
	CheckError(err)
	conn, err := net.ListenUDP("udp", udpAddr) // no Accept for UDP: conn is not a real connection
	CheckError(err)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	defer conn.Close()
	for {
		requestBytes := make([]byte, 256)                           // every byte starts as 0
		read_len, remoteAddr, err := conn.ReadFromUDP(requestBytes) // one conn serves many clients; ReadFrom says which
		if err != nil {
			fmt.Printf("read from socket error: %s\n", err.Error())
			break // deadline reached: leave the loop and close
		}
		fmt.Printf("receive request %s from %s\n", string(requestBytes), remoteAddr.String())

		var request Request
		json.Unmarshal(requestBytes[:read_len], &request) // only the bytes read
		response := Response{Sum: request.A + request.B}

		responseBytes, _ := json.Marshal(response)
		_, err = conn.WriteToUDP(responseBytes, remoteAddr) // many peers: WriteTo names the one to answer
		CheckError(err)
		fmt.Printf("write response %s to %s\n", string(responseBytes), remoteAddr.String())
	}
}
