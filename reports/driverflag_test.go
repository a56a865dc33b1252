package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDriverFlag runs the Go reference driver, as a command line, through
// the end-of-stream cases: a driver needs no Go code of its author's. A
// command that is no driver is a harness failure (exit status 2).
func TestDriverFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a driver and the driver test binary")
	}
	for _, k := range []string{"CMD", "DIR"} {
		t.Setenv("NETCONFORM_DRIVER_"+k, "") // what -driver sets is undone after the test
	}
	bin := filepath.Join(t.TempDir(), "godriver")
	out, err := exec.Command("go", "build", "-o", bin, "../impls/driver/godriver").CombinedOutput()
	require.NoError(t, err, string(out))
	dir := t.TempDir()
	code, msg, err := runCmd(t, "-driver", bin, "-run", `^eof\.`, "-out", dir)
	require.NoError(t, err, msg)
	require.Equal(t, 0, code, "%s\n%s", msg, erroredResults(t, dir))
	md, err := os.ReadFile(filepath.Join(dir, "README.md"))
	require.NoError(t, err)
	require.Contains(t, string(md), "driver-go")
	require.Contains(t, string(md), "eof.read.after-peer-close")

	code, msg, _ = runCmd(t, "-driver", "/bin/false", "-run", `^eof\.`, "-out", t.TempDir())
	require.Equal(t, 2, code, msg)
	code, msg, _ = runCmd(t, "-driver", bin, "-pkg", "suite")
	require.Equal(t, 2, code, msg)
}
