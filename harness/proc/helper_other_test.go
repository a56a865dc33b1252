//go:build !linux

package proc_test

// helped reports that this test binary is no helper: the helpers are Linux's.
func helped() bool { return false }
