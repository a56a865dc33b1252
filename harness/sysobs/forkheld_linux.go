package sysobs

import (
	"os"
	"strconv"
	"strings"
)

// ForkHolders lists the children of this process that hold a socket with
// one of these inodes open and still run this process's executable: a
// child forked but not yet exec'd, which holds every descriptor its
// parent had at the fork, O_CLOEXEC ones included, until its execve.
// A child that runs another program, or this one again after an exec,
// is left out: what it holds it was given on purpose.
func ForkHolders(inodes map[uint64]bool) []int {
	self, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return nil
	}
	var out []int
	for _, pid := range children() {
		exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
		if err != nil || exe != self || execed(pid) {
			continue
		}
		fds, err := SocketFDs(pid)
		if err != nil {
			continue
		}
		for ino := range fds {
			if inodes[ino] {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

// children lists this process's children, from every thread's
// /proc/self/task/<tid>/children (a child belongs to the thread that
// forked it).
func children() []int {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return nil
	}
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				out = append(out, pid)
			}
		}
	}
	return out
}

// execed reports whether pid has run execve since its fork: its
// arguments then differ from this process's.
func execed(pid int) bool {
	own, err1 := os.ReadFile("/proc/self/cmdline")
	its, err2 := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return err1 != nil || err2 != nil || string(own) != string(its)
}
