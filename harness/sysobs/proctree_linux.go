package sysobs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// SetChildSubreaper makes this process the reaper of its orphaned
// descendants (prctl PR_SET_CHILD_SUBREAPER): a process that leaves its
// parent (a double fork, a daemon) stays in this process's tree, where it
// can be found and killed, instead of moving to init.
func SetChildSubreaper() error {
	return os.NewSyscallError("prctl(PR_SET_CHILD_SUBREAPER)", unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
}

// Descendants lists the processes below pid in the process tree (pid
// itself excluded), zombies included, from every process's parent in
// /proc: a child whose parent is ending is seen under its old parent or
// its new one. A process that forks meanwhile may still be missed:
// callers that need everything look again.
func Descendants(pid int) ([]Process, error) { return descendantsByParent(pid) }

// DescendantsQuick is Descendants for an observation repeated over time
// (what a running program holds, every few milliseconds): it follows each
// thread's list of children (/proc/<pid>/task/<tid>/children), a few reads
// for the tree instead of one for every process on the machine. Those
// lists change one after the other as a process or a thread ends (its
// children move to a reaper), so a walk that meets an ending process (a
// zombie, one exiting or gone) reads every parent instead; but a move it
// does not meet can hide a child from it for that moment, which is why a
// kill or a final check uses Descendants.
func DescendantsQuick(pid int) ([]Process, error) {
	out, err := descendantsByChildren(pid)
	if errors.Is(err, errNoChildrenFile) || errors.Is(err, errTreeChanging) {
		return descendantsByParent(pid)
	}
	return out, err
}

var (
	errNoChildrenFile = errors.New("no /proc/<pid>/task/<tid>/children")
	errTreeChanging   = errors.New("a process of the tree is ending")
)

// descendantsByChildren walks the tree down from pid through the
// children files of every thread of each process.
func descendantsByChildren(pid int) ([]Process, error) {
	kids, err := childrenOf(pid)
	if err != nil {
		return nil, err
	}
	var out []Process
	seen := map[int]bool{pid: true}
	for len(kids) > 0 {
		c := kids[0]
		kids = kids[1:]
		if seen[c] {
			continue
		}
		seen[c] = true
		p, err := ReadProcess(c)
		if err != nil || p.State == 'Z' || p.Exiting {
			return nil, errTreeChanging
		}
		out = append(out, p)
		more, err := childrenOf(c)
		if err != nil {
			return nil, err
		}
		// Ending after its list was read, c's children move to a reaper
		// whose list may have been read before.
		if p, err := ReadProcess(c); err != nil || p.State == 'Z' || p.Exiting {
			return nil, errTreeChanging
		}
		kids = append(kids, more...)
	}
	return out, nil
}

// childrenOf lists the children of every thread of pid. It fails with
// errNoChildrenFile when the kernel has no children files, and with
// errTreeChanging when pid or one of its threads ends meanwhile.
func childrenOf(pid int) ([]int, error) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return nil, errTreeChanging
	}
	var out []int
	for _, t := range tasks {
		b, err := readProcFile(dir + t.Name() + "/children")
		if errors.Is(err, os.ErrNotExist) {
			if _, serr := os.Stat(dir + t.Name()); serr == nil {
				return nil, errNoChildrenFile // the thread is there, its file is not
			}
		}
		if err != nil {
			return nil, errTreeChanging
		}
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out, nil
}

// Children lists the children of pid, of every one of its threads, from
// their children files: a quick look, exact while none of them is being
// created or is ending (see DescendantsQuick). It fails when the kernel has
// no children files, or pid or one of its threads ends meanwhile.
func Children(pid int) ([]int, error) { return childrenOf(pid) }

// descendantsByParent reads every process's parent from /proc/<pid>/stat.
func descendantsByParent(pid int) ([]Process, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	children := map[int][]Process{}
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		p, err := ReadProcess(n)
		if err != nil {
			continue // gone meanwhile
		}
		children[p.PPID] = append(children[p.PPID], p)
	}
	var out []Process
	queue := []int{pid}
	for len(queue) > 0 {
		for _, c := range children[queue[0]] {
			out = append(out, c)
			queue = append(queue, c.PID)
		}
		queue = queue[1:]
	}
	return out, nil
}

// ReadProcess reads /proc/<pid>/stat.
func ReadProcess(pid int) (Process, error) {
	b, err := readProcFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Process{}, err
	}
	return parseStat(b)
}

