package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
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
// in it vanish with the child; the child roots a process tree (see
// harness/proc) that is killed whole when the case ends — whatever the
// implementation started in it, even what left its process group — and
// dies with its parent (Pdeathsig). The result file carries this process's
// PID: removed on SIGINT and SIGTERM, or by the next run if this one is
// killed.

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
	f, err := proc.CreateTemp("result", ".json")
	if err != nil {
		res.Outcome, res.Reason = result.Error, err.Error()
		return
	}
	path := f.Name()
	f.Close()
	defer proc.Remove(path)

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
			// The child prints nothing of its result (suite.Run): what
			// else it printed is the implementation's, kept as evidence.
			if own := ownOutput(out.String()); res.Outcome.Failed() && own != "" {
				res.Evidence += fmt.Sprintf("isolated child: exit %v after %v; its output, without go test's lines:\n%s", waitErr, time.Since(began).Round(time.Millisecond), own)
			}
			return
		}
	}
	res.Evidence = childEvidence(out, waitErr, time.Since(began))
	if timedOut {
		res.Outcome = result.Timeout
		res.Findings = append(res.Findings, result.Finding{Call: "isolated child process", Got: fmt.Sprintf("still running after %v; killed with its process tree", budget), Want: "a result"})
		return
	}
	res.Outcome = result.Error
	res.Reason = fmt.Sprintf("isolated child process ended without a result (%v)", waitErr)
}

// startAndWait starts cmd as a process tree and waits up to budget, or
// until ctx is done; then it kills the tree, the child and whatever it
// left.
func startAndWait(ctx context.Context, cmd *exec.Cmd, budget time.Duration) (waitErr, startErr error, timedOut bool) {
	p, err := proc.Start(cmd)
	if err != nil {
		return nil, err, false
	}
	defer p.Kill()
	t := time.NewTimer(budget)
	defer t.Stop()
	select {
	case <-p.Exited():
		return p.Wait(), nil, false
	case <-t.C:
	case <-ctx.Done():
	}
	p.Kill()
	return p.Wait(), nil, true
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

// ownOutput is a child's output without the lines go test prints of its
// own (=== RUN, --- PASS, PASS, ok…): what the implementation printed.
func ownOutput(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case t == "", t == "PASS", t == "FAIL", strings.HasPrefix(t, "=== "), strings.HasPrefix(t, "--- "),
			strings.HasPrefix(t, "ok "), strings.HasPrefix(t, "ok\t"):
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}
