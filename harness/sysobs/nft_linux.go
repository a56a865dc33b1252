package sysobs

// Per-flow faults programmed with nf_tables over netlink.
//
// Where the rules hook in. On loopback a packet sent by one socket goes
// OUTPUT -> POSTROUTING -> lo -> PREROUTING -> INPUT -> the other socket, in
// the same namespace, so every packet of a flow between two local sockets,
// in either direction, crosses the INPUT hook once. Every rule of this file
// is on INPUT, and only there:
//
//   - Dropping on OUTPUT or POSTROUTING is not silent (both tried): NF_DROP
//     comes back to the sender as EPERM, so send on a UDP socket fails with
//     "operation not permitted", and a TCP sender, seeing a local failure,
//     arms its zero-window-probe timer (LookupTCP Timer 4) instead of the
//     retransmission timer, which no lost packet does. nf_tables refuses a
//     drop verdict carrying another errno (tried: EINVAL). Dropped on INPUT,
//     the packet was sent normally and then lost, as on a real path.
//   - The reset and the ICMP error that reject sends are themselves local
//     packets and cross OUTPUT and INPUT on their way back. The ICMP error
//     is not UDP, so no rule of a fault matches it; the TCP reset does carry
//     the flow's addresses and ports, which is why the reset rules skip
//     segments with RST set: without that the fault drops its own reset
//     (tried: the sender then never sees ECONNRESET).
//   - reject is valid on INPUT, which is also where a real host answers a
//     segment or datagram it has no socket for.
//
// Consequence: for a flow whose other end is outside the namespace (a veth
// peer), only the packets that arrive here are dropped or rejected.

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// A Flow names one transport flow by its two ends, as the local side sees
// it. Addresses must be specified (not 0.0.0.0 or ::) and of one family
// (IPv4-mapped IPv6 addresses count as IPv4); ports must not be 0.
type Flow struct {
	Proto  string // "tcp" or "udp"
	Local  netip.AddrPort
	Remote netip.AddrPort
}

// A Fault is an nf_tables table of its own (family inet, a name unique to
// the process) installed in the network namespace of the thread that
// created it. It holds a reference to that namespace until Remove.
type Fault struct {
	name string

	mu   sync.Mutex
	ns   *os.File // the namespace the table lives in; nil once removed
	rerr error    // the result of the first Remove
}

var faultSeq atomic.Uint64

// DropFlow silently drops every packet of fl, both directions, where this
// namespace receives it: the ends see a peer that went silent, with no
// reset, no ICMP error and no error from send. Packets of other flows,
// including other flows between the same addresses, pass.
func DropFlow(fl Flow) (*Fault, error) {
	proto, err := fl.check("DropFlow")
	if err != nil {
		return nil, err
	}
	drop := &expr.Verdict{Kind: expr.VerdictDrop}
	return install("DropFlow",
		rule(matchFlow(proto, fl.Local, fl.Remote), drop),
		rule(matchFlow(proto, fl.Remote, fl.Local), drop),
	)
}

// ResetFlow makes fl a TCP connection that the other side no longer knows:
// every segment of the flow arriving in this namespace, in either
// direction, is dropped and answered with a TCP reset to its sender (nft
// "reject with tcp reset"). The local end's next write is answered by a
// reset, so that write or its next read reports ECONNRESET; the same holds
// for the remote end. An end that only reads and never sends receives no
// reset. Resets themselves pass.
func ResetFlow(fl Flow) (*Fault, error) {
	proto, err := fl.check("ResetFlow")
	if err != nil {
		return nil, err
	}
	if proto != unix.IPPROTO_TCP {
		return nil, fmt.Errorf("sysobs.ResetFlow: protocol %q: a reset needs tcp", fl.Proto)
	}
	reset := []expr.Any{
		// tcp flags & rst == 0: the reset that reject sends carries the
		// flow's addresses and ports and crosses INPUT too.
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 13, Len: 1},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 1, Mask: []byte{0x04}, Xor: []byte{0}},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{0}},
		&expr.Reject{Type: unix.NFT_REJECT_TCP_RST},
	}
	return install("ResetFlow",
		rule(matchFlow(proto, fl.Local, fl.Remote), reset...),
		rule(matchFlow(proto, fl.Remote, fl.Local), reset...),
	)
}

// UnreachablePort makes every UDP datagram sent to addr be dropped and
// answered with an ICMP (IPv4) or ICMPv6 port unreachable error, even if a
// socket is bound to addr (nft "reject with icmp type port-unreachable" /
// "icmpv6 type port-unreachable"). Linux reports that error only to a
// connected UDP socket (ECONNREFUSED on its next send or receive); an
// unconnected sender sees nothing unless it set IP_RECVERR.
func UnreachablePort(addr netip.AddrPort) (*Fault, error) {
	a := addr.Addr().Unmap()
	if !a.IsValid() || a.IsUnspecified() || addr.Port() == 0 {
		return nil, fmt.Errorf("sysobs.UnreachablePort: %v: need a specified address and a port", addr)
	}
	code := uint8(3) // ICMP_PORT_UNREACH (type 3, destination unreachable)
	if a.Is6() {
		code = 4 // ICMPV6_PORT_UNREACH (type 1, destination unreachable)
	}
	m := append(nfproto(a), l4proto(unix.IPPROTO_UDP)...)
	m = append(m, matchAddr(a, false)...)
	m = append(m, matchPort(addr.Port(), false)...)
	return install("UnreachablePort",
		rule(m, &expr.Reject{Type: unix.NFT_REJECT_ICMP_UNREACH, Code: code}),
	)
}

