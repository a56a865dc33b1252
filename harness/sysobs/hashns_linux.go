package sysobs

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/vishvananda/netns"
)

// Isolated children as root get TCP and UDP hash tables of their own.
// A new network namespace otherwise shares the host's established-socket
// hash (262 144 buckets on a machine with a few GiB), and the kernel walks
// all of it for every sock_diag dump made in the namespace and again when
// the namespace is torn down, however few sockets it holds. Linux (6.1 for
// TCP, 6.2 for UDP) gives a namespace tables of its own when the namespace
// it is created from sets net.ipv4.tcp_child_ehash_entries and
// udp_child_hash_entries. Setting them on the host would change every
// namespace anyone creates, so this process keeps a namespace of its own,
// the hash parent, with those set, and clones its isolated children from
// it: the thread that forks enters it just for the clone (EnterHashParent).
//
// A private table also sizes two sysctls from itself (tcp_max_tw_buckets
// is half the table, tcp_max_syn_backlog 1/128 of it, at least 128). The
// child sets them back to what a namespace created the ordinary way gets
// (ApplyHashParentSysctls, from EnvHashParentSysctls), so that a case sees
// the same kernel whichever way its namespace was made.

const (
	// childEhashEntries sizes a child's TCP established hash: a case holds
	// a few hundred sockets at most; 16 384 buckets are 1/16 of the host's
	// table here and keep chains short.
	childEhashEntries = 16384
	// childUDPHashEntries sizes a child's UDP hash (the kernel allows 256
	// to 65 536).
	childUDPHashEntries = 1024
	// EnvHashParentSysctls carries the sysctls an isolated child sets in
	// its namespace, as name=value pairs separated by commas.
	EnvHashParentSysctls = "NETCONFORM_NETNS_SYSCTLS"
)

// sizedSysctls are the sysctls the kernel derives from the size of a
// namespace's established hash.
var sizedSysctls = []string{"net/ipv4/tcp_max_tw_buckets", "net/ipv4/tcp_max_syn_backlog"}

// A hashParent is the namespace isolated children are cloned from.
type hashParent struct {
	ns      netns.NsHandle
	sysctls string // EnvHashParentSysctls's value
}

var theHashParent = sync.OnceValues(newHashParent)

// newHashParent creates the hash parent on a thread of its own, which
// then goes back to this process's namespace. It fails without root, or
// on a kernel without the child hash sysctls.
func newHashParent() (*hashParent, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("not root")
	}
	if _, err := os.Stat("/proc/sys/net/ipv4/tcp_child_ehash_entries"); err != nil {
		return nil, err
	}
	type made struct {
		hp  *hashParent
		err error
	}
	done := make(chan made, 1)
	go func() {
		runtime.LockOSThread() // never unlocked if the thread cannot go home: it then ends with this goroutine
		home, err := netns.Get()
		if err != nil {
			done <- made{err: err}
			return
		}
		defer home.Close()
		hp, err := makeHashParent()
		if serr := netns.Set(home); serr != nil {
			if hp != nil {
				hp.ns.Close()
			}
			done <- made{err: fmt.Errorf("back to this process's namespace: %w", serr)}
			return
		}
		runtime.UnlockOSThread()
		done <- made{hp, err}
	}()
	m := <-done
	return m.hp, m.err
}

// makeHashParent moves the calling thread into a new namespace and sets
// it up as the hash parent; the caller moves the thread back.
func makeHashParent() (hp *hashParent, err error) {
	ns, err := netns.New()
	if err != nil {
		return nil, fmt.Errorf("new network namespace: %w", err)
	}
	defer func() {
		if err != nil {
			ns.Close()
		}
	}()
	// This namespace was made the ordinary way: its sized sysctls are what
	// a child's would have been.
	var pairs []string
	for _, name := range sizedSysctls {
		v, err := SysctlInt(name)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, name+"="+strconv.Itoa(v))
	}
	if err := writeSysctl("net/ipv4/tcp_child_ehash_entries", childEhashEntries); err != nil {
		return nil, err
	}
	// UDP's is newer (6.2): without it, children share the host's UDP hash.
	_ = writeSysctl("net/ipv4/udp_child_hash_entries", childUDPHashEntries)
	return &hashParent{ns: ns, sysctls: strings.Join(pairs, ",")}, nil
}

// EnterHashParent moves the calling thread, which the caller has locked
// (runtime.LockOSThread), into the hash parent when attr clones a network
// namespace as root, so that the child's namespace is created from it. It
// returns the function that moves the thread back (call it right after
// the child started; if it fails, leave the thread locked so that it ends
// with its goroutine) and the environment the child needs, or a no-op and
// nil when the child is not cloned from the hash parent.
func EnterHashParent(attr *syscall.SysProcAttr) (back func() error, env []string) {
	noop := func() error { return nil }
	if attr == nil || attr.Cloneflags&syscall.CLONE_NEWNET == 0 || attr.Cloneflags&syscall.CLONE_NEWUSER != 0 {
		return noop, nil
	}
	hp, err := theHashParent()
	if err != nil {
		return noop, nil
	}
	home, err := netns.Get()
	if err != nil {
		return noop, nil
	}
	if err := netns.Set(hp.ns); err != nil {
		home.Close()
		return noop, nil
	}
	return func() error {
		defer home.Close()
		return netns.Set(home)
	}, []string{EnvHashParentSysctls + "=" + hp.sysctls}
}

// ApplyHashParentSysctls sets, in the calling thread's namespace, the
// sysctls EnvHashParentSysctls carries (nothing when it is unset).
func ApplyHashParentSysctls() error {
	v := os.Getenv(EnvHashParentSysctls)
	if v == "" {
		return nil
	}
	for _, pair := range strings.Split(v, ",") {
		name, val, ok := strings.Cut(pair, "=")
		n, err := strconv.Atoi(val)
		if !ok || err != nil || !strings.HasPrefix(name, "net/") || strings.Contains(name, "..") {
			return fmt.Errorf("%s: malformed %q", EnvHashParentSysctls, pair)
		}
		if err := writeSysctl(name, n); err != nil {
			return err
		}
	}
	return nil
}

// writeSysctl writes an integer sysctl in the calling thread's namespace.
func writeSysctl(name string, v int) error {
	if err := os.WriteFile("/proc/sys/"+name, []byte(strconv.Itoa(v)), 0); err != nil {
		return fmt.Errorf("sysctl %s=%d: %w", name, v, err)
	}
	return nil
}
