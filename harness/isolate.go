package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/netconform/netconform/harness/sysobs"
)

// Isolated cases run in a child process started in a new network
// namespace (and, without root, a new user namespace). The child is the
// same test binary, told by these variables which case it is to run and
// where to write the result. The namespace, its links and everything in it
// vanish with the child; the child is in its own process group, killed as
// a group on timeout, and dies with its parent (Pdeathsig).
const (
	envChild    = "NETCONFORM_CHILD"        // impl, case and role, \x1f-separated
	envResult   = "NETCONFORM_CHILD_RESULT" // where the child writes its Result as JSON
	envParentNS = "NETCONFORM_PARENT_NETNS" // the parent's namespace, which the child must not be in
)

// childSetupErr is the outcome of preparing this process's namespace when
// it is the child of an isolated case: done at start-up, before any test
// code probes the network (an IPv6 probe needs lo up).
var childSetupErr error

func init() {
	if os.Getenv(envChild) != "" {
		childSetupErr = enterIsolation()
	}
}

func childKey(impl, caseID string, role Role) string {
	return impl + "\x1f" + caseID + "\x1f" + string(role)
}

// ChildCase reports whether this process is the child of an isolated case,
// and which one. suite.Run uses it to run nothing else.
func ChildCase() (impl, caseID string, role Role, ok bool) {
	v := os.Getenv(envChild)
	if v == "" {
		return "", "", "", false
	}
	parts := strings.Split(v, "\x1f")
	if len(parts) != 3 {
		return "", "", "", false
	}
	return parts[0], parts[1], Role(parts[2]), true
}

func isChild(im *Impl, c *Case, role Role) bool {
	return os.Getenv(envChild) == childKey(im.Name, c.ID, role)
}

// enterIsolation checks that this process really is in a namespace of its
// own before the case may change links, and brings its loopback up.
func enterIsolation() error {
	parent := os.Getenv(envParentNS)
	mine, err := sysobs.NetnsID()
	if err != nil {
		return fmt.Errorf("isolated case: cannot read the network namespace: %w", err)
	}
	if parent == "" || parent == mine {
		return fmt.Errorf("isolated case: refusing to run in the parent's network namespace %s", mine)
	}
	if err := sysobs.LinkUp("lo"); err != nil {
		return fmt.Errorf("isolated case: bring lo up: %w", err)
	}
	return nil
}

func writeChildResult(res *Result) {
	path := os.Getenv(envResult)
	if path == "" {
		return
	}
	b, err := json.Marshal(res)
	if err == nil {
		err = os.WriteFile(path, b, 0o600)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "netconform: writing the isolated result: %v\n", err)
	}
}

// runIsolated runs the case in a child process and fills res from it.
func runIsolated(ctx context.Context, im *Impl, c *Case, role Role, o RunOptions, res *Result) {
	if o.Reexec == nil {
		res.Outcome, res.Reason = Skip, "isolated cases run in a child process, which needs RunOptions.Reexec (suite.Run provides it)"
		return
	}
	attr, err := sysobs.IsolatedProcAttr()
	if err != nil {
		res.Outcome, res.Reason = Skip, "cannot isolate: "+err.Error()
		return
	}
	parentNS, err := sysobs.NetnsID()
	if err != nil {
		res.Outcome, res.Reason = Skip, "cannot isolate: "+err.Error()
		return
	}
	f, err := os.CreateTemp("", "netconform-result-*.json")
	if err != nil {
		res.Outcome, res.Reason = Error, err.Error()
		return
	}
	path := f.Name()
	f.Close()
	defer os.Remove(path)

	cmd := o.Reexec()
	cmd.Env = append(os.Environ(),
		envChild+"="+childKey(im.Name, c.ID, role),
		envResult+"="+path,
		envParentNS+"="+parentNS,
		fmt.Sprintf("NETCONFORM_TIMESCALE=%g", Timescale()),
	)
	cmd.SysProcAttr = attr
	out := NewTail(16 << 10)
	cmd.Stdout, cmd.Stderr = out, out

	budget := Watchdog(defaultCaseBudget + 10*time.Second)
	if c.Budget > 0 {
		budget = Watchdog(c.Budget + 10*time.Second)
	}
	began := time.Now()
	waitErr, started, timedOut := startAndWait(ctx, cmd, budget)
	if started != nil {
		res.Outcome = Skip
		res.Reason = "cannot create a network namespace for isolated cases: " + started.Error() + namespaceHint(started)
		return
	}
	b, rerr := os.ReadFile(path)
	if rerr == nil && len(b) > 0 {
		var child Result
		if err := json.Unmarshal(b, &child); err == nil {
			*res = child
			if res.Outcome.Failed() {
				res.Evidence += childEvidence(out, waitErr, time.Since(began))
			}
			return
		}
	}
	res.Evidence = childEvidence(out, waitErr, time.Since(began))
	if timedOut {
		res.Outcome = Timeout
		res.Findings = append(res.Findings, Finding{Call: "isolated child process", Got: fmt.Sprintf("still running after %v; killed with its process group", budget), Want: "a result"})
		return
	}
	res.Outcome = Error
	res.Reason = fmt.Sprintf("isolated child process ended without a result (%v)", waitErr)
}

// startAndWait starts cmd on a locked OS thread (Pdeathsig follows the
// thread that forked, so it must outlive the child) and waits up to budget,
// killing the child's process group when the budget ends or ctx is done.
func startAndWait(ctx context.Context, cmd *exec.Cmd, budget time.Duration) (waitErr, startErr error, timedOut bool) {
	type outcome struct{ wait, start error }
	done := make(chan outcome, 1)
	pid := make(chan int, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			done <- outcome{start: err}
			return
		}
		pid <- cmd.Process.Pid
		done <- outcome{wait: cmd.Wait()}
	}()
	t := time.NewTimer(budget)
	defer t.Stop()
	var p int
	for {
		select {
		case o := <-done:
			return o.wait, o.start, false
		case p = <-pid:
		case <-t.C:
			killGroup(p, pid)
			return (<-done).wait, nil, true
		case <-ctx.Done():
			killGroup(p, pid)
			return (<-done).wait, nil, true
		}
	}
}

func killGroup(p int, pid chan int) {
	if p == 0 {
		p = <-pid
	}
	sysobs.KillGroup(p)
}

func namespaceHint(err error) string {
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSPC) {
		return " (run as root, or allow unprivileged user namespaces: sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces>0)"
	}
	return ""
}

func childEvidence(out *Tail, waitErr error, took time.Duration) string {
	return fmt.Sprintf("isolated child: exit %v after %v; output tail:\n%s", waitErr, took.Round(time.Millisecond), out.String())
}
