//go:build !linux

package sysobs

import "time"

// OpenSockets counts the socket fds this process holds. It is Linux-only.
func OpenSockets() (int, error) { return 0, errUnsupported("OpenSockets") }

// SysctlInt reads an integer sysctl. It is Linux-only.
func SysctlInt(name string) (int, error) { return 0, errUnsupported("SysctlInt") }

// NetnsID identifies the network namespace of the calling thread. It is
// Linux-only.
func NetnsID() (string, error) { return "", errUnsupported("NetnsID") }

// KernelTick is the kernel's timer tick; unknown here, so 10 ms.
func KernelTick() time.Duration { return 10 * time.Millisecond }

// KernelRelease is the running kernel's release; unknown here.
func KernelRelease() string { return "unknown" }
