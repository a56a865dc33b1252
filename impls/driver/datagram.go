package driver

import "net"

// dgramConn is a driver's datagram socket: unconnected (listen_packet) or
// connected (dial udp). Like *net.UDPConn it is both a net.Conn and a
// net.PacketConn.
type dgramConn struct{ handle }

func (c *dgramConn) Read(b []byte) (int, error) { return c.read(b) }
func (c *dgramConn) Write(b []byte) (int, error) {
	return c.write("write", payload(b), len(b))
}

func (c *dgramConn) ReadFrom(b []byte) (int, net.Addr, error) {
	res, err := c.do("read", "read_from", Request{"n": len(b)})
	if res == nil {
		return 0, nil, err
	}
	if len(res.Data) > len(b) {
		return 0, nil, c.p.violation(errTooMuch("read_from", len(res.Data), len(b)))
	}
	var from net.Addr
	if res.From != "" {
		a, perr := parseAddr(c.network, res.From)
		if perr != nil {
			return 0, nil, c.p.violation(perr)
		}
		from = a
	}
	return copy(b, res.Data), from, err
}

// WriteTo sends to addr; a nil addr is sent as "" (Go's WriteTo(b, nil)).
func (c *dgramConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	to := ""
	if addr != nil {
		to = addr.String()
	}
	args := payload(b)
	args["to"] = to
	n, err := c.write("write_to", args, len(b))
	// As Go's UDPConn.WriteTo: the error names the destination, which an
	// unconnected socket has no remote address of its own to give.
	if oe, ok := err.(*net.OpError); ok && oe.Addr == nil {
		oe.Addr = addr
	}
	return n, err
}
