package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// The probes of issue #14 run small by default, each at a size where the
// code before the fix still breaks its bound, so that every probe is a
// test that fails without the fix and `go test ./reports` stays short.
// NETCONFORM_LONG_PROBES=1 runs them at the sizes (hundreds of
// MB); NETCONFORM_PROBE_MB sets the size of the memory probes (1024 for
// the 1 GB bar), and implies the long run.
var (
	probeMB, _ = strconv.Atoi(os.Getenv("NETCONFORM_PROBE_MB"))
	longProbes = os.Getenv("NETCONFORM_LONG_PROBES") != "" || probeMB > 0
)

// probeSize is the size of a memory probe: small by default, the issue's
// size (long) with NETCONFORM_LONG_PROBES, or NETCONFORM_PROBE_MB.
func probeSize(small, long int64) int64 {
	switch {
	case probeMB > 0:
		return int64(probeMB) << 20
	case longProbes:
		return long << 20
	}
	return small << 20
}

// reportsBin is the report command, built once for the tests that run it
// as a process of its own (signals, memory, escaped processes).
var reportsBin string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "netconform-reports-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	reportsBin = filepath.Join(dir, "reports")
	if out, err := exec.Command("go", "build", "-o", reportsBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build ./reports: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}
