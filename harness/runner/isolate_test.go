package runner_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	h "github.com/netconform/netconform/harness/script"
	"github.com/netconform/netconform/harness/sysobs"
)

// The isolation tests run a case in a child process in its own network
// namespace; the child writes its pid and namespace to pidFileEnv and then
// hangs (or fails), and the tests check that the process and every process
// in its namespace are gone afterwards. A network namespace that no process
// holds and nothing bind-mounts is freed by the kernel with its links.
const (
	pidFileEnv = "NETCONFORM_TEST_PIDFILE"
	parentEnv  = "NETCONFORM_TEST_PARENT"
	failEnv    = "NETCONFORM_TEST_FAIL"
)

var pipeImpl = harness.Impl{
	Name: "isolation-test",
	Caps: harness.CapStream,
	NewPair: func(context.Context) (*harness.Pair, error) {
		c1, c2 := net.Pipe()
		return &harness.Pair{Client: c1, Server: c2}, nil
	},
}

var hangCase = h.Case{
	ID: "test.isolated.hang", Spec: "Linux: an isolated test case", Level: h.Contract,
	Needs: h.CapStream, Setup: h.SetupNone, Isolated: true, Budget: time.Minute,
	Script: h.Script(h.Func("record pid and namespace, then hang or fail", func(x *h.X) error {
		ns, err := sysobs.NetnsID()
		if err != nil {
			return err
		}
		if err := os.WriteFile(os.Getenv(pidFileEnv), []byte(fmt.Sprintf("%d %s", os.Getpid(), ns)), 0o600); err != nil {
			return err
		}
		if os.Getenv(failEnv) != "" {
			return fmt.Errorf("deliberate failure")
		}
		<-x.Context().Done()
		return nil
	}).Budget(time.Minute)),
}

func childCmd(*harness.Impl, *h.Case, harness.Role) *exec.Cmd {
	return exec.Command(os.Args[0], "-test.run=^TestHelperIsolatedChild$", "-test.v")
}

// newRunner returns a runner from the environment that re-executes this
// test binary for isolated cases when reexec is set.
func newRunner(t *testing.T, reexec bool) *runner.Runner {
	cfg, err := runner.ConfigFromEnv()
	require.NoError(t, err)
	rn := runner.New(cfg)
	if reexec {
		rn.Reexec = childCmd
	}
	require.NoError(t, rn.Prepare())
	return rn
}

// TestHelperIsolatedChild is the child process of the tests below.
func TestHelperIsolatedChild(t *testing.T) {
	rn := newRunner(t, false)
	if _, _, _, ok := rn.Child(); !ok {
		t.Skip("helper: runs only as an isolated child")
	}
	rn.Run(context.Background(), &pipeImpl, &hangCase, harness.RoleClient)
}

// TestHelperIsolatedParent is a test process that runs an isolated case
// until a signal kills it.
func TestHelperIsolatedParent(t *testing.T) {
	if os.Getenv(parentEnv) == "" {
		t.Skip("helper: runs only when started by TestIsolationSurvivesSignals")
	}
	newRunner(t, true).Run(context.Background(), &pipeImpl, &hangCase, harness.RoleClient)
}

func requireIsolation(t *testing.T) {
	t.Helper()
	attr, err := sysobs.IsolatedProcAttr()
	if err != nil {
		t.Skipf("no namespaces here: %v", err)
	}
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = attr
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot create a network namespace here: %v", err)
	}
}

// waitPidFile waits for the child to report its pid and namespace.
func waitPidFile(t *testing.T, path string) (int, string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			pid, ns, _ := strings.Cut(string(b), " ")
			n, err := strconv.Atoi(pid)
			require.NoError(t, err)
			return n, ns
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the isolated child never reported its pid")
	return 0, ""
}

// requireGone waits until process pid has exited and no process is left
// in namespace ns.
func requireGone(t *testing.T, pid int, ns string) {
	t.Helper()
	host, err := sysobs.NetnsID()
	require.NoError(t, err)
	require.NotEqual(t, host, ns, "the child ran in the test's own namespace")
	deadline := time.Now().Add(5 * time.Second)
	for {
		alive := syscall.Kill(pid, 0) == nil && !isZombie(pid)
		holders := processesIn(ns)
		if !alive && len(holders) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the case: child %d alive=%v; processes still in namespace %s: %v", pid, alive, ns, holders)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func isZombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && f[0] == "Z"
}

func processesIn(ns string) []string {
	ents, _ := filepath.Glob("/proc/[0-9]*/ns/net")
	var out []string
	for _, e := range ents {
		if l, err := os.Readlink(e); err == nil && l == ns {
			out = append(out, e)
		}
	}
	return out
}

// TestIsolatedChildKilledWhenCanceled: a case still running when its
// context ends is killed as a process group, and its namespace goes with it.
func TestIsolatedChildKilledWhenCanceled(t *testing.T) {
	requireIsolation(t)
	pidfile := filepath.Join(t.TempDir(), "pid")
	t.Setenv(pidFileEnv, pidfile)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *result.Result, 1)
	rn := newRunner(t, true)
	go func() {
		done <- rn.Run(ctx, &pipeImpl, &hangCase, harness.RoleClient)
	}()
	pid, ns := waitPidFile(t, pidfile)
	cancel()
	select {
	case res := <-done:
		require.Equal(t, result.Timeout, res.Outcome, res.Format())
		require.Contains(t, res.Evidence, "isolated child")
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context was canceled")
	}
	requireGone(t, pid, ns)
}

// TestIsolatedChildCleanedAfterFailure: a failing isolated case leaves no
// process and no namespace behind, and its result comes back.
func TestIsolatedChildCleanedAfterFailure(t *testing.T) {
	requireIsolation(t)
	pidfile := filepath.Join(t.TempDir(), "pid")
	t.Setenv(pidFileEnv, pidfile)
	t.Setenv(failEnv, "1")
	res := newRunner(t, true).Run(context.Background(), &pipeImpl, &hangCase, harness.RoleClient)
	require.Equal(t, result.Fail, res.Outcome, res.Format())
	require.Contains(t, res.Summary(), "deliberate failure")
	pid, ns := waitPidFile(t, pidfile)
	requireGone(t, pid, ns)
}

// TestIsolationSurvivesSignals: interrupting the test process (SIGINT,
// SIGTERM, as Ctrl-C or a CI timeout would) mid-case kills the isolated
// child too (Pdeathsig), and its namespace is freed.
func TestIsolationSurvivesSignals(t *testing.T) {
	requireIsolation(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pid")
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperIsolatedParent$", "-test.v")
			cmd.Env = append(os.Environ(), pidFileEnv+"="+pidfile, parentEnv+"=1")
			require.NoError(t, cmd.Start())
			pid, ns := waitPidFile(t, pidfile)
			require.NoError(t, cmd.Process.Signal(sig))
			err := cmd.Wait()
			require.Error(t, err, "the test process should die of the signal")
			requireGone(t, pid, ns)
		})
	}
}

// TestIsolatedCaseWithoutReexecSkips: without a way to start the child the
// case is a skip with its reason, never a pass.
func TestIsolatedCaseWithoutReexecSkips(t *testing.T) {
	res := newRunner(t, false).Run(context.Background(), &pipeImpl, &hangCase, harness.RoleClient)
	require.Equal(t, result.Skip, res.Outcome)
	require.Contains(t, res.Reason, "child process")
}
