package sysobs

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// OpenSockets counts the socket fds this process holds (entries of
// /proc/self/fd that link to "socket:[…]"). Only sockets are counted: the
// runtime opens its epoll and wake-up fds lazily, which would make a raw fd
// count drift.
func OpenSockets() (int, error) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.HasPrefix(l, "socket:") {
			n++
		}
	}
	return n, nil
}

// SysctlInt reads an integer sysctl such as "net/ipv4/tcp_keepalive_intvl"
// in the calling thread's network namespace.
func SysctlInt(name string) (int, error) {
	b, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("sysctl %s: %w", name, err)
	}
	return v, nil
}

// NetnsID identifies the network namespace of the calling thread (the inode
// of /proc/thread-self/ns/net).
func NetnsID() (string, error) {
	return os.Readlink("/proc/thread-self/ns/net")
}

// KernelTick is the kernel's timer tick (a jiffy: 1/CONFIG_HZ). TCP's
// keepalive, retransmission and user timeouts run on jiffies, so they can
// fire up to a tick early in wall-clock time. When the config is not
// readable it returns 10 ms, the coarsest tick in common use (HZ=100).
func KernelTick() time.Duration {
	f, err := os.Open("/proc/config.gz")
	if err == nil {
		defer f.Close()
		if zr, err := gzip.NewReader(f); err == nil {
			sc := bufio.NewScanner(zr)
			for sc.Scan() {
				if v, ok := strings.CutPrefix(sc.Text(), "CONFIG_HZ="); ok {
					if hz, err := strconv.Atoi(v); err == nil && hz > 0 {
						return time.Second / time.Duration(hz)
					}
				}
			}
		}
	}
	return 10 * time.Millisecond
}

// KernelRelease is the running kernel's release (uname -r).
func KernelRelease() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
