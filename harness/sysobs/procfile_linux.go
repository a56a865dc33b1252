package sysobs

import (
	"os"

	"golang.org/x/sys/unix"
)

// readProcFile reads a small /proc file (a process's stat, cmdline or
// environ) with open, read and close only. os.ReadFile also runs fcntl and
// two fstat on every file, which doubles the system calls of a scan of
// every process's stat (proc.Kill does one per case of a driver or a
// program); /proc files report no size anyway.
func readProcFile(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	b := make([]byte, 0, 512)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := unix.Read(fd, b[len(b):cap(b)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
	}
}
