package proc

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/netconform/netconform/harness/sysobs"
)

// EnvTrees is the environment variable through which every process a Proc
// starts, and every descendant that keeps its environment, carries the
// tokens of the trees it belongs to (comma-separated: trees nest). It is
// how a descendant that left its process group and its parent (setsid, a
// double fork) is still found: this process is their child subreaper, so
// they stay below it, and the token says whose they are.
const EnvTrees = "NETCONFORM_PROC_TREES"

// WaitDelay is the exec.Cmd.WaitDelay Start gives a command that has
// none: how long Wait waits, once the process has exited, for the pipes
// exec copies through, before it closes them.
const WaitDelay = 2 * time.Second

// killBound bounds how long Kill keeps finding and killing the members of
// a tree that is still forking.
const killBound = 3 * time.Second

// A Process names a process in evidence: "pid 1234 (sleep 45)".
type Process struct {
	PID int
	Cmd string
}

func (p Process) String() string { return fmt.Sprintf("pid %d (%s)", p.PID, p.Cmd) }

// Join names processes, "pid 1 (a), pid 2 (b)".
func Join(ps []Process) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.String())
	}
	return strings.Join(s, ", ")
}

// A Proc is a started command and the tree of processes it roots.
type Proc struct {
	cmd    *exec.Cmd
	token  string
	reaped chan struct{} // closed once the root has been waited for
	exited chan struct{} // closed just before reaped, unless a signal is ending this process
	err    error         // what Wait returned, once reaped is closed
}

var subreaper sync.Once

// Start starts cmd as the root of a process tree: in a process group of
// its own, killed when this process dies (on Linux), with a token of its
// own added to EnvTrees in its environment, and WaitDelay set when cmd
// has none. The first Start makes this process a child subreaper (on
// Linux), so that no descendant of the tree can leave it. Start waits for
// the process on a locked thread (a parent-death signal follows the thread
// that started the child), so the Proc, not the caller, calls cmd.Wait.
func Start(cmd *exec.Cmd) (*Proc, error) {
	subreaper.Do(func() { sysobs.SetChildSubreaper() }) // elsewhere than Linux, Kill reaches the group only
	p := &Proc{cmd: cmd, token: fmt.Sprintf("%x", rand.Uint64()), reaped: make(chan struct{}), exited: make(chan struct{})}
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = withToken(env, p.token)
	cmd.SysProcAttr = sysobs.TreeProcAttr(cmd.SysProcAttr)
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = WaitDelay
	}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// A child cloned into a network namespace of its own is cloned
		// from the hash parent, as root (see sysobs.EnterHashParent).
		back, env := sysobs.EnterHashParent(cmd.SysProcAttr)
		cmd.Env = append(cmd.Env, env...)
		err := cmd.Start()
		if back() == nil {
			// Still in another namespace otherwise: the thread stays
			// locked and ends with this goroutine.
			defer runtime.UnlockOSThread()
		}
		if err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		// exited first: whoever saw reaped (Kill) sees the root exited.
		if !interrupting() {
			close(p.exited)
		}
		close(p.reaped)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	ok := addProc(p)
	go func() { <-p.reaped; removeProc(p) }()
	if !ok {
		p.Kill() // started while the process was cleaning up to end
	}
	return p, nil
}

// withToken returns env with token added to EnvTrees.
func withToken(env []string, token string) []string {
	out := make([]string, 0, len(env)+1)
	value := token
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, EnvTrees+"="); ok {
			if v != "" {
				value = v + "," + token
			}
			continue
		}
		out = append(out, kv)
	}
	return append(out, EnvTrees+"="+value)
}

// Pid is the root process's id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Exited is closed once the root process has exited and been waited for
// — never when SIGINT or SIGTERM killed it on the way to ending this
// process: what waits for it does not go on as if it had ended by itself.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// Wait waits for the root process (see Exited) and returns what
// exec.Cmd.Wait did.
func (p *Proc) Wait() error {
	<-p.exited
	return p.err
}

// member reports whether pr belongs to the tree: in the root's process
// group, or carrying the tree's token.
func (p *Proc) member(pr sysobs.Process) bool {
	if pr.PGID == p.Pid() {
		return true
	}
	env, err := sysobs.Environ(pr.PID)
	if err != nil {
		return false
	}
	for _, kv := range bytes.Split(env, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte(EnvTrees+"=")); ok {
			return slices.Contains(strings.Split(string(v), ","), p.token)
		}
	}
	return false
}

