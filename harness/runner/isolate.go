package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/proc"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/script"
	"github.com/netconform/netconform/harness/sysobs"
)

// Isolated cases run in a child process started in a new network
// namespace (and, without root, a new user namespace). The child is the
// same test binary, told by environment variables which case it is to run
// and where to write the result. The namespace, its links and everything
// in it vanish with the child; the child is in its own process group,
// killed as a group on timeout, and dies with its parent (Pdeathsig).

// isChildOf reports whether this process is the isolated child of exactly
// this case.
func (rn *Runner) isChildOf(im *harness.Impl, c *script.Case, role harness.Role) bool {
	ch := rn.cfg.child
	return ch != nil && ch.impl == im.Name && ch.caseID == c.ID && ch.role == role
}

// writeChildResult hands the result to the parent.
func (rn *Runner) writeChildResult(res *result.Result) {
	path := rn.cfg.child.result
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
func (rn *Runner) runIsolated(ctx context.Context, im *harness.Impl, c *script.Case, role harness.Role, res *result.Result) {
	if rn.Reexec == nil {
		res.Outcome, res.Reason = result.Skip, "isolated cases run in a child process, which needs Runner.Reexec (suite.Run provides it)"
		return
	}
	attr, err := sysobs.IsolatedProcAttr()
	if err != nil {
		res.Outcome, res.Reason = result.Skip, "cannot isolate: "+err.Error()
		return
	}
	parentNS, err := sysobs.NetnsID()
	if err != nil {
		res.Outcome, res.Reason = result.Skip, "cannot isolate: "+err.Error()
		return
	}
	f, err := os.CreateTemp("", "netconform-result-*.json")
	if err != nil {
		res.Outcome, res.Reason = result.Error, err.Error()
		return
	}
	path := f.Name()
	f.Close()
	defer os.Remove(path)

	cmd := rn.Reexec(im, c, role)
	cmd.Env = append(os.Environ(), childEnv(im.Name, c.ID, role, path, parentNS, rn.Timescale)...)
	cmd.SysProcAttr = attr
	out := proc.NewTail(16 << 10)
	cmd.Stdout, cmd.Stderr = out, out

	budget := rn.watch(caseBudget(c) + 10*time.Second)
	began := time.Now()
	waitErr, started, timedOut := startAndWait(ctx, cmd, budget)
	if started != nil {
		res.Outcome = result.Skip
		res.Reason = "cannot create a network namespace for isolated cases: " + started.Error() + namespaceHint(started)
		return
	}
	if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
		var got result.Result
		if err := json.Unmarshal(b, &got); err == nil {
			*res = got
			if res.Outcome.Failed() {
				res.Evidence += childEvidence(out, waitErr, time.Since(began))
			}
			return
		}
	}
	res.Evidence = childEvidence(out, waitErr, time.Since(began))
	if timedOut {
		res.Outcome = result.Timeout
		res.Findings = append(res.Findings, result.Finding{Call: "isolated child process", Got: fmt.Sprintf("still running after %v; killed with its process group", budget), Want: "a result"})
		return
	}
	res.Outcome = result.Error
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

func childEvidence(out *proc.Tail, waitErr error, took time.Duration) string {
	return fmt.Sprintf("isolated child: exit %v after %v; output tail:\n%s", waitErr, took.Round(time.Millisecond), out.String())
}
