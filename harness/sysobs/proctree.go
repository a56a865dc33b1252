package sysobs

// A Process is what the kernel says of one process: its ids, its state
// (R, S, D, Z, …), whether it is on its way out (exiting, not yet a
// zombie) and its command name.
type Process struct {
	PID, PPID, PGID, SID int
	State                byte
	Exiting              bool
	Comm                 string
}
