package proc_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/proc"
	"github.com/netconform/netconform/harness/sysobs"
)

// envHashHelper makes this test binary a child that prints its
// namespace's sized sysctls, before and after ApplyHashParentSysctls.
const envHashHelper = "NETCONFORM_PROC_TEST_HASHNS"

const twBuckets = "net/ipv4/tcp_max_tw_buckets"

// helped runs this test binary as the helper envHashHelper asks for, if
// it does, and reports whether it did.
func helped() bool {
	if os.Getenv(envHashHelper) == "" {
		return false
	}
	hashHelper()
	return true
}

func hashHelper() {
	before, err := sysobs.SysctlInt(twBuckets)
	if err == nil {
		err = sysobs.ApplyHashParentSysctls()
	}
	after, _ := sysobs.SysctlInt(twBuckets)
	fmt.Println(before, after, err)
}

// TestIsolatedChildHasItsOwnHashTables: as root, a child Start clones into
// a new network namespace gets a TCP hash of its own (the kernel then sizes
// tcp_max_tw_buckets from it, so the value differs from a namespace made
// the ordinary way), sets the sized sysctls back to the ordinary values,
// and the threads of this process stay in its namespace.
func TestIsolatedChildHasItsOwnHashTables(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("as root only: without root, an isolated child gets a user namespace and shares the host's tables")
	}
	if _, err := os.Stat("/proc/sys/net/ipv4/tcp_child_ehash_entries"); err != nil {
		t.Skip("this kernel has no per-namespace TCP hash (Linux 6.1)")
	}
	home, err := sysobs.NetnsID()
	require.NoError(t, err)

	plain := exec.Command("cat", "/proc/sys/"+twBuckets)
	plain.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	out, err := plain.Output()
	require.NoError(t, err)
	ordinary, err := strconv.Atoi(strings.TrimSpace(string(out)))
	require.NoError(t, err)

	// Ten children started at once, as the runner starts them (and each
	// is a test binary: under the race detector, a second's start).
	outs := make([]string, 10)
	errs := make([]error, 10)
	var started sync.WaitGroup
	for i := range outs {
		started.Go(func() {
			attr, err := sysobs.IsolatedProcAttr()
			if err != nil {
				errs[i] = err
				return
			}
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), envHashHelper+"=1")
			cmd.SysProcAttr = attr
			var buf bytes.Buffer
			cmd.Stdout, cmd.Stderr = &buf, &buf
			p, err := proc.Start(cmd)
			if err == nil {
				err = p.Wait()
				p.Kill()
			}
			outs[i], errs[i] = buf.String(), err
		})
	}
	started.Wait()
	for i, out := range outs {
		require.NoError(t, errs[i], out)
		var before, after int
		var applyErr string
		_, err = fmt.Sscan(out, &before, &after, &applyErr)
		require.NoError(t, err, out)
		assert.Less(t, before, ordinary, "tcp_max_tw_buckets in the child before it applies %s: a hash of its own is smaller than the host's", sysobs.EnvHashParentSysctls)
		assert.Equal(t, ordinary, after, "tcp_max_tw_buckets once the child applied %s", sysobs.EnvHashParentSysctls)
		assert.Equal(t, "<nil>", applyErr)
	}

	// Every thread this process runs goroutines on is still at home.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var away []string
	for range 64 {
		wg.Go(func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			if id, err := sysobs.NetnsID(); err != nil || id != home {
				mu.Lock()
				away = append(away, fmt.Sprint(id, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Empty(t, away, "threads of this process outside its namespace %s", home)
}
