package suite_test

import (
	"net"
	"testing"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/impls/pipe"
	"github.com/netconform/netconform/impls/rawsock"
	"github.com/netconform/netconform/impls/stdnet"
	"github.com/netconform/netconform/impls/tlsconn"
	"github.com/netconform/netconform/suite"
)

// builtins are the implementations the repository ships in its core module.
var builtins = []harness.Impl{stdnet.TCP, stdnet.TCP6, stdnet.Unix, stdnet.UDP, pipe.Impl, rawsock.TCP, rawsock.UDP, tlsconn.Impl}

// TestConformance runs every case against every built-in implementation.
func TestConformance(t *testing.T) {
	for _, im := range builtins {
		if im.Network == "tcp6" && !hasIPv6Loopback() {
			t.Run(im.Name, func(t *testing.T) {
				t.Skip("no IPv6 loopback on this machine (try: sysctl -w net.ipv6.conf.lo.disable_ipv6=0)")
			})
			continue
		}
		suite.Run(t, im)
	}
}

func hasIPv6Loopback() bool {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}
