package sysobs

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// A SockEntry is one socket of the calling thread's network namespace as
// /proc/net lists it: its protocol ("tcp" or "udp", either family), its
// addresses, its TCP state (Absent for UDP) and its inode (0 for a socket
// no fd holds any more: TIME_WAIT, an orphan).
type SockEntry struct {
	Proto  string
	Local  netip.AddrPort
	Remote netip.AddrPort
	State  TCPState
	Inode  uint64
}

func (s SockEntry) String() string {
	if s.Proto == "udp" {
		return fmt.Sprintf("udp %v → %v", s.Local, s.Remote)
	}
	return fmt.Sprintf("tcp %v → %v %v", s.Local, s.Remote, s.State)
}

// SocketTable lists the TCP and UDP sockets of the calling thread's
// network namespace, IPv4-mapped addresses unmapped. It needs no
// privilege. It asks the kernel over NETLINK_SOCK_DIAG (dumpSocks), and
// reads /proc/net/tcp, tcp6, udp and udp6 where that fails.
func SocketTable() ([]SockEntry, error) { return socketTable(allStates) }

// boundInactive is the state bit (TCP_BOUND_INACTIVE, Linux 6.10) that asks
// a dump for the TCP sockets that are bound and neither listen nor
// connect; they list as CLOSE. The kernel finds them by walking the
// host's whole bind hash (65 536 buckets here), ~0.3 ms a dump whatever
// the namespace holds: the rest of a dump in an isolated child's
// namespace costs ~15 µs (see hashns_linux.go).
const boundInactive = 1 << 13

// ListeningTCP lists the TCP sockets of the calling thread's namespace
// that listen.
func ListeningTCP() ([]SockEntry, error) {
	es, err := protoTable(unix.IPPROTO_TCP, 1<<Listen)
	return slices.DeleteFunc(es, func(e SockEntry) bool {
		return e.State != Listen // /proc/net, where the dump fails, lists every state
	}), err
}

// ListeningUDP lists the UDP sockets of the calling thread's namespace
// that a datagram server receives on (SockEntry.ServesDatagrams).
func ListeningUDP() ([]SockEntry, error) {
	es, err := protoTable(unix.IPPROTO_UDP, allStates)
	return slices.DeleteFunc(es, func(e SockEntry) bool { return !e.ServesDatagrams() }), err
}

// SocketsOf returns the TCP and UDP sockets of the calling thread's
// namespace whose inodes are in inodes, by inode: what SocketTable would
// list of them. A socket that is bound but neither listens nor connects
// is looked for only when some inode was not found otherwise, which is
// what makes SocketsOf cheap where SocketTable is not (boundInactive).
func SocketsOf(inodes map[uint64]bool) (map[uint64]SockEntry, error) {
	out := map[uint64]SockEntry{}
	if len(inodes) == 0 {
		return out, nil
	}
	keep := func(es []SockEntry) {
		for _, e := range es {
			if e.Inode != 0 && inodes[e.Inode] {
				out[e.Inode] = e
			}
		}
	}
	table, err := socketTable(allStates &^ boundInactive)
	if err != nil {
		return nil, err
	}
	keep(table)
	if len(out) == len(inodes) {
		return out, nil
	}
	for _, family := range []int{unix.AF_INET, unix.AF_INET6} {
		es, err := dumpSocks(unix.IPPROTO_TCP, family, boundInactive)
		if err != nil {
			break // /proc/net, which socketTable fell back to, lists no such socket either
		}
		keep(es)
	}
	return out, nil
}

// socketTable is SocketTable of the TCP sockets in the states of mask
// (bit n for state n; UDP sockets are all listed).
func socketTable(mask uint32) ([]SockEntry, error) {
	tcp, err := protoTable(unix.IPPROTO_TCP, mask)
	if err != nil {
		return nil, err
	}
	udp, err := protoTable(unix.IPPROTO_UDP, allStates)
	if err != nil {
		return nil, err
	}
	return append(tcp, udp...), nil
}

