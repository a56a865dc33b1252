//go:build !linux

package sysobs

import "net/netip"

// A Flow names one transport flow by its two ends, as the local side sees
// it.
type Flow struct {
	Proto  string // "tcp" or "udp"
	Local  netip.AddrPort
	Remote netip.AddrPort
}

// A Fault is an nf_tables rule set. It is Linux-only.
type Fault struct{}

// DropFlow silently drops every packet of fl. It is Linux-only.
func DropFlow(fl Flow) (*Fault, error) { return nil, errUnsupported("DropFlow") }

// ResetFlow answers every segment of a TCP flow with a reset. It is
// Linux-only.
func ResetFlow(fl Flow) (*Fault, error) { return nil, errUnsupported("ResetFlow") }

// UnreachablePort answers datagrams sent to addr with port unreachable. It
// is Linux-only.
func UnreachablePort(addr netip.AddrPort) (*Fault, error) {
	return nil, errUnsupported("UnreachablePort")
}

// Remove deletes the fault.
func (f *Fault) Remove() error { return nil }

// String names the fault.
func (f *Fault) String() string { return "no fault" }