// Has reports whether process pid belongs to the tree.
func (p *Proc) Has(pid int) bool {
	pr, err := sysobs.ReadProcess(pid)
	return err == nil && (pid == p.Pid() || p.member(pr))
}

// Alone reports whether the root is the tree's only process alive (a
// zombie not yet reaped counts as gone); it fails when the process table
// cannot be read, so that a caller can tell "none" from "unknown". It is
// asked after every case of a driver process, so it looks first only
// where the tree's processes can be (nearby): below the root, and — this
// process being their child subreaper — among this process's own children
// that root no tree, where a member whose parent ended has moved, with
// what is below them. Where that look cannot be trusted (a list it read
// changed meanwhile, a process of it was ending, no children files) it
// walks every process.
func (p *Proc) Alone() (bool, error) {
	others, err := p.others(p.nearby)
	if err != nil {
		others, err = p.others(sysobs.Descendants)
	}
	return len(others) == 0, err
}

// errMoved is nearby's answer when this process's children changed while
// it looked: a member may have moved where it had already read.
var errMoved = errors.New("this process's children changed meanwhile")

// nearby lists the processes below the root, and this process's children
// that root no tree started by this package with what is below them: the
// descendants of self (this process) where the tree's can be. The root's
// side is read first, so that a member whose parent ends meanwhile moves
// to a list read after; this process's list is read again at the end,
// and any change — a child come (moved here from a parent that ended
// after it was read), a child gone (the kernel's list, read while a
// sibling left it, may have skipped the next) — fails the look.
func (p *Proc) nearby(self int) ([]sysobs.Process, error) {
	below, err := sysobs.DescendantsQuick(p.Pid())
	if err != nil {
		return nil, err
	}
	kids, err := sysobs.Children(self)
	if err != nil {
		return nil, err
	}
	roots := rootPIDs()
	for _, k := range kids {
		if roots[k] {
			continue
		}
		pr, err := sysobs.ReadProcess(k)
		if err != nil {
			return nil, errMoved // gone meanwhile
		}
		more, err := sysobs.DescendantsQuick(k)
		if err != nil {
			return nil, err
		}
		below = append(append(below, pr), more...)
	}
	again, err := sysobs.Children(self)
	if err != nil {
		return nil, err
	}
	slices.Sort(kids)
	slices.Sort(again)
	if !slices.Equal(kids, again) {
		return nil, errMoved
	}
	return below, nil
}

// others lists the tree's processes other than the root that have not
// exited, from the walk of this process's descendants given.
func (p *Proc) others(descendants func(int) ([]sysobs.Process, error)) ([]sysobs.Process, error) {
	procs, err := descendants(os.Getpid())
	if err != nil {
		return nil, err
	}
	var out []sysobs.Process
	for _, pr := range procs {
		if pr.PID != p.Pid() && pr.State != 'Z' && p.member(pr) {
			out = append(out, pr)
		}
	}
	return out, nil
}

// Members lists the tree's processes alive now, other than the root, with
// whether each is already dying (a SIGKILL pending: a parent-death
// signal on its way).
func (p *Proc) Members() (alive []Process, dying []Process) {
	others, _ := p.others(sysobs.Descendants)
	for _, pr := range others {
		named := Process{PID: pr.PID, Cmd: short(sysobs.Cmdline(pr.PID))}
		if sysobs.Dying(pr.PID) {
			dying = append(dying, named)
		} else {
			alive = append(alive, named)
		}
	}
	return alive, dying
}

// MemberPIDs lists the tree's processes alive now and not dying, other
// than the root, from the quick walk (sysobs.DescendantsQuick): for an
// observation repeated while the tree runs, not for a kill or a final
// check, which use Members.
func (p *Proc) MemberPIDs() []int {
	others, _ := p.others(sysobs.DescendantsQuick)
	var out []int
	for _, pr := range others {
		if !sysobs.Dying(pr.PID) {
			out = append(out, pr.PID)
		}
	}
	return out
}

