package sysobs

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// readProcFile reads what os.ReadFile reads, past its first buffer too,
// and says "not found" the same way.
func TestReadProcFile(t *testing.T) {
	t.Setenv("NETCONFORM_TEST_LONG", strings.Repeat("x", 5000)) // environ beyond 512 bytes
	for _, path := range []string{"/proc/self/cmdline", "/proc/self/environ", "/proc/self/maps"} {
		// /proc/self/stat changes between two reads (times); the others
		// do not.
		got, err := readProcFile(path)
		want, werr := os.ReadFile(path)
		if err != nil || werr != nil {
			t.Fatalf("readProcFile(%s) = %v, os.ReadFile = %v", path, err, werr)
		}
		if path != "/proc/self/maps" && !bytes.Equal(got, want) {
			t.Errorf("readProcFile(%s) = %d bytes, os.ReadFile %d bytes, differing", path, len(got), len(want))
		}
		if len(got) == 0 {
			t.Errorf("readProcFile(%s) read nothing", path)
		}
	}
	if _, err := readProcFile("/proc/0/stat"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("readProcFile(/proc/0/stat) = %v, want not exist", err)
	}
}
