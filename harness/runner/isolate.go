package runner

import (
	"bytes"
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

// isChildOf reports whether this process is an isolated child that runs
// this case in this role.
func (rn *Runner) isChildOf(im *harness.Impl, c *script.Case, role harness.Role) bool {
	return rn.cfg.ChildRuns(im.Name, c.ID, role)
}

// writeChildResult hands a result to the parent: a line of JSON appended
// to the result file (a child sharing its namespace writes several).
func (rn *Runner) writeChildResult(res *result.Result) {
	path := rn.cfg.child.result
	if path == "" {
		return
	}
	b, err := json.Marshal(res)
	if err == nil {
		rn.childOut.Lock()
		defer rn.childOut.Unlock()
		var f *os.File
		if f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
			_, err = f.Write(append(b, '\n'))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
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
	run := rn.runChild(ctx, im, []member{{c.ID, role}}, rn.Reexec(im, c, role), caseBudget(c))
	run.fill(res, member{c.ID, role})
}

// A childRun is what one isolated child process left: the results it
// wrote, by case and role, and how it ended.
type childRun struct {
	results  map[member]*result.Result
	skip     string // why no child could start: every case is skipped
	err      error  // the child could not be started or read
	out      *proc.Tail
	waitErr  error
	took     time.Duration
	budget   time.Duration
	timedOut bool
}

// runChild starts cmd as an isolated child running runs of im, waits for
// it up to budget (plus time to start), and collects its results.
func (rn *Runner) runChild(ctx context.Context, im *harness.Impl, runs []member, cmd *exec.Cmd, budget time.Duration) *childRun {
	run := &childRun{results: map[member]*result.Result{}}
	attr, err := sysobs.IsolatedProcAttr()
	if err != nil {
		run.skip = "cannot isolate: " + err.Error()
		return run
	}
	parentNS, err := sysobs.NetnsID()
	if err != nil {
		run.skip = "cannot isolate: " + err.Error()
		return run
	}
	f, err := proc.CreateTemp("result", ".json")
	if err != nil {
		run.err = err
		return run
	}
	path := f.Name()
	f.Close()
	defer proc.Remove(path)

	cmd.Env = append(append(os.Environ(), childEnv(im.Name, runs, path, parentNS, rn.Timescale)...), raceExitEnv()...)
	cmd.SysProcAttr = attr
	run.out = proc.NewTail(16 << 10)
	cmd.Stdout, cmd.Stderr = run.out, run.out

	run.budget = rn.watch(budget + 10*time.Second)
	began := time.Now()
	waitErr, started, timedOut := startAndWait(ctx, cmd, run.budget)
	run.took, run.waitErr, run.timedOut = time.Since(began), waitErr, timedOut
	if started != nil {
		run.skip = "cannot create a network namespace for isolated cases: " + started.Error() + namespaceHint(started)
		return run
	}
	b, _ := os.ReadFile(path)
	for _, line := range bytes.Split(b, []byte("\n")) {
		var got result.Result
		if len(line) == 0 || json.Unmarshal(line, &got) != nil {
			continue // a line cut short by a kill: that case has no result
		}
		run.results[member{got.Case, got.Role}] = &got
	}
	return run
}

// fill sets res to what the child said of m, or to why it said nothing.
func (run *childRun) fill(res *result.Result, m member) {
	switch {
	case run.skip != "":
		res.Outcome, res.Reason = result.Skip, run.skip
		return
	case run.err != nil:
		res.Outcome, res.Reason = result.Error, run.err.Error()
		return
	}
	if got, ok := run.results[m]; ok {
		*res = *got
		// The child prints nothing of its results (suite.Run): what
		// else it printed is the implementation's, kept as evidence.
		if own := ownOutput(run.out.String()); res.Outcome.Failed() && own != "" {
			res.Evidence += fmt.Sprintf("isolated child: exit %v after %v; its output, without go test's lines:\n%s", run.waitErr, run.took.Round(time.Millisecond), own)
		}
		return
	}
	res.Evidence = childEvidence(run.out, run.waitErr, run.took)
	if run.timedOut {
		res.Outcome = result.Timeout
		res.Findings = append(res.Findings, result.Finding{Call: "isolated child process", Got: fmt.Sprintf("still running after %v; killed with its process tree", run.budget), Want: "a result"})
		return
	}
	res.Outcome = result.Error
	res.Reason = fmt.Sprintf("isolated child process ended without a result (%v)", run.waitErr)
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
