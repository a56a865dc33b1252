//go:build !linux

package sysobs

import (
	"os"
	"syscall"
)

// SetChildSubreaper makes this process the reaper of its orphaned
// descendants. It is Linux-only.
func SetChildSubreaper() error { return errUnsupported("SetChildSubreaper") }

// Descendants lists the processes below pid. It is Linux-only.
func Descendants(pid int) ([]Process, error) { return nil, errUnsupported("Descendants") }

// DescendantsQuick lists the processes below pid. It is Linux-only.
func DescendantsQuick(pid int) ([]Process, error) { return nil, errUnsupported("DescendantsQuick") }

// Children lists the children of pid. It is Linux-only.
func Children(pid int) ([]int, error) { return nil, errUnsupported("Children") }

// ReadProcess describes pid. It is Linux-only.
func ReadProcess(pid int) (Process, error) { return Process{}, errUnsupported("ReadProcess") }

// Environ returns the environment pid was started with. It is Linux-only.
func Environ(pid int) ([]byte, error) { return nil, errUnsupported("Environ") }

// Cmdline returns pid's arguments; unknown here.
func Cmdline(pid int) string { return "?" }

// Dying reports whether pid has a SIGKILL pending; unknown here.
func Dying(pid int) bool { return false }

// Ending reports whether pid has ended or is ending; unknown here.
func Ending(pid int) bool { return false }

// PipeInode identifies the pipe f is an end of. It is Linux-only.
func PipeInode(f *os.File) (uint64, error) { return 0, errUnsupported("PipeInode") }

// HoldsPipeForWriting reports whether pid writes to a pipe; unknown here.
func HoldsPipeForWriting(pid int, ino uint64) bool { return false }

// Kill kills pid.
func Kill(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}

// Alive reports whether pid exists; unknown here, so true: nothing is
// taken for dead.
func Alive(pid int) bool { return true }

// Reap collects a zombie child's status. It is Linux-only.
func Reap(pid int) bool { return false }

// TreeProcAttr returns a unchanged: process groups and parent-death
// signals are Linux's here.
func TreeProcAttr(a *syscall.SysProcAttr) *syscall.SysProcAttr { return a }

// Freeze stops pid. It is Linux-only.
func Freeze(pid int) error { return errUnsupported("Freeze") }

// Thaw resumes pid. It is Linux-only.
func Thaw(pid int) error { return errUnsupported("Thaw") }

// Frozen reports whether pid is stopped; unknown here.
func Frozen(pid int) bool { return false }
