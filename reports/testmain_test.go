package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

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
