// Command udpclient is the UDP client of the seed material, reproduced as
// written. It is the counterpart of seed/udpserver.
//
// What it does: it "dials" 127.0.0.1:5656 over UDP (a connected UDP socket:
// one local port, datagrams only to and from that server address), then
// starts 10 goroutines sharing that one socket; each loops forever: write
// {"A":7,"B":4}, read once into a fresh 256-byte buffer, decode {"Sum":...},
// print "receive response: <sum>", sleep one second. Any Write or Read
// error ends the process with status 1 (CheckError).
//
// Seed behaviour reproduced: a UDP "dial" that succeeds even when no server
// is listening, and several goroutines multiplexing one connected socket.
//
// The seed's helper package (Request/Response types and CheckError) is not
// shown in the seed and is defined below; CheckError prints the error and
// exits with status 1.
//
// Deliberate quirks, kept:
//   - no read deadline: a lost datagram, or a server that never answers,
//     leaves a goroutine blocked in Read forever (the client hangs);
//   - the socket is connected, so when nothing listens on the server port
//     the kernel's ICMP port unreachable turns the next Read or Write into
//     "connection refused" and the client exits at once (after the seed
//     server's 30-second life, for instance);
//   - the 10 goroutines share one socket, so a reply is read by whichever
//     goroutine is reading, not necessarily the one that sent the request;
//   - the goroutines assign the Write error to one variable shared by all
//     of them (a data race in the seed, kept);
//   - a JSON error is ignored (prints 0); a response longer than 256 bytes
//     is truncated;
//   - the process never ends on its own; the address cannot be changed.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
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
	// the only difference from the TCP client is this line
	conn, err := net.DialTimeout("udp", ip+":"+strconv.Itoa(port), 30*time.Minute) // one conn, one local port
	CheckError(err)
	defer conn.Close()
	const P = 10
	wg := sync.WaitGroup{}
	wg.Add(P)
	for i := 0; i < P; i++ {
		request := Request{A: 7, B: 4}
		requestBytes, _ := json.Marshal(request)
		go func() { // several goroutines, one conn
			defer wg.Done()
			for { // long connection: several request/response rounds
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
		}()
	}
	wg.Wait()
}
