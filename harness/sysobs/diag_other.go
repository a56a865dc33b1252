//go:build !linux

package sysobs

import "net/netip"

// LookupTCP reports the kernel's view of the TCP socket with this exact
// 4-tuple. It is Linux-only.
func LookupTCP(local, remote netip.AddrPort) (Sock, error) {
	return Sock{}, errUnsupported("LookupTCP")
}
