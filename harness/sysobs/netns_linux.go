package sysobs

import (
	"fmt"
	"net"
	"os"
	"syscall"

	"github.com/vishvananda/netlink"
)

// IsolatedProcAttr returns process attributes that start a child in a new,
// empty network namespace, in its own process group, killed if the parent
// dies. As root the child gets only CLONE_NEWNET; otherwise it also gets a
// new user namespace mapping uid and gid 0 to the caller, which gives it
// CAP_NET_ADMIN and CAP_NET_RAW over that network namespace without any
// privilege on the host.
func IsolatedProcAttr() (*syscall.SysProcAttr, error) {
	a := &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNET,
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
	}
	if os.Geteuid() != 0 {
		a.Cloneflags |= syscall.CLONE_NEWUSER
		a.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
		a.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
		a.GidMappingsEnableSetgroups = false
	}
	return a, nil
}

// LinkUp brings the named interface up.
func LinkUp(name string) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return fmt.Errorf("link %s: %w", name, err)
	}
	return netlink.LinkSetUp(l)
}

// LinkDown takes the named interface down: everything sent through it is
// dropped silently, which makes a peer silent without killing its socket.
func LinkDown(name string) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return fmt.Errorf("link %s: %w", name, err)
	}
	return netlink.LinkSetDown(l)
}

// AddVeth creates a veth pair a–b in the calling thread's namespace, gives a
// the address cidr (for example "10.7.0.1/24"), and brings both ends up.
// Nothing answers on b, so hosts of the subnet other than a's address never
// answer ARP: a dial to one of them fails with EHOSTUNREACH after the ARP
// retries, or times out first.
func AddVeth(a, b, cidr string) error {
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: a}, PeerName: b}
	if err := netlink.LinkAdd(veth); err != nil {
		return fmt.Errorf("veth %s-%s: %w", a, b, err)
	}
	ip, ipnet, err := net.ParseCIDR(cidr)
	if err != nil {
		return err
	}
	ipnet.IP = ip
	la, err := netlink.LinkByName(a)
	if err != nil {
		return err
	}
	if err := netlink.AddrAdd(la, &netlink.Addr{IPNet: ipnet}); err != nil {
		return fmt.Errorf("addr %s on %s: %w", cidr, a, err)
	}
	if err := netlink.LinkSetUp(la); err != nil {
		return err
	}
	return LinkUp(b)
}

// DelLink deletes the named link (a veth pair goes with either end).
func DelLink(name string) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return err
	}
	return netlink.LinkDel(l)
}

// KillGroup kills the process group led by pid.
func KillGroup(pid int) error { return syscall.Kill(-pid, syscall.SIGKILL) }

// GroupExists reports whether process group pgid still has a member, a
// zombie included.
func GroupExists(pgid int) bool { return syscall.Kill(-pgid, 0) == nil }