// parseStat parses "pid (comm) state ppid pgrp session …"; comm may hold
// spaces and parentheses, so it ends at the last ')'.
func parseStat(b []byte) (Process, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return Process{}, fmt.Errorf("malformed /proc stat %q", b)
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 4 || len(f[0]) != 1 {
		return Process{}, fmt.Errorf("malformed /proc stat %q", b)
	}
	p := Process{State: f[0][0], Comm: string(b[open+1 : end])}
	var errs [4]error
	p.PID, errs[0] = strconv.Atoi(strings.TrimSpace(string(b[:open])))
	p.PPID, errs[1] = strconv.Atoi(f[1])
	p.PGID, errs[2] = strconv.Atoi(f[2])
	p.SID, errs[3] = strconv.Atoi(f[3])
	if err := errors.Join(errs[:]...); err != nil {
		return Process{}, fmt.Errorf("malformed /proc stat %q: %w", b, err)
	}
	if len(f) > 6 {
		flags, _ := strconv.ParseUint(f[6], 10, 64)
		p.Exiting = flags&pfExiting != 0
	}
	return p, nil
}

// pfExiting is the kernel's PF_EXITING task flag (stat's ninth field).
const pfExiting = 0x4

// Environ returns the environment pid was started with, NUL-separated
// (empty for a zombie).
func Environ(pid int) ([]byte, error) {
	return readProcFile("/proc/" + strconv.Itoa(pid) + "/environ")
}

// Cmdline returns pid's arguments joined by spaces, or its command name
// in brackets when they cannot be read (a zombie, a kernel thread).
func Cmdline(pid int) string {
	b, err := readProcFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err == nil && len(b) > 0 {
		return strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")
	}
	if p, err := ReadProcess(pid); err == nil {
		return "[" + p.Comm + "]"
	}
	return "?"
}

// Dying reports whether pid has a SIGKILL pending: it is on its way out
// (a parent-death signal, a kill already sent).
func Dying(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return true
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok || (k != "SigPnd" && k != "ShdPnd") {
			continue
		}
		if mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64); err == nil && mask&(1<<(syscall.SIGKILL-1)) != 0 {
			return true
		}
	}
	return false
}

// Ending reports whether pid has ended or is ending: gone, a zombie not
// yet reaped, or in exit (PF_EXITING). An exiting process's descriptors
// close before its parent can reap it.
func Ending(pid int) bool {
	p, err := ReadProcess(pid)
	return err != nil || p.State == 'Z' || p.State == 'X' || p.Exiting
}

// PipeInode identifies the pipe f is an end of.
func PipeInode(f *os.File) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return 0, os.NewSyscallError("fstat", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return 0, fmt.Errorf("%s is not a pipe", f.Name())
	}
	return st.Ino, nil
}

// HoldsPipeForWriting reports whether pid has a descriptor open for
// writing on the pipe with inode ino.
func HoldsPipeForWriting(pid int, ino uint64) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	want := "pipe:[" + strconv.FormatUint(ino, 10) + "]"
	for _, e := range ents {
		if l, err := os.Readlink(dir + e.Name()); err != nil || l != want {
			continue
		}
		info, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/fdinfo/" + e.Name())
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(info), "\n") {
			if v, ok := strings.CutPrefix(l, "flags:"); ok {
				flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
				if err == nil && flags&unix.O_ACCMODE != unix.O_RDONLY {
					return true
				}
			}
		}
	}
	return false
}

// Kill sends SIGKILL to pid.
func Kill(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }

// Alive reports whether a process pid exists (zombies included).
func Alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Reap collects the exit status of pid, a zombie child of this process,
// if it is one; it reports whether it did.
func Reap(pid int) bool {
	var ws unix.WaitStatus
	got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	return err == nil && got == pid
}

// TreeProcAttr returns a with what a process tree's root needs: a process
// group of its own, and SIGKILL when the thread that started it ends.
func TreeProcAttr(a *syscall.SysProcAttr) *syscall.SysProcAttr {
	if a == nil {
		a = &syscall.SysProcAttr{}
	}
	a.Setpgid = true
	if a.Pdeathsig == 0 {
		a.Pdeathsig = syscall.SIGKILL
	}
	return a
}

// Freeze stops pid (SIGSTOP) until Thaw; Frozen says when it has stopped.
func Freeze(pid int) error { return syscall.Kill(pid, syscall.SIGSTOP) }

// Thaw resumes pid after Freeze (SIGCONT).
func Thaw(pid int) error { return syscall.Kill(pid, syscall.SIGCONT) }

// Frozen reports whether no thread of pid can run: each is stopped (a
// SIGSTOP is delivered to every thread of a process, each when it next
// runs), or the process is gone.
func Frozen(pid int) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return !Alive(pid)
	}
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/" + t.Name() + "/stat")
		if err != nil {
			continue // the thread ended
		}
		p, err := parseStat(b)
		if err != nil {
			return false
		}
		switch p.State {
		case 'T', 't', 'Z', 'X':
		default:
			return false
		}
	}
	return true
}
