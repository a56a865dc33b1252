package sysobs

// ServesDatagrams reports whether s is a UDP socket bound to a port and
// not connected: one a datagram server receives on.
func (s SockEntry) ServesDatagrams() bool {
	return s.Proto == "udp" && s.Local.Port() != 0 && (!s.Remote.Addr().IsValid() || s.Remote.Port() == 0)
}
