package proc

import (
	"os"

	"github.com/netconform/netconform/harness/sysobs"
)

// A Pipe is an os.Pipe whose writers can be named: once the process it was
// given to has exited, a pipe that does not end is held by another
// process, and Holders says which.
type Pipe struct {
	R, W *os.File
	ino  uint64
}

// NewPipe makes a pipe.
func NewPipe() (*Pipe, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	ino, _ := sysobs.PipeInode(r) // 0 where it cannot be known: no holder is ever named
	return &Pipe{R: r, W: w, ino: ino}, nil
}

// Holders lists the descendants of this process that hold the pipe open
// for writing.
func (p *Pipe) Holders() []Process {
	if p.ino == 0 {
		return nil
	}
	procs, err := sysobs.Descendants(os.Getpid())
	if err != nil {
		return nil
	}
	var out []Process
	for _, pr := range procs {
		if pr.State != 'Z' && sysobs.HoldsPipeForWriting(pr.PID, p.ino) {
			out = append(out, Process{PID: pr.PID, Cmd: short(sysobs.Cmdline(pr.PID))})
		}
	}
	return out
}

// PIDs returns the processes' ids.
func PIDs(ps []Process) []int {
	out := make([]int, len(ps))
	for i, p := range ps {
		out[i] = p.PID
	}
	return out
}