// Kill ends the tree: the root's process group, every descendant of this
// process that carries the tree's token, and the processes also (the
// holders of a pipe, say). While it finds such processes besides the root
// it looks again (they may have forked), until none is left alive or
// killBound has passed; it reaps those that became this process's
// children, and waits for the root. It returns the processes it found
// alive and killed other than the root (a member of the root's group may
// have died of the group kill before it looked).
func (p *Proc) Kill(also ...int) []Process {
	seen := map[int]Process{}
	others := false
	end := time.Now().Add(killBound)
	sysobs.KillGroup(p.Pid())
	for {
		again, found := p.killPass(seen, also)
		others = others || found
		if !again || time.Now().After(end) {
			break
		}
		time.Sleep(5 * time.Millisecond)
		sysobs.KillGroup(p.Pid()) // whatever joined the group meanwhile
	}
	select {
	case <-p.reaped:
	case <-time.After(killBound):
	}
	// The root is gone: its children that died with it are this process's
	// zombies now, or about to be once the kernel has reparented them (a
	// zombie whose parent is the dead root is not ours to reap yet), so
	// look until none is left or the bound has passed.
	// A member may also be between parents when the first passes looked
	// (its parent dead, not yet reparented): while the root's group still
	// has a member, look again.
	reapEnd := time.Now().Add(killBound)
	for others || sysobs.GroupExists(p.Pid()) {
		again, _, zombies := p.killPassZ(seen, also)
		if !again && zombies == 0 && !sysobs.GroupExists(p.Pid()) || time.Now().After(reapEnd) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	out := make([]Process, 0, len(seen))
	for _, pr := range seen {
		out = append(out, pr)
	}
	slices.SortFunc(out, func(a, b Process) int { return a.PID - b.PID })
	return out
}

// killPass kills the tree's live members (adding them to seen) and reaps
// its zombies that are this process's children; again says it killed
// some, found that it met members besides the root.
func (p *Proc) killPass(seen map[int]Process, also []int) (again, found bool) {
	again, found, _ = p.killPassZ(seen, also)
	return again, found
}

// killPassZ is killPass that also counts the tree's zombies it could not
// reap yet (their parent is not this process).
func (p *Proc) killPassZ(seen map[int]Process, also []int) (again, found bool, zombies int) {
	self := os.Getpid()
	procs, err := sysobs.Descendants(self)
	if err != nil {
		return false, false, 0
	}
	for _, pr := range procs {
		if pr.PID == p.Pid() {
			continue // the group kill reached it; its Wait reaps it
		}
		_, known := seen[pr.PID]
		if pr.State == 'Z' {
			if known || pr.PGID == p.Pid() {
				found = true
				if pr.PPID == self {
					sysobs.Reap(pr.PID)
				} else {
					zombies++
				}
			}
			continue
		}
		if !known && !slices.Contains(also, pr.PID) && !p.member(pr) {
			continue
		}
		if !known {
			cmd := sysobs.Cmdline(pr.PID)
			if now, err := sysobs.ReadProcess(pr.PID); err != nil || now.State == 'Z' || now.Exiting {
				// It died since the scan, or is dying (the group kill
				// reached it, or it ended): not one this pass found alive;
				// a zombie is reaped by a later pass.
				again = true
				continue
			}
			seen[pr.PID] = Process{PID: pr.PID, Cmd: short(cmd)}
		}
		sysobs.Kill(pr.PID)
		again, found = true, true
	}
	return again, found, zombies
}

// short keeps the start of a command line.
func short(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// KillDescendants kills every descendant of this process and reaps those
// that are its children, except the roots of trees still being waited for.
// It is for a process that starts every child through Start, at its end:
// nothing it ran outlives it. It returns the processes it killed.
func KillDescendants() []Process {
	self := os.Getpid()
	roots := map[int]bool{}
	for _, p := range liveProcs() {
		roots[p.Pid()] = true
	}
	seen := map[int]Process{}
	end := time.Now().Add(killBound)
	for {
		procs, err := sysobs.Descendants(self)
		if err != nil {
			return nil
		}
		killed := false
		for _, pr := range procs {
			switch {
			case roots[pr.PID]:
			case pr.State == 'Z':
				if pr.PPID == self {
					sysobs.Reap(pr.PID)
				}
			default:
				if _, ok := seen[pr.PID]; !ok {
					seen[pr.PID] = Process{PID: pr.PID, Cmd: short(sysobs.Cmdline(pr.PID))}
				}
				sysobs.Kill(pr.PID)
				killed = true
			}
		}
		if !killed || time.Now().After(end) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	out := make([]Process, 0, len(seen))
	for _, pr := range seen {
		out = append(out, pr)
	}
	slices.SortFunc(out, func(a, b Process) int { return a.PID - b.PID })
	return out
}
