package sysobs

import (
	"fmt"
	"net/netip"
)

// A PortConn is a TCP socket that holds a local port (ConnsOnPort).
type PortConn struct {
	Local, Remote netip.AddrPort
	State         TCPState
}

func (c PortConn) String() string { return fmt.Sprintf("%v → %v %v", c.Local, c.Remote, c.State) }