// Remove deletes the fault's table, and with it its chains and rules, and
// releases the namespace. It works from any goroutine or thread. Calling it
// again returns the first call's result; a table already deleted by someone
// else is not an error.
func (f *Fault) Remove() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ns == nil {
		return f.rerr
	}
	c, err := nftables.New(nftables.WithNetNSFd(int(f.ns.Fd())))
	if err == nil {
		c.DelTable(&nftables.Table{Name: f.name, Family: nftables.TableFamilyINet})
		err = c.Flush()
	}
	if err != nil && !errors.Is(err, unix.ENOENT) {
		// Keep the namespace: a later Remove may succeed.
		return fmt.Errorf("sysobs.Fault.Remove: delete table inet %s: %w", f.name, err)
	}
	f.rerr = f.ns.Close()
	f.ns = nil
	return f.rerr
}

// String names the fault's table as nft would list it.
func (f *Fault) String() string { return "table inet " + f.name }

// install creates a table of its own with one base chain on INPUT holding
// rules, atomically (one netlink batch). The chain is reached through a
// namespace fd rather than the calling thread, so that Remove works from any
// thread: the fd is opened here, from the caller's thread
// (/proc/thread-self), and nftables enters that namespace on a thread of its
// own for each netlink socket (mdlayher/socket's withNetNS), restoring it
// afterwards.
func install(fn string, rules ...[]expr.Any) (*Fault, error) {
	ns, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, fmt.Errorf("sysobs.%s: %w", fn, err)
	}
	f := &Fault{name: fmt.Sprintf("netconform_%d_%d", os.Getpid(), faultSeq.Add(1)), ns: ns}
	c, err := nftables.New(nftables.WithNetNSFd(int(ns.Fd())))
	if err != nil {
		ns.Close()
		return nil, fmt.Errorf("sysobs.%s: %w", fn, err)
	}
	t := c.CreateTable(&nftables.Table{Name: f.name, Family: nftables.TableFamilyINet})
	accept := nftables.ChainPolicyAccept
	ch := c.AddChain(&nftables.Chain{
		Name:     "input",
		Table:    t,
		Type:     nftables.ChainTypeFilter,
		Hooknum:  nftables.ChainHookInput,
		Priority: nftables.ChainPriorityFilter,
		Policy:   &accept,
	})
	for _, r := range rules {
		c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: r})
	}
	if err := c.Flush(); err != nil {
		ns.Close()
		return nil, fmt.Errorf("sysobs.%s: install table inet %s: %w", fn, f.name, err)
	}
	return f, nil
}

// check validates fl and returns its IP protocol number.
func (fl Flow) check(fn string) (byte, error) {
	var proto byte
	switch fl.Proto {
	case "tcp":
		proto = unix.IPPROTO_TCP
	case "udp":
		proto = unix.IPPROTO_UDP
	default:
		return 0, fmt.Errorf("sysobs.%s: protocol %q: want tcp or udp", fn, fl.Proto)
	}
	l, r := fl.Local.Addr().Unmap(), fl.Remote.Addr().Unmap()
	if !l.IsValid() || !r.IsValid() || l.IsUnspecified() || r.IsUnspecified() ||
		fl.Local.Port() == 0 || fl.Remote.Port() == 0 {
		return 0, fmt.Errorf("sysobs.%s: flow %v-%v: need specified addresses and ports", fn, fl.Local, fl.Remote)
	}
	if l.Is4() != r.Is4() {
		return 0, fmt.Errorf("sysobs.%s: flow %v-%v: mixed address families", fn, fl.Local, fl.Remote)
	}
	return proto, nil
}

// matchFlow matches the packets of protocol proto from src to dst:
// meta nfproto, meta l4proto, saddr, daddr, sport, dport.
func matchFlow(proto byte, src, dst netip.AddrPort) []expr.Any {
	s, d := src.Addr().Unmap(), dst.Addr().Unmap()
	m := append(nfproto(s), l4proto(proto)...)
	m = append(m, matchAddr(s, true)...)
	m = append(m, matchAddr(d, false)...)
	m = append(m, matchPort(src.Port(), true)...)
	return append(m, matchPort(dst.Port(), false)...)
}

// nfproto matches the packet's family: in an inet table the network header
// offsets below are only meaningful after it.
func nfproto(a netip.Addr) []expr.Any {
	p := byte(unix.NFPROTO_IPV6)
	if a.Is4() {
		p = unix.NFPROTO_IPV4
	}
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{p}},
	}
}

// l4proto matches the transport protocol (after IPv6 extension headers).
func l4proto(p byte) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{p}},
	}
}

// matchAddr matches the source (src) or destination address a.
func matchAddr(a netip.Addr, src bool) []expr.Any {
	var off uint32
	switch {
	case a.Is4() && src:
		off = 12
	case a.Is4():
		off = 16
	case src:
		off = 8
	default:
		off = 24
	}
	b := a.AsSlice()
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: uint32(len(b))},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: b},
	}
}

// matchPort matches the source (src) or destination port of a TCP or UDP
// header.
func matchPort(p uint16, src bool) []expr.Any {
	var off uint32 = 2
	if src {
		off = 0
	}
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: off, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{byte(p >> 8), byte(p)}},
	}
}

// rule concatenates a match and its statements.
func rule(match []expr.Any, then ...expr.Any) []expr.Any {
	return append(append([]expr.Any(nil), match...), then...)
}
