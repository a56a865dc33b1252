package proc

import (
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/netconform/netconform/harness/sysobs"
)

// On SIGINT or SIGTERM, a process that has trees running or temporary
// files made through this package kills those trees, removes those files,
// and then ends by the same signal, as it would have without them. The
// signals are watched only while there is something to clean up; a signal
// the process was started ignoring stays ignored.

// cleanup is what to do on a signal: the trees to kill, the paths to
// remove.
var cleanup struct {
	mu          sync.Mutex
	procs       map[*Proc]bool
	paths       map[string]bool
	stop        chan struct{} // non-nil while the signals are watched
	interrupted bool          // a signal started the clean-up: kill what starts now
}

func addProc(p *Proc) bool {
	cleanup.mu.Lock()
	defer cleanup.mu.Unlock()
	if cleanup.procs == nil {
		cleanup.procs = map[*Proc]bool{}
	}
	cleanup.procs[p] = true
	watch()
	return !cleanup.interrupted
}

// rootPIDs are the roots of the trees started and not yet reaped.
func rootPIDs() map[int]bool {
	cleanup.mu.Lock()
	defer cleanup.mu.Unlock()
	out := make(map[int]bool, len(cleanup.procs))
	for p := range cleanup.procs {
		out[p.Pid()] = true
	}
	return out
}

func removeProc(p *Proc) {
	cleanup.mu.Lock()
	defer cleanup.mu.Unlock()
	delete(cleanup.procs, p)
	unwatch()
}

// errInterrupted is what makes a temporary path once the clean-up has
// started.
var errInterrupted = errors.New("proc: the process is ending on a signal")

// addPath makes a path with make and registers it, signals watched
// before it exists: no path escapes the clean-up.
func addPath(make func() (string, error)) error {
	cleanup.mu.Lock()
	defer cleanup.mu.Unlock()
	if cleanup.interrupted {
		return errInterrupted
	}
	watch()
	path, err := make()
	if err != nil {
		unwatch()
		return err
	}
	if cleanup.paths == nil {
		cleanup.paths = map[string]bool{}
	}
	cleanup.paths[path] = true
	return nil
}

func removePath(path string) {
	cleanup.mu.Lock()
	defer cleanup.mu.Unlock()
	delete(cleanup.paths, path)
	unwatch()
}

// interrupting reports whether a signal has started the clean-up.
func interrupting() bool {
	cleanup.mu.Lock()
	defer cleanup.mu.Unlock()
	return cleanup.interrupted
}

// liveProcs lists the trees not yet waited for.
func liveProcs() []*Proc {
	cleanup.mu.Lock()
	defer cleanup.mu.Unlock()
	out := make([]*Proc, 0, len(cleanup.procs))
	for p := range cleanup.procs {
		out = append(out, p)
	}
	return out
}

// watch starts watching the signals; cleanup.mu is held.
func watch() {
	if cleanup.stop != nil {
		return
	}
	var sigs []os.Signal
	for _, s := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	if len(sigs) == 0 {
		return
	}
	ch := make(chan os.Signal, 1)
	stop := make(chan struct{})
	cleanup.stop = stop
	signal.Notify(ch, sigs...)
	go func() {
		select {
		case sig := <-ch:
			interrupt(sig)
		case <-stop:
			signal.Stop(ch)
		}
	}()
}

// unwatch stops watching once there is nothing to clean up; cleanup.mu
// is held.
func unwatch() {
	if cleanup.stop != nil && len(cleanup.procs) == 0 && len(cleanup.paths) == 0 && !cleanup.interrupted {
		close(cleanup.stop)
		cleanup.stop = nil
	}
}

// interrupt cleans up, then ends the process by sig. It does not wait for
// the trees it kills (their ends are never reported: see Proc.Exited), so
// that nothing goes on to end the process otherwise in the meantime.
func interrupt(sig os.Signal) {
	cleanup.mu.Lock()
	cleanup.interrupted = true
	procs := make([]*Proc, 0, len(cleanup.procs))
	for p := range cleanup.procs {
		procs = append(procs, p)
	}
	paths := make([]string, 0, len(cleanup.paths))
	for path := range cleanup.paths {
		paths = append(paths, path)
	}
	cleanup.mu.Unlock()
	for _, p := range procs {
		sysobs.KillGroup(p.Pid())
	}
	for _, p := range procs {
		p.killPass(map[int]Process{}, nil)
	}
	for _, path := range paths {
		os.RemoveAll(path)
	}
	signal.Reset(sig)
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		p.Signal(sig)
	}
	time.Sleep(time.Second)
	os.Exit(2)
}
