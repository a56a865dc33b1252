//go:build !linux

package sysobs

import (
	"fmt"
	"net/netip"
)

// A SockEntry is one socket of the network namespace. See the Linux
// version.
type SockEntry struct {
	Proto  string
	Local  netip.AddrPort
	Remote netip.AddrPort
	State  TCPState
	Inode  uint64
}

func (s SockEntry) String() string {
	return fmt.Sprintf("%s %v → %v %v", s.Proto, s.Local, s.Remote, s.State)
}

// SocketTable lists the sockets of the namespace. It is Linux-only.
func SocketTable() ([]SockEntry, error) { return nil, errUnsupported("SocketTable") }

// ListeningTCP lists the listening TCP sockets. It is Linux-only.
func ListeningTCP() ([]SockEntry, error) { return nil, errUnsupported("ListeningTCP") }

// ListeningUDP lists the bound, unconnected UDP sockets. It is Linux-only.
func ListeningUDP() ([]SockEntry, error) { return nil, errUnsupported("ListeningUDP") }

// SocketsOf describes sockets by inode. It is Linux-only.
func SocketsOf(inodes map[uint64]bool) (map[uint64]SockEntry, error) {
	return nil, errUnsupported("SocketsOf")
}

// SocketFDs maps socket inodes of process pid to fds. It is Linux-only.
func SocketFDs(pid int) (map[uint64]int, error) { return nil, errUnsupported("SocketFDs") }

// ForeignOpts reads options of another process's socket. It is Linux-only.
func ForeignOpts(pid, fd int, opts ...Opt) (map[Opt]int, error) {
	return nil, errUnsupported("ForeignOpts")
}

// SNMPCounter reads a counter of /proc/net/snmp. It is Linux-only.
func SNMPCounter(group, name string) (int64, error) { return 0, errUnsupported("SNMPCounter") }
