package sysobs

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// SocketInodes returns the inodes of the sockets this process holds open.
func SocketInodes() (map[uint64]bool, error) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	out := map[uint64]bool{}
	for _, e := range ents {
		l, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil {
			continue
		}
		if s, ok := strings.CutPrefix(l, "socket:["); ok {
			if n, err := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 64); err == nil {
				out[n] = true
			}
		}
	}
	return out, nil
}

// DescribeSockets names the sockets with these inodes from /proc/net, as
// "tcp 127.0.0.1:40000 → 127.0.0.1:5555 ESTABLISHED"; a socket of another
// family is "socket inode N".
func DescribeSockets(inodes map[uint64]bool) []string {
	found := map[uint64]string{}
	for _, proto := range []string{"tcp", "tcp6", "udp", "udp6"} {
		scanProcNet(proto, inodes, found)
	}
	var out []string
	for n := range inodes {
		if d, ok := found[n]; ok {
			out = append(out, d)
		} else {
			out = append(out, fmt.Sprintf("socket inode %d", n))
		}
	}
	return out
}

// scanProcNet reads /proc/net/<proto>: sl local rem st queues tr retrnsmt
// uid timeout inode …, addresses in hex as the kernel stores them.
func scanProcNet(proto string, want map[uint64]bool, found map[uint64]string) {
	f, err := os.Open("/proc/net/" + proto)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 10 {
			continue
		}
		inode, err := strconv.ParseUint(fl[9], 10, 64)
		if err != nil || !want[inode] {
			continue
		}
		st, _ := strconv.ParseUint(fl[3], 16, 8)
		state := TCPState(st).String()
		if strings.HasPrefix(proto, "udp") {
			state = ""
		}
		found[inode] = strings.TrimSpace(fmt.Sprintf("%s %s → %s %s", strings.TrimSuffix(proto, "6"), hexAddrPort(fl[1]), hexAddrPort(fl[2]), state))
	}
}

// hexAddrPort decodes "0100007F:1F90" (an address in host byte order,
// word by word) into 127.0.0.1:8080.
func hexAddrPort(s string) string {
	a, p, ok := strings.Cut(s, ":")
	if !ok {
		return s
	}
	port, _ := strconv.ParseUint(p, 16, 16)
	raw, err := hex.DecodeString(a)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return s
	}
	for i := 0; i+4 <= len(raw); i += 4 { // each 32-bit word is little-endian
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	ip, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(ip.Unmap(), uint16(port)).String()
}

// ConnsOnPort returns the TCP sockets of this network namespace (any
// process) whose local port is port and that are neither listening nor in
// TIME_WAIT: connections, or connections being made, that hold the port.
func ConnsOnPort(port uint16) []PortConn {
	var out []PortConn
	for _, c := range Conns() {
		if c.Local.Port() == port {
			out = append(out, c)
		}
	}
	return out
}

// Conns returns the TCP sockets of this network namespace (any process)
// that are neither listening nor in TIME_WAIT: those that may still send.
func Conns() []PortConn {
	// The calling thread's namespace: /proc/net is the main thread's,
	// which a test may have moved (and a locked thread never returns).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var out []PortConn
	for _, proto := range []string{"tcp", "tcp6"} {
		f, err := os.Open("/proc/thread-self/net/" + proto)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fl := strings.Fields(sc.Text())
			if len(fl) < 4 {
				continue
			}
			st, err := strconv.ParseUint(fl[3], 16, 8)
			local, err2 := netip.ParseAddrPort(hexAddrPort(fl[1]))
			remote, err3 := netip.ParseAddrPort(hexAddrPort(fl[2]))
			if err != nil || err2 != nil || err3 != nil {
				continue
			}
			if s := TCPState(st); s != Listen && s != TimeWait {
				out = append(out, PortConn{Local: local, Remote: remote, State: s})
			}
		}
		f.Close()
	}
	return out
}
