// Package runner runs netconform's cases. A Runner owns what belongs to
// the process: the timescale, how many cases run at once, the isolated
// child processes of cases that need a network namespace of their own, and
// the leak checks made once an implementation's cases have ended. Run runs
// one case on one implementation in one role and returns its result; it
// keeps no state between cases other than the Runner's.
package runner

import (
	"fmt"
	"os/exec"
	"sync"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/script"
	"github.com/netconform/netconform/harness/sysobs"
)

// A Runner runs cases in this process. Build one with New and share it:
// its limits hold across every implementation it runs.
type Runner struct {
	// Timescale stretches every upper time bound and watchdog budget;
	// lower bounds ("never before the deadline") never stretch.
	Timescale float64
	// Watchdog stretches watchdogs only, not timing tolerances: under the
	// race detector a loaded machine runs several times slower, and a slow
	// call is not a hang.
	Watchdog float64
	// Reexec returns a command that runs exactly this case again in a
	// child process (the test binary with a -test.run pattern selecting
	// it); the runner adds the environment and the namespace. Without it,
	// isolated cases are skipped.
	Reexec func(im *harness.Impl, c *script.Case, role harness.Role) *exec.Cmd
	// ReexecShared returns a command that runs these cases of im again,
	// in every role, in one child process (the runner tells the child
	// which roles). Without it, cases that may share a namespace run
	// alone, as through Reexec.
	ReexecShared func(im *harness.Impl, cases []*script.Case) *exec.Cmd

	cfg       Config
	isolation func() error // enters the child's namespace, once
	lim       limiter
	childOut  sync.Mutex // a child's results file
	wire      sync.Mutex // one wire case at a time in a child
	turns     sync.Mutex // one case taking turns at a time in a child
	shared    sharedChildren
}

// New returns a runner configured by cfg.
func New(cfg Config) *Runner {
	rn := &Runner{Timescale: cfg.Timescale, Watchdog: watchdogFactor(), cfg: cfg, lim: newLimiter(cfg.Parallel)}
	rn.isolation = sync.OnceValue(rn.enterIsolation)
	return rn
}

// Config is the configuration the runner was made with.
func (rn *Runner) Config() Config { return rn.cfg }

// Child reports whether this process is an isolated child, and of which
// case: the first of them when it runs several (see ChildRuns).
func (rn *Runner) Child() (impl, caseID string, role harness.Role, ok bool) { return rn.cfg.Child() }

// ChildRuns reports whether this process is an isolated child that runs
// case caseID of impl in role (in any role when role is empty).
func (rn *Runner) ChildRuns(impl, caseID string, role harness.Role) bool {
	return rn.cfg.ChildRuns(impl, caseID, role)
}

// Prepare readies the process before any case or test code touches the
// network: in an isolated child it checks that the process is in a
// namespace of its own and brings its loopback up.
func (rn *Runner) Prepare() error {
	if rn.cfg.child == nil {
		return nil
	}
	return rn.isolation()
}

// enterIsolation checks that this process really is in a namespace of its
// own before the case may change links, brings its loopback up, and sets
// the sysctls a namespace cloned from the hash parent differs in.
func (rn *Runner) enterIsolation() error {
	mine, err := sysobs.NetnsID()
	if err != nil {
		return fmt.Errorf("isolated case: cannot read the network namespace: %w", err)
	}
	if p := rn.cfg.child.parentNS; p == "" || p == mine {
		return fmt.Errorf("isolated case: refusing to run in the parent's network namespace %s", mine)
	}
	if err := sysobs.LinkUp("lo"); err != nil {
		return fmt.Errorf("isolated case: bring lo up: %w", err)
	}
	if err := sysobs.ApplyHashParentSysctls(); err != nil {
		return fmt.Errorf("isolated case: %w", err)
	}
	return nil
}

// watchdogFactor is 3 under the race detector, 1 otherwise.
func watchdogFactor() float64 {
	if raceEnabled {
		return 3
	}
	return 1
}
