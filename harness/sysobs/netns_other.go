//go:build !linux

package sysobs

import (
	"os"
	"syscall"
)

// IsolatedProcAttr returns process attributes for a child in a new network
// namespace. It is Linux-only.
func IsolatedProcAttr() (*syscall.SysProcAttr, error) {
	return nil, errUnsupported("IsolatedProcAttr")
}

// LinkUp brings the named interface up. It is Linux-only.
func LinkUp(name string) error { return errUnsupported("LinkUp") }

// LinkDown takes the named interface down. It is Linux-only.
func LinkDown(name string) error { return errUnsupported("LinkDown") }

// AddVeth creates a veth pair. It is Linux-only.
func AddVeth(a, b, cidr string) error { return errUnsupported("AddVeth") }

// DelLink deletes the named link. It is Linux-only.
func DelLink(name string) error { return errUnsupported("DelLink") }

// KillGroup kills the process pid (process groups are a Unix notion).
func KillGroup(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}

// GroupExists reports whether process group pgid still has a member; it
// is not known here, so false.
func GroupExists(pgid int) bool { return false }

// EnvHashParentSysctls names the environment variable of the sysctls an
// isolated child sets (Linux only; see hashns_linux.go).
const EnvHashParentSysctls = "NETCONFORM_NETNS_SYSCTLS"

// EnterHashParent does nothing here: children are never cloned into
// network namespaces elsewhere than on Linux.
func EnterHashParent(attr *syscall.SysProcAttr) (back func() error, env []string) {
	return func() error { return nil }, nil
}

// ApplyHashParentSysctls does nothing here.
func ApplyHashParentSysctls() error { return nil }