// protoTable lists the sockets of protocol proto (IPPROTO_TCP or
// IPPROTO_UDP), IPv4 then IPv6, in the states of mask: a NETLINK_SOCK_DIAG
// dump of each family, or where that fails its /proc/net table, which
// lists every state.
func protoTable(proto int, mask uint32) ([]SockEntry, error) {
	name := "tcp"
	if proto == unix.IPPROTO_UDP {
		name = "udp"
	}
	var out []SockEntry
	for _, f := range []struct {
		proc   string
		family int
	}{{name, unix.AF_INET}, {name + "6", unix.AF_INET6}} {
		es, err := dumpSocks(proto, f.family, mask)
		if err != nil {
			if es, err = readProcNet(f.proc); err != nil {
				return nil, err
			}
		}
		out = append(out, es...)
	}
	return out, nil
}

func readProcNet(proto string) ([]SockEntry, error) {
	f, err := os.Open("/proc/thread-self/net/" + proto)
	if err != nil {
		if os.IsNotExist(err) && strings.HasSuffix(proto, "6") {
			return nil, nil // no IPv6
		}
		return nil, err
	}
	defer f.Close()
	var out []SockEntry
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 10 {
			continue
		}
		inode, err := strconv.ParseUint(fl[9], 10, 64)
		if err != nil {
			continue
		}
		e := SockEntry{Proto: strings.TrimSuffix(proto, "6"), Local: parseHexAddrPort(fl[1]), Remote: parseHexAddrPort(fl[2]), Inode: inode}
		if e.Proto == "tcp" {
			st, _ := strconv.ParseUint(fl[3], 16, 8)
			e.State = TCPState(st)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// parseHexAddrPort decodes "0100007F:1F90" (an address in host byte order,
// word by word) into 127.0.0.1:8080.
func parseHexAddrPort(s string) netip.AddrPort {
	a, p, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}
	}
	port, _ := strconv.ParseUint(p, 16, 16)
	raw, err := hex.DecodeString(a)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}
	}
	for i := 0; i+4 <= len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	ip, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(ip.Unmap(), uint16(port))
}

// SocketFDs maps the inode of every socket process pid holds open to one
// of its fd numbers (from /proc/<pid>/fd).
func SocketFDs(pid int) (map[uint64]int, error) {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[uint64]int{}
	for _, e := range ents {
		l, err := os.Readlink(dir + "/" + e.Name())
		if err != nil {
			continue
		}
		s, ok := strings.CutPrefix(l, "socket:[")
		if !ok {
			continue
		}
		n, err1 := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 64)
		fd, err2 := strconv.Atoi(e.Name())
		if err1 == nil && err2 == nil {
			out[n] = fd
		}
	}
	return out, nil
}

// ForeignOpts reads socket options from the socket fd of another process
// (pid): pidfd_getfd(2) duplicates it into this process, which needs
// ptrace access to pid (root, or the same user namespace as its owner).
// The duplicate is closed before ForeignOpts returns, and the socket is
// only read.
func ForeignOpts(pid, fd int, opts ...Opt) (map[Opt]int, error) {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, os.NewSyscallError("pidfd_open", err)
	}
	defer unix.Close(pidfd)
	dup, err := unix.PidfdGetfd(pidfd, fd, 0)
	if err != nil {
		return nil, os.NewSyscallError("pidfd_getfd", err)
	}
	defer unix.Close(dup)
	out := map[Opt]int{}
	for _, o := range opts {
		v, err := GetOptFD(dup, o)
		if err != nil {
			return nil, err
		}
		out[o] = v
	}
	return out, nil
}

// SNMPCounter reads a counter of /proc/net/snmp in the calling thread's
// network namespace: group "Icmp", name "OutDestUnreachs".
func SNMPCounter(group, name string) (int64, error) {
	b, err := os.ReadFile("/proc/thread-self/net/snmp")
	if err != nil {
		return 0, err
	}
	lines := strings.Split(string(b), "\n")
	for i := 0; i+1 < len(lines); i++ {
		h, v := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(h) == 0 || h[0] != group+":" || len(v) != len(h) || v[0] != h[0] {
			continue
		}
		for j, k := range h {
			if k == name {
				return strconv.ParseInt(v[j], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("no counter %s %s in /proc/net/snmp", group, name)
}
