package driver_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/netconform/netconform/harness/sysobs"
)

// binDir holds the drivers built for this test run. Isolated cases re-run
// the test binary in a child, which finds them through envBinDir instead
// of building again.
var binDir string

const envBinDir = "NETCONFORM_DRIVER_BIN"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if dir := os.Getenv(envBinDir); dir != "" {
		binDir = dir
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "netconform-drivers-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = dir
	os.Setenv(envBinDir, dir)
	if err := buildDrivers(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	before, _ := sysobs.OpenSockets()
	code := m.Run()
	if code != 0 {
		return code
	}
	if err := goleak.Find(); err != nil {
		fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
		return 1
	}
	if after, err := sysobs.OpenSockets(); err == nil && after > before {
		fmt.Fprintf(os.Stderr, "sockets leaked: %d open before the tests, %d after\n", before, after)
		return 1
	}
	return 0
}

// buildDrivers compiles the Go and C reference drivers into dir. A C
// driver that cannot be built (no cc, no libcjson-dev) is not an error
// here: the tests that need it skip, or fail under NETCONFORM_REQUIRE_DRIVERS.
func buildDrivers(dir string) error {
	gobuild := exec.Command("go", "build", "-o", filepath.Join(dir, "godriver"), "./godriver")
	if out, err := gobuild.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./godriver: %v\n%s", err, out)
	}
	cc := exec.Command("cc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", filepath.Join(dir, "cdriver"), "cdriver/driver.c", "-lcjson")
	if out, err := cc.CombinedOutput(); err != nil {
		os.WriteFile(filepath.Join(dir, "cdriver.err"), fmt.Appendf(nil, "cc cdriver/driver.c -lcjson: %v\n%s", err, out), 0o600)
	}
	return nil
}
