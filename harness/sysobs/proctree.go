package sysobs

// A Process is what the kernel says of one process: its ids, its state
// (R, S, D, Z, …) and its command name.
type Process struct {
	PID, PPID, PGID, SID int
	State                byte
	Comm                 string
}
