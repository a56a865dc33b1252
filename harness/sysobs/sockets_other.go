//go:build !linux

package sysobs

// SocketInodes returns the inodes of this process's sockets. It is
// Linux-only.
func SocketInodes() (map[uint64]bool, error) { return nil, errUnsupported("SocketInodes") }

// DescribeSockets names sockets by inode. It is Linux-only.
func DescribeSockets(inodes map[uint64]bool) []string { return nil }

// ConnsOnPort returns the connections holding a local port. It is
// Linux-only.
func ConnsOnPort(port uint16) []PortConn { return nil }

// Conns returns the TCP sockets that may still send. It is Linux-only.
func Conns() []PortConn { return nil }
