package harness

import (
	"fmt"
	"math/rand/v2"
	"net"
)

// deadPort returns a loopback address with a port nothing listens on. The
// port is below the ephemeral range (32768 on Linux), so it can never be
// the dialer's own port: a UDP dial to a freed ephemeral port self-connects
// about once in 9000 tries (../shared/FEASIBILITY.md §6).
func deadPort(network string) (string, error) {
	host := "127.0.0.1"
	if network == "tcp6" || network == "udp6" {
		host = "::1"
	}
	for range 64 {
		port := 10000 + rand.IntN(22000)
		addr := net.JoinHostPort(host, fmt.Sprint(port))
		switch network {
		case "udp", "udp4", "udp6":
			c, err := net.ListenPacket(network, addr)
			if err != nil {
				continue
			}
			c.Close()
		default:
			ln, err := net.Listen(tcpNet(network), addr)
			if err != nil {
				continue
			}
			ln.Close()
		}
		return addr, nil
	}
	return "", fmt.Errorf("no free port below the ephemeral range on %s", host)
}

func tcpNet(network string) string {
	switch network {
	case "tcp4", "tcp6":
		return network
	}
	return "tcp4"
}
