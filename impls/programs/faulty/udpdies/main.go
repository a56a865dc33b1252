//go:build unix

// Command udpdies is a deliberately faulty UDP server: it serves many
// clients at once, but the first time one client's port turns out to be
// closed, the whole server exits.
//
// What it does: it binds an IPv4 UDP socket to "0.0.0.0:$PORT" (PORT from
// the environment, default 8080) and answers every datagram with
// "echo:"+payload. It is built the way many UDP servers that want "one
// connection per client" are built: the first datagram of a new client
// arrives on the shared socket; the server then dials a socket of its own
// back to that client -- bound to the same local port (SO_REUSEADDR) and
// connected to the client's address -- sends the reply through it, and
// hands it to a goroutine that serves that client with plain Read/Write.
// The kernel delivers the client's later datagrams to that connected
// socket (an exact 4-tuple match wins over the shared socket). A client's
// socket is dropped after 30 s of silence.
//
// The bug: every socket error is fatal (log.Fatalf, exit status 1). A
// connected UDP socket is told about ICMP errors: when a reply goes to a
// client whose port is already closed, the kernel's ICMP port unreachable
// makes the per-client socket's next Read fail with ECONNREFUSED -- and that
// one client's error ends the server for everybody. (An unconnected socket,
// as in the correct servers and seed/udpserver, is never told on Linux.)
// A reply too big to send (EMSGSIZE, payload over 65502 bytes) ends it too.
//
// Otherwise it behaves as a normal echo server: many clients on separate
// sockets each get their own replies, an empty datagram gets "echo:".
// IPv4 only.
//
// Expected observations: a client that sends one datagram and closes its
// socket before the reply arrives kills the server ("read from <client>:
// ... connection refused", exit status 1); later clients get no answer.
package main

import (
	"context"
	"errors"
	"log"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

const idle = 30 * time.Second

func port() string {
	if p := os.Getenv("PORT"); p != "" {
		return p
	}
	return "8080"
}

// reuseaddr lets the shared socket and the per-client sockets share the port.
func reuseaddr(network, address string, rc syscall.RawConn) error {
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	}); err != nil {
		return err
	}
	return serr
}

type server struct {
	shared *net.UDPConn
	dialer net.Dialer
	mu     sync.Mutex
	peers  map[netip.AddrPort]*net.UDPConn
}

func echo(p []byte) []byte { return append([]byte("echo:"), p...) }

func main() {
	p, err := strconv.Atoi(port())
	if err != nil {
		log.Fatalf("bad PORT: %v", err)
	}
	lc := net.ListenConfig{Control: reuseaddr}
	pc, err := lc.ListenPacket(context.Background(), "udp4", ":"+port())
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	s := &server{
		shared: pc.(*net.UDPConn),
		dialer: net.Dialer{LocalAddr: &net.UDPAddr{Port: p}, Control: reuseaddr},
		peers:  map[netip.AddrPort]*net.UDPConn{},
	}
	s.shared.SetReadBuffer(1 << 20) // room for bursts of new clients
	log.Printf("udpdies: serving on %s", s.shared.LocalAddr())

	buf := make([]byte, 65536)
	for {
		n, from, err := s.shared.ReadFromUDPAddrPort(buf)
		if err != nil {
			log.Fatalf("read: %v", err) // BUG: any error is fatal
		}
		s.mu.Lock()
		c := s.peers[from]
		s.mu.Unlock()
		if c == nil {
			// A new client: dial a connected socket back to it.
			nc, err := s.dialer.Dial("udp4", from.String())
			if err != nil {
				log.Fatalf("dial %s: %v", from, err)
			}
			c = nc.(*net.UDPConn)
			s.mu.Lock()
			s.peers[from] = c
			s.mu.Unlock()
			go s.serve(c, from)
		}
		if _, err := c.Write(echo(buf[:n])); err != nil {
			log.Fatalf("write to %s: %v", from, err) // BUG
		}
	}
}

// serve answers one client on its connected socket.
func (s *server) serve(c *net.UDPConn, peer netip.AddrPort) {
	buf := make([]byte, 65536)
	for {
		c.SetReadDeadline(time.Now().Add(idle))
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				s.mu.Lock()
				delete(s.peers, peer)
				s.mu.Unlock()
				c.Close()
				return
			}
			// BUG: one client's ICMP port unreachable (ECONNREFUSED)
			// ends the whole server.
			log.Fatalf("read from %s: %v", peer, err)
		}
		if from != peer {
			// Another client's datagram that reached this socket in the
			// instant between its bind and its connect: answer it from the
			// shared socket.
			if _, err := s.shared.WriteToUDPAddrPort(echo(buf[:n]), from); err != nil {
				log.Fatalf("write to %s: %v", from, err) // BUG
			}
			continue
		}
		if _, err := c.Write(echo(buf[:n])); err != nil {
			log.Fatalf("write to %s: %v", peer, err) // BUG
		}
	}
}
