package proc

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"

	"github.com/netconform/netconform/harness/sysobs"
)

// Temporary files and directories are named netconform-<what>-p<pid>-…
// after the process that made them. They are removed on SIGINT and SIGTERM
// (see interrupt.go) and by Remove; those of a process that died without
// removing them (SIGKILL) are removed by the next process that makes one.

var tempName = regexp.MustCompile(`^netconform-[a-z0-9]+-p([0-9]+)-`)

var sweepOnce sync.Once

// CreateTemp creates a file in os.TempDir() named
// netconform-<what>-p<pid>-<random><suffix>, open for reading and writing.
// Once SIGINT or SIGTERM has started the clean-up, it fails.
func CreateTemp(what, suffix string) (*os.File, error) {
	sweepOnce.Do(sweep)
	var f *os.File
	err := addPath(func() (path string, err error) {
		f, err = os.CreateTemp("", prefix(what)+"*"+suffix)
		if err != nil {
			return "", err
		}
		return f.Name(), nil
	})
	return f, err
}

// MkdirTemp creates a directory in os.TempDir() named
// netconform-<what>-p<pid>-<random>. Once SIGINT or SIGTERM has started
// the clean-up, it fails.
func MkdirTemp(what string) (string, error) {
	sweepOnce.Do(sweep)
	var dir string
	err := addPath(func() (path string, err error) {
		dir, err = os.MkdirTemp("", prefix(what)+"*")
		return dir, err
	})
	return dir, err
}

// Track adds a path of the caller's to those removed on SIGINT and
// SIGTERM; Remove removes it. Once the clean-up has started, it removes
// the path at once.
func Track(path string) {
	if addPath(func() (string, error) { return path, nil }) != nil {
		os.RemoveAll(path)
	}
}

// Remove removes a path made by CreateTemp, MkdirTemp or given to Track,
// with everything in it.
func Remove(path string) error {
	removePath(path)
	return os.RemoveAll(path)
}

func prefix(what string) string { return fmt.Sprintf("netconform-%s-p%d-", what, os.Getpid()) }

// sweep removes the temporary paths of processes that no longer exist.
func sweep() {
	dir := os.TempDir()
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		m := tempName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		if pid, err := strconv.Atoi(m[1]); err == nil && pid != os.Getpid() && !sysobs.Alive(pid) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}
